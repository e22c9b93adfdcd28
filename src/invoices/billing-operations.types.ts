import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, MaxLength, Min, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { LocalDate } from "../platform/local-date";
import { Money } from "../platform/money";
import { UserError } from "../platform/user-error";
import { InvoiceLineInput } from "./invoice.types";

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

@InputType({ description: "One invoice of a run: a customer, its billing period and its lines." })
export class InvoiceRunItemInput {
  @Field(() => ID)
  @MaxLength(100)
  customerId: string;

  @Field(() => LocalDate)
  periodStart: string;

  @Field(() => LocalDate)
  periodEnd: string;

  @Field(() => [InvoiceLineInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  lines: InvoiceLineInput[];
}

export const INVOICE_RUN_MAX_ITEMS = 500;

@InputType()
export class InvoiceRunStartInput {
  @Field(() => [InvoiceRunItemInput], { description: `Up to ${INVOICE_RUN_MAX_ITEMS} invoices per call.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(INVOICE_RUN_MAX_ITEMS)
  @ValidateNested({ each: true })
  invoices: InvoiceRunItemInput[];

  @Field(() => Int, { defaultValue: 14, description: "Days from issue to due date." })
  @Min(0)
  @Max(120)
  dueInDays: number;
}

export enum InvoiceRunStatus {
  RUNNING = "RUNNING",
  COMPLETED = "COMPLETED",
  COMPLETED_WITH_FAILURES = "COMPLETED_WITH_FAILURES",
}
registerEnumType(InvoiceRunStatus, {
  name: "InvoiceRunStatus",
  valuesConfig: { RUNNING: { description: "Some invoices are not issued yet." } },
});

@ObjectType({ description: "An invoice of a run that could not be issued, and why." })
export class InvoiceRunFailure {
  @Field()
  customerNumber: string;

  @Field(() => LocalDate)
  periodStart: string;

  @Field()
  error: string;
}

@ObjectType("InvoiceRun", { description: "A bulk run of invoices: workers issue, render and email them. Staff only." })
export class InvoiceRunNode {
  dbId: number;

  @Field(() => ID)
  id: string;

  @Field(() => InvoiceRunStatus)
  status: InvoiceRunStatus;

  @Field(() => Int, { description: "Invoices in this run." })
  total: number;

  @Field(() => Int, { description: "Not issued yet." })
  pending: number;

  @Field(() => Int)
  issued: number;

  @Field(() => Int)
  failed: number;

  @Field(() => Int, { description: "Issued invoices that were emailed to at least one recipient." })
  emailed: number;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field({ description: "Who started it." })
  startedBy: string;
}

@ObjectType()
export class InvoiceRunPayload {
  @Field(() => InvoiceRunNode, { nullable: true })
  run?: InvoiceRunNode;

  @Field(() => Int, {
    nullable: true,
    description: "Invoices not added because their customer and period are in a run already (this call's or an earlier one's).",
  })
  skipped?: number;

  @Field(() => [UserError])
  userErrors: UserError[];
}
