import { MaxLength } from "class-validator";
import { DateTimeResolver, EmailAddressResolver, LocalDateResolver } from "graphql-scalars";
import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Address } from "../platform/address";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { CustomerKind, CustomerStatus, Locale, PaymentMethod, SepaScheme } from "./customer.entity";

registerEnumType(CustomerKind, { name: "CustomerKind" });
registerEnumType(CustomerStatus, { name: "CustomerStatus" });
registerEnumType(PaymentMethod, { name: "PaymentMethod" });
registerEnumType(SepaScheme, { name: "SepaScheme" });
registerEnumType(Locale, { name: "Locale" });

@ObjectType({ description: "A SEPA direct-debit mandate. The IBAN is shown masked." })
export class SepaMandate {
  @Field({ description: "Masked IBAN: country, check digits and the last four characters." })
  iban: string;

  @Field({ nullable: true })
  bic?: string;

  @Field()
  accountHolder: string;

  @Field({ nullable: true })
  mandateReference?: string;

  @Field(() => LocalDateResolver, { nullable: true })
  mandateDate?: string;

  @Field(() => SepaScheme)
  scheme: SepaScheme;
}

@ObjectType()
export class PaymentDetails {
  @Field(() => PaymentMethod)
  method: PaymentMethod;

  @Field(() => SepaMandate, { nullable: true, description: "Set when the method is SEPA_DIRECT_DEBIT." })
  sepa?: SepaMandate;
}

@ObjectType({ description: "Invoices sent by email as PDF." })
export class OnlineInvoiceSettings {
  @Field()
  enabled: boolean;

  @Field(() => EmailAddressResolver, { nullable: true })
  email?: string;
}

@ObjectType()
export class NewsletterSettings {
  @Field()
  enabled: boolean;

  @Field(() => EmailAddressResolver, { nullable: true })
  email?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: "When consent was given." })
  consentAt?: Date;
}

@ObjectType("Customer", { implements: Node, description: "A customer account (Kundennummer)." })
export class CustomerNode extends Node implements NodeSource {
  __typename: "Customer";
  dbId: number;
  resellerId: number | null;

  @Field({ description: "The customer number (Kundennummer)." })
  customerNumber: string;

  @Field(() => CustomerKind)
  kind: CustomerKind;

  @Field({ description: "Company name, or first and last name for private customers." })
  displayName: string;

  @Field({ nullable: true })
  companyName?: string;

  @Field({ nullable: true })
  legalForm?: string;

  @Field({ nullable: true })
  salutation?: string;

  @Field({ nullable: true })
  firstName?: string;

  @Field({ nullable: true })
  lastName?: string;

  @Field({ nullable: true })
  vatId?: string;

  @Field(() => Address)
  address: Address;

  @Field(() => Address, { nullable: true, description: "A separate billing address, if the customer keeps one." })
  billingAddress?: Address;

  @Field(() => EmailAddressResolver, { description: "The main email address, in use until a change is confirmed." })
  email: string;

  @Field({ nullable: true, description: "E.164." })
  phone?: string;

  @Field({ nullable: true, description: "E.164." })
  mobile?: string;

  @Field(() => PaymentDetails)
  payment: PaymentDetails;

  @Field(() => OnlineInvoiceSettings)
  onlineInvoice: OnlineInvoiceSettings;

  @Field(() => NewsletterSettings)
  newsletter: NewsletterSettings;

  @Field(() => [String], { description: "Addresses and CIDRs logins must come from; empty means any." })
  ipAllowlist: string[];

  @Field(() => Locale)
  locale: Locale;

  @Field(() => CustomerStatus)
  status: CustomerStatus;

  @Field(() => Int, { description: "Optimistic-lock version; send it back with updates." })
  version: number;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver)
  updatedAt: Date;
}

export const CustomerConnection = connectionOf(CustomerNode, "Customer");

@ArgsType()
export class CustomersArgs extends PageArgs {
  @Field({ nullable: true, description: "Customer number prefix, or part of the name or email." })
  @MaxLength(100)
  search?: string;
}

@ArgsType()
export class CustomerLookupArgs {
  @Field(() => ID, { nullable: true })
  @MaxLength(100)
  id?: string;

  @Field({ nullable: true })
  @MaxLength(20)
  customerNumber?: string;
}
