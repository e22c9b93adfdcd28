import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength, ValidateNested } from "class-validator";
import { Field, Float, InputType, Int, ObjectType } from "type-graphql";
import { LocalDate } from "../platform/local-date";
import { Money } from "../platform/money";

// GraphQL types of dunning, partial credit notes and invoice runs.

@ObjectType("Dunning", { description: "A dunning level sent for an invoice: once per level, to the customer's main data." })
export class DunningNode {
  feeInvoiceId: number | null;

  @Field(() => Int, { description: "1 for the first reminder; the configured levels in order." })
  level: number;

  @Field({ description: "The last level: the final notice." })
  final: boolean;

  @Field(() => LocalDate)
  sentOn: string;

  @Field(() => Money, { description: "The fee of this level (zero for none), billed as an invoice of its own: feeInvoice." })
  fee: Money;
}

@InputType({ description: "A line of the invoice to credit, by its position; all of its quantity unless one is given." })
export class CreditNoteLineInput {
  @Field(() => Int)
  @Min(1)
  position: number;

  @Field(() => Float, { nullable: true, description: "Up to the quantity not yet credited; at most three decimals." })
  @IsOptional()
  @Min(0.001)
  quantity?: number;
}

@InputType({ description: "An amount to credit at one of the invoice's VAT rates, e.g. a goodwill reduction." })
export class CreditNoteAmountInput {
  @Field()
  @MinLength(1)
  @MaxLength(500)
  description: string;

  @Field(() => Int, { description: "Net amount in cents, positive: what the customer is credited before VAT." })
  @Min(1)
  @Max(100_000_000)
  netAmount: number;

  @Field(() => Float, { description: "One of the invoice's VAT rates." })
  vatRate: number;
}

@InputType()
export class InvoiceCreditInput {
  @Field(() => [CreditNoteLineInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  lines?: CreditNoteLineInput[];

  @Field(() => [CreditNoteAmountInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  amounts?: CreditNoteAmountInput[];

  @Field()
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}
