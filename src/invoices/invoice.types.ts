import { DateTimeResolver, LocalDateResolver } from "graphql-scalars";
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { Address } from "../platform/address";
import { Money } from "../platform/money";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { InvoiceKind } from "./invoice.entity";

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

  @Field({ description: "Gapless per year and series, e.g. 2026-000001." })
  number: string;

  @Field(() => InvoiceKind)
  kind: InvoiceKind;

  @Field(() => InvoiceStatus)
  status: InvoiceStatus;

  @Field(() => LocalDateResolver)
  issueDate: string;

  @Field(() => LocalDateResolver)
  dueDate: string;

  @Field(() => LocalDateResolver, { nullable: true })
  periodStart?: string;

  @Field(() => LocalDateResolver, { nullable: true })
  periodEnd?: string;

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

  @Field(() => Money, { description: "Net amount of the line." })
  net: Money;
}

export const InvoiceConnection = connectionOf(InvoiceNode, "Invoice");

@ArgsType()
export class InvoicesArgs extends PageArgs {
  @Field(() => [InvoiceStatus], { nullable: true, description: "Only invoices in these states." })
  status?: InvoiceStatus[];
}
