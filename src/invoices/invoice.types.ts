import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, MaxLength, Min, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver, EmailAddressResolver } from "graphql-scalars";
import { LocalDate } from "../platform/local-date";
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PaymentMethod } from "../customers/customer.enums";
import { MailDeliveryStatus } from "../notifications/notification.enums";
import { UserError } from "../platform/user-error";
import { PaymentSource } from "./payment.enums";
import type { PaymentTerms } from "./invoice-pdf";
import { Address } from "../platform/address";
import { Money } from "../platform/money";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { InvoiceKind } from "./invoice.enums";
import { VatCategory } from "./vat";
import { InvoiceFormat, Locale } from "../customers/customer.enums";
import type { VatBreakdownPart } from "./amounts";

export enum InvoiceStatus {
  OPEN = "OPEN",
  PAID = "PAID",
  OVERDUE = "OVERDUE",
  CANCELLED = "CANCELLED",
}
registerEnumType(InvoiceStatus, {
  name: "InvoiceStatus",
  valuesConfig: { OVERDUE: { description: "Open and past its due date." } },
});
registerEnumType(InvoiceKind, { name: "InvoiceKind" });
registerEnumType(MailDeliveryStatus, { name: "MailDeliveryStatus" });
registerEnumType(PaymentSource, { name: "PaymentSource" });
registerEnumType(VatCategory, {
  name: "VatCategory",
  description: "EN 16931 VAT category of a line (BT-151).",
  valuesConfig: {
    STANDARD: { description: "S: taxed at a rate above 0." },
    REVERSE_CHARGE: { description: "AE: the buyer owes the VAT; rate 0, both VAT ids printed." },
    EXEMPT: { description: "E: exempt, rate 0, with the reason." },
    NOT_SUBJECT: { description: "O: not subject to VAT (no supply, e.g. a dunning fee), rate 0, with the reason; alone on its invoice." },
  },
});

@ObjectType({ description: "The billing address and addressees as printed when the invoice was issued." })
export class BillingSnapshot extends Address {
  @Field(() => [String], { description: "Persons printed z. Hd. under the address." })
  addressees: string[];
}

@ObjectType("Invoice", { implements: Node, description: "An issued invoice or credit note. Never changes after issue." })
export class InvoiceNode extends Node implements NodeSource {
  __typename: "Invoice";
  dbId: number;
  customerId: number;
  originalInvoiceId: number | null;
  breakdown: VatBreakdownPart[];
  /** Null for invoices from before terms were stored: bank transfer to the provider's account. */
  terms: PaymentTerms | null;

  @Field({ description: "Gapless per year and series, e.g. 2026-000001." })
  number: string;

  @Field(() => InvoiceKind)
  kind: InvoiceKind;

  @Field(() => InvoiceStatus)
  status: InvoiceStatus;

  @Field(() => LocalDate)
  issueDate: string;

  @Field(() => LocalDate)
  dueDate: string;

  @Field(() => LocalDate, { nullable: true })
  periodStart?: string;

  @Field(() => LocalDate, { nullable: true })
  periodEnd?: string;

  @Field(() => LocalDate, { nullable: true, description: "When there is no service period: the date of delivery." })
  deliveryDate?: string;

  @Field(() => InvoiceFormat, { description: "The customer's format when it was issued." })
  format: InvoiceFormat;

  @Field({ nullable: true, description: "Buyer reference (BT-10, e.g. Leitweg-ID) as issued." })
  buyerReference?: string;

  @Field(() => Locale, { description: "The language it is rendered in, the customer's when it was issued." })
  locale: Locale;

  @Field({ nullable: true, description: "The customer's VAT id as issued." })
  buyerVatId?: string;

  @Field(() => Money)
  net: Money;

  @Field(() => Money)
  vat: Money;

  @Field(() => Money)
  gross: Money;

  @Field(() => BillingSnapshot)
  billingAddress: BillingSnapshot;

  @Field(() => DateTimeResolver, { nullable: true })
  paidAt?: Date;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

@ObjectType("InvoiceLine")
export class InvoiceLineNode {
  invoiceId: number;
  productId: number | null;
  currency: string;

  @Field(() => Int)
  position: number;

  @Field()
  description: string;

  @Field(() => Float)
  quantity: number;

  @Field(() => Money, { description: "Net price of one unit." })
  unitPrice: Money;

  @Field(() => Float, { description: "VAT rate in percent, e.g. 20." })
  vatRate: number;

  @Field(() => VatCategory)
  vatCategory: VatCategory;

  @Field({ nullable: true, description: "Why an exempt line is exempt." })
  vatExemptionReason?: string;

  @Field(() => Money, { description: "Net amount of the line." })
  net: Money;
}

export const InvoiceConnection = connectionOf(InvoiceNode, "Invoice");

@ArgsType()
export class InvoicesArgs extends PageArgs {
  @Field(() => [InvoiceStatus], { nullable: true, description: "Only invoices in these states." })
  status?: InvoiceStatus[];
}

@ObjectType({ description: "Net and VAT of one VAT category and rate, as issued." })
export class VatBreakdownLine {
  @Field(() => VatCategory)
  category: VatCategory;

