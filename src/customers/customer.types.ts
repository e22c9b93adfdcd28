import { IsOptional, MaxLength, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver, EmailAddressResolver } from "graphql-scalars";
import { LocalDate } from "../platform/local-date";
import { ArgsType, Authorized, Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "../platform/user-error";
import type { Rule } from "../access/auth-checker";
import { Address, AddressInput } from "../platform/address";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { CustomerKind, CustomerStatus, InvoiceFormat, Locale, PaymentMethod, SepaScheme } from "./customer.enums";

registerEnumType(CustomerKind, { name: "CustomerKind" });
registerEnumType(CustomerStatus, { name: "CustomerStatus" });
registerEnumType(PaymentMethod, { name: "PaymentMethod" });
registerEnumType(SepaScheme, { name: "SepaScheme" });
registerEnumType(Locale, { name: "Locale" });
registerEnumType(InvoiceFormat, {
  name: "InvoiceFormat",
  valuesConfig: {
    PDF: { description: "A PDF invoice." },
    ZUGFERD: { description: "ZUGFeRD / Factur-X (EN 16931): a PDF/A-3 with the XML invoice inside." },
    XRECHNUNG: { description: "XRechnung 3.0 (CII XML), with the PDF for reading. Needs a buyer reference." },
  },
});

@ObjectType({ description: "A SEPA direct-debit mandate." })
export class SepaMandate {
  /** Masked; the resolver gives the full one to the customer's ADMIN and BILLING users, its reseller and staff. */
  iban: string;
  fullIban: string;
  customer: { dbId: number; resellerId: number | null };

  @Field({ nullable: true })
  bic?: string;

  @Field()
  accountHolder: string;

  @Field({ nullable: true })
  mandateReference?: string;

  @Field(() => LocalDate, { nullable: true })
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
  customerId: number;

  @Field()
  enabled: boolean;

  @Field(() => EmailAddressResolver, { nullable: true })
  email?: string;
}

@ObjectType()
export class NewsletterSettings {
  customerId: number;

  @Field()
  enabled: boolean;

  @Field(() => EmailAddressResolver, { nullable: true })
  email?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: "When consent was given." })
  consentAt?: Date;
}

@ObjectType({ description: "How invoices are issued to the customer from now on; each invoice keeps what applied when it was issued." })
export class InvoiceSettings {
  @Field(() => InvoiceFormat)
  format: InvoiceFormat;

  @Field({ nullable: true, description: "Buyer reference (BT-10), e.g. the Leitweg-ID of a German public customer." })
  buyerReference?: string;
}

@ObjectType("Customer", { implements: Node, description: "A customer account (Kundennummer)." })
export class CustomerNode extends Node implements NodeSource {
  __typename: "Customer";
  dbId: number;
  resellerId: number | null;
  /** Set once this customer was merged into another. */
  mergedIntoId: number | null;

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

  @Authorized<Rule>("customer:billing")
  @Field(() => Address, { nullable: true, description: "A separate billing address, if the customer keeps one." })
  billingAddress?: Address;

  @Field(() => EmailAddressResolver, { description: "The main email address, in use until a change is confirmed." })
  email: string;

  @Field({ nullable: true, description: "E.164." })
  phone?: string;

  @Field({ nullable: true, description: "E.164." })
  mobile?: string;

  @Field(() => PaymentDetails, { description: "The IBAN in it is masked for users without ADMIN or BILLING rights." })
  payment: PaymentDetails;

  @Authorized<Rule>("customer:billing")
  @Field(() => OnlineInvoiceSettings)
  onlineInvoice: OnlineInvoiceSettings;

  @Authorized<Rule>("customer:billing")
  @Field(() => InvoiceSettings)
  invoiceSettings: InvoiceSettings;

  @Authorized<Rule>("customer:settings")
  @Field(() => NewsletterSettings)
  newsletter: NewsletterSettings;

  @Authorized<Rule>("customer:settings")
  @Field(() => [String], { description: "Addresses and CIDRs logins must come from; empty means any." })
  ipAllowlist: string[];

  @Authorized<Rule>("customer:settings")
  @Field({
    description: "Whether the customer password (login with the customer number) is set: a portal shows change or set-up accordingly.",
  })
  hasCustomerPassword: boolean;

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

@InputType({ description: "The first STANDARD contact of a new customer; a customer always has one." })
export class FirstContactInput {
  @Field({ nullable: true })
  @MaxLength(20)
  salutation?: string;

