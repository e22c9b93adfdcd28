import { DateTimeResolver, EmailAddressResolver } from "graphql-scalars";
import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from "class-validator";
import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { UserError } from "../platform/user-error";
import { ContactType } from "./contact.enums";

registerEnumType(ContactType, {
  name: "ContactType",
  valuesConfig: {
    STANDARD: { description: "General contact; a customer always has at least one." },
    BILLING: { description: "Addressee of invoices (printed z. Hd.)." },
    TECHNICAL: { description: "Receives maintenance and security notices." },
    OWNER: { description: "Owner of the contract." },
    SIGNATORY: { description: "Authorised to sign." },
    OTHER: { description: "Anything else." },
  },
});

@ObjectType("Contact", { implements: Node, description: "A person at the customer (Ansprechpartner)." })
export class ContactNode extends Node implements NodeSource {
  __typename: "Contact";
  dbId: number;
  customerId: number;

  @Field(() => [ContactType])
  types: ContactType[];

  @Field({ nullable: true })
  salutation?: string;

  @Field()
  firstName: string;

  @Field()
  lastName: string;

  @Field(() => EmailAddressResolver, { description: "In use until a change is confirmed." })
  email: string;

  @Field({ description: "Whether the current email address has been confirmed." })
  emailConfirmed: boolean;

  @Field({ nullable: true, description: "E.164." })
  phone?: string;

  @Field({ description: "Whether a phone password is set; the password itself is never readable." })
  hasPhonePassword: boolean;

  @Field({ nullable: true, description: "Limits on orders this contact may place by phone." })
  restrictions?: string;

  @Field()
  receivesInvoices: boolean;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver)
  updatedAt: Date;
}

@ObjectType()
export class ContactPayload {
  @Field(() => ContactNode, { nullable: true })
  contact?: ContactNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "The result of checking a phone password. restrictions is only given when it is valid." })
export class PhonePasswordCheck {
  @Field(() => Boolean, { nullable: true, description: "Null when the check was refused (see userErrors)." })
  valid?: boolean;

  @Field({ nullable: true, description: "What this contact may not order by phone." })
  restrictions?: string;

  @Field(() => [UserError], { description: "RATE_LIMITED (with retryAfter) after too many wrong passwords for this contact." })
  userErrors: UserError[];
}

@InputType({ description: "A contact's values. On update, fields left out stay as they are; a new email becomes a pending change." })
export class ContactInput {
  @Field(() => [ContactType], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(6)
  types: ContactType[];

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(20)
  salutation?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  firstName: string;

  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  lastName: string;

  @Field(() => EmailAddressResolver, { nullable: true, description: "Used once confirmed by the link sent to it." })
  @IsOptional()
  email: string;

  @Field({ nullable: true, description: "Any common notation; stored in E.164." })
  @IsOptional()
  @MaxLength(40)
  phone?: string;

  @Field({ nullable: true, description: "Limits on phone orders, at most 2,000 characters." })
  @IsOptional()
  @MaxLength(2000)
  restrictions?: string;

  @Field({ nullable: true, description: "Only for STANDARD or BILLING contacts with a confirmed email." })
  @IsOptional()
  receivesInvoices?: boolean;
}

@ObjectType()
export class ContactDeletePayload {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  deletedContactId?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}