  @Field(() => Float)
  rate: number;

  @Field({ nullable: true, description: "The legal note: the exemption reason, or the reverse-charge note." })
  note?: string;

  @Field(() => Money)
  net: Money;

  @Field(() => Money)
  vat: Money;
}

@ObjectType({ description: "How the invoice is paid, as issued." })
export class PaymentTermsView {
  @Field(() => PaymentMethod)
  method: PaymentMethod;

  @Field({ nullable: true, description: "SEPA: the mandate reference." })
  mandateReference?: string;

  @Field(() => LocalDate, { nullable: true, description: "SEPA: when the amount is debited." })
  debitDate?: string;

  @Field({ nullable: true, description: "Transfer: the provider's IBAN." })
  iban?: string;

  @Field({ nullable: true, description: "Transfer: the reference to give." })
  paymentReference?: string;
}

@ObjectType({ description: "One recipient of an invoice email." })
export class InvoiceDelivery {
  @Field(() => EmailAddressResolver)
  recipient: string;

  @Field(() => MailDeliveryStatus)
  status: MailDeliveryStatus;

  @Field(() => DateTimeResolver)
  updatedAt: Date;

  @Field({ nullable: true })
  error?: string;
}

@InputType()
export class InvoiceLineInput {
  @Field()
  @MinLength(1)
  @MaxLength(500)
  description: string;

  @Field(() => ID, { nullable: true, description: "A product of the same customer." })
  @IsOptional()
  @MaxLength(100)
  productId?: string;

  @Field(() => Float, { description: "Up to three decimals, more than 0." })
  @Min(0.001)
  @Max(1_000_000)
  quantity: number;

  @Field(() => Int, { description: "Net price of one unit in cents." })
  @Min(-100_000_000)
  @Max(100_000_000)
  unitPriceAmount: number;

  @Field(() => Float, {
    nullable: true,
    description: "VAT rate in percent, e.g. 20 or 19 or 0; by default the category's rate for the customer.",
  })
  @IsOptional()
  @Min(0)
  @Max(100)
  vatRate?: number;

  @Field(() => VatCategory, { nullable: true, description: "By default Konto's proposal for the customer; only staff may choose another." })
  @IsOptional()
  vatCategory?: VatCategory;

  @Field({ nullable: true, description: "Required for EXEMPT and NOT_SUBJECT lines: the legal basis." })
  @IsOptional()
  @MaxLength(200)
  vatExemptionReason?: string;
}

@InputType()
export class InvoiceIssueInput {
  @Field(() => ID)
  @MaxLength(100)
  customerId: string;

  @Field(() => [InvoiceLineInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  lines: InvoiceLineInput[];

  @Field(() => LocalDate, { nullable: true })
  @IsOptional()
  periodStart?: string;

  @Field(() => LocalDate, { nullable: true })
  @IsOptional()
  periodEnd?: string;

  @Field(() => LocalDate, {
    nullable: true,
    description: "Without a service period: when it was delivered. Without either, the issue date.",
  })
  @IsOptional()
  deliveryDate?: string;

  @Field(() => Int, { defaultValue: 14, description: "Days from issue to due date." })
  @Min(0)
  @Max(120)
  dueInDays: number;
}

@ObjectType()
export class InvoicePayload {
  @Field(() => InvoiceNode, { nullable: true })
  invoice?: InvoiceNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class PaymentRecordInput {
  @Field(() => ID)
  @MaxLength(100)
  customerId: string;

  @Field(() => ID, { nullable: true, description: "The invoice paid, if known." })
  @IsOptional()
  @MaxLength(100)
  invoiceId?: string;

  @Field(() => Int, { description: "Cents received." })
  @Min(1)
  @Max(1_000_000_000)
  amount: number;

  @Field(() => LocalDate)
  receivedOn: string;

  @Field()
  @MinLength(1)
  @MaxLength(140)
  reference: string;

  @Field(() => PaymentSource, { defaultValue: PaymentSource.STAFF })
  source: PaymentSource;
}

@ObjectType()
export class PaymentNode {
  @Field(() => Money)
  amount: Money;

  @Field(() => LocalDate)
  receivedOn: string;

  @Field()
  reference: string;

  @Field(() => PaymentSource)
  source: PaymentSource;
}

@ObjectType()
export class PaymentPayload {
  @Field(() => PaymentNode, { nullable: true })
  payment?: PaymentNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

export enum StatementEntryKind {
  INVOICE = "INVOICE",
  CREDIT_NOTE = "CREDIT_NOTE",
  PAYMENT = "PAYMENT",
}
registerEnumType(StatementEntryKind, { name: "StatementEntryKind" });

@ObjectType({ description: "A line of the account statement: an invoice or credit note raises, a payment lowers the balance." })
export class StatementEntry {
  @Field(() => LocalDate)
  date: string;

  @Field(() => StatementEntryKind)
  kind: StatementEntryKind;

  @Field({ description: "Invoice number or payment reference." })
  reference: string;

  @Field(() => Money, { description: "Positive for invoices, negative for credit notes and payments." })
  amount: Money;

  @Field(() => Money, { description: "The balance after this entry." })
  balance: Money;
}