  @Field()
  @MinLength(1)
  @MaxLength(100)
  firstName: string;

  @Field()
  @MinLength(1)
  @MaxLength(100)
  lastName: string;

  @Field(() => EmailAddressResolver)
  email: string;

  @Field({ nullable: true })
  @MaxLength(40)
  phone?: string;
}

@InputType()
export class CustomerCreateInput {
  @Field(() => CustomerKind)
  kind: CustomerKind;

  @Field({ nullable: true, description: "Required for BUSINESS customers." })
  @MaxLength(200)
  companyName?: string;

  @Field({ nullable: true })
  @MaxLength(50)
  legalForm?: string;

  @Field({ nullable: true })
  @MaxLength(20)
  salutation?: string;

  @Field({ nullable: true, description: "Required for PRIVATE customers." })
  @MaxLength(100)
  firstName?: string;

  @Field({ nullable: true, description: "Required for PRIVATE customers." })
  @MaxLength(100)
  lastName?: string;

  @Field({ nullable: true })
  @MaxLength(20)
  vatId?: string;

  @Field(() => AddressInput)
  address: AddressInput;

  @Field(() => EmailAddressResolver)
  email: string;

  @Field({ nullable: true, description: "Any common notation; stored in E.164." })
  @MaxLength(40)
  phone?: string;

  @Field({ nullable: true })
  @MaxLength(40)
  mobile?: string;

  @Field(() => Locale, { defaultValue: Locale.de })
  locale: Locale;

  @Field(() => ID, {
    nullable: true,
    description: "Staff only: the reseller that will manage the customer. Resellers always create under themselves.",
  })
  @MaxLength(100)
  resellerId?: string;

  @Field(() => FirstContactInput)
  contact: FirstContactInput;
}

@ObjectType()
export class CustomerPayload {
  @Field(() => CustomerNode, { nullable: true })
  customer?: CustomerNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class CustomerPinPayload {
  @Field({ nullable: true, description: "The new PIN; the old one stopped working at once." })
  pin?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "Whether the PIN a caller gave on the phone is right; the PIN itself is never shown." })
export class CustomerPinCheck {
  @Field({ nullable: true, description: "Null when the check was refused (userErrors), e.g. RATE_LIMITED." })
  valid?: boolean;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class InvoiceSettingsInput {
  @Field(() => InvoiceFormat)
  format: InvoiceFormat;

  @Field({ nullable: true, description: "Required for XRECHNUNG; empty removes it." })
  @IsOptional()
  @MaxLength(200)
  buyerReference?: string;
}

@InputType({ description: "Online invoice on (with the address, confirmed by a link before it is used) or off (at once)." })
export class OnlineInvoiceInput {
  @Field()
  enabled: boolean;

  @Field(() => EmailAddressResolver, { nullable: true, description: "Required to turn it on." })
  email?: string;
}

@InputType({ description: "Subscribe (with the address, counted once confirmed) or unsubscribe (at once)." })
export class NewsletterInput {
  @Field()
  subscribed: boolean;

  @Field(() => EmailAddressResolver, { nullable: true, description: "Required to subscribe." })
  email?: string;
}

@InputType()
export class SepaInput {
  @Field({ description: "Checked by checksum and the country's length; spaces allowed." })
  @MaxLength(42)
  iban: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(11)
  bic?: string;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  accountHolder: string;

  @Field(() => SepaScheme, { defaultValue: SepaScheme.CORE })
  scheme: SepaScheme;
}

@InputType({ description: "SEPA direct debit (with the mandate data) or bank transfer." })
export class PaymentMethodInput {
  @Field(() => PaymentMethod)
  method: PaymentMethod;

  @Field(() => SepaInput, { nullable: true, description: "Required for SEPA_DIRECT_DEBIT." })
  @IsOptional()
  @ValidateNested()
  sepa?: SepaInput;
}

@InputType()
export class BillingAddressInput extends AddressInput {
  @Field({ nullable: true, description: "Recipient line; the customer's name when left out." })
  @IsOptional()
  @MaxLength(200)
  name?: string;
}
