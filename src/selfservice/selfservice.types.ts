import { ArrayMaxSize, IsOptional, MaxLength, Min, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver, EmailAddressResolver, JSONObjectResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { CustomerNode } from "../customers/customer.types";
import { AddressInput } from "../platform/address";
import { Locale } from "../customers/customer.enums";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { MergeStatus, RequestStatus, SupportStatus } from "./selfservice.enums";

registerEnumType(RequestStatus, { name: "ChangeRequestStatus" });
registerEnumType(SupportStatus, { name: "SupportRequestStatus" });
registerEnumType(MergeStatus, { name: "MergeRequestStatus" });

export enum MergeSide {
  A = "A",
  B = "B",
}
registerEnumType(MergeSide, {
  name: "MergeSide",
  valuesConfig: {
    A: { description: "Keep the value of the customer merged into." },
    B: { description: "Take the value of the customer merged in." },
  },
});

@InputType({ description: "Master data a customer changes itself. Fields left out stay as they are." })
export class CustomerUpdateInput {
  @Field(() => Int, { description: "The version read before editing; a newer one gives CONFLICT." })
  @Min(1)
  version: number;

  @Field(() => AddressInput, { nullable: true, description: "The customer's address; products keep their installation addresses." })
  @IsOptional()
  @ValidateNested()
  address?: AddressInput;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(40)
  phone?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(40)
  mobile?: string;

  @Field(() => Locale, { nullable: true })
  @IsOptional()
  locale?: Locale;

  @Field(() => [String], { nullable: true, description: "Addresses and CIDRs; an empty list allows any." })
  @IsOptional()
  @ArrayMaxSize(50)
  ipAllowlist?: string[];

  @Field(() => EmailAddressResolver, { nullable: true, description: "Changes only once confirmed by the link sent to it." })
  @IsOptional()
  email?: string;
}

@InputType()
export class NewOwnerInput {
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
}

@InputType({ description: "Changes staff must review: company name, legal form, VAT id, owner." })
export class ChangeRequestInput {
  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(200)
  companyName?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(50)
  legalForm?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(20)
  vatId?: string;

  @Field(() => NewOwnerInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  owner?: NewOwnerInput;

  @Field({ nullable: true, description: "The documents the request relies on, described as text (e.g. Firmenbuchauszug of 2026-11-02)." })
  @IsOptional()
  @MaxLength(5000)
  documents?: string;
}

@ObjectType("ChangeRequest")
export class ChangeRequestNode {
  dbId: number;
  customerId: number;

  @Field(() => ID)
  id: string;

  @Field(() => JSONObjectResolver, { description: "The requested values." })
  changes: Record<string, unknown>;

  @Field({ nullable: true })
  documents?: string;

  @Field(() => RequestStatus)
  status: RequestStatus;

  @Field({ nullable: true })
  reason?: string;

  @Field()
  requestedBy: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => CustomerNode)
  customer: CustomerNode;
}
export const ChangeRequestConnection = connectionOf(ChangeRequestNode, "ChangeRequest");

@ObjectType()
export class ChangeRequestPayload {
  @Field(() => ChangeRequestNode, { nullable: true })
  changeRequest?: ChangeRequestNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class SupportRequestInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  subject: string;

  @Field()
  @MinLength(1)
  @MaxLength(10_000)
  message: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  productId?: string;

  @Field(() => ID, { nullable: true, description: "The contact to call back." })
  @IsOptional()
  @MaxLength(100)
  callbackContactId?: string;
}

@ObjectType("SupportRequest")
export class SupportRequestNode {
  dbId: number;
  customerId: number;

  @Field(() => ID)
  id: string;

  @Field({ description: "e.g. SR-2026-000042" })
  reference: string;

  @Field()
  subject: string;

  @Field()
  message: string;

  @Field(() => SupportStatus)
  status: SupportStatus;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}
export const SupportRequestConnection = connectionOf(SupportRequestNode, "SupportRequest");

@ObjectType()
export class SupportRequestPayload {
  @Field(() => SupportRequestNode, { nullable: true })
  supportRequest?: SupportRequestNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ArgsType()
export class StatusPageArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: "Only requests in this state." })
  @IsOptional()
  @MaxLength(20)
  status?: string;
}

@InputType({ description: "Prove control of the customer to merge in." })
export class MergeStartInput {
  @Field()
  @MaxLength(20)
  customerNumber: string;

  @Field()
  @MaxLength(200)
  customerPassword: string;
}

@ObjectType({ description: "A master-data field in which the two customers differ." })
export class MergeDifference {
  @Field({ description: "street, postalCode, city, phone, mobile, email or bank" })
  field: string;

  @Field({ nullable: true })
  a?: string;

  @Field({ nullable: true })
  b?: string;
}

@ObjectType("MergeRequest")
export class MergeRequestNode {
  dbId: number;

  @Field(() => ID)
  id: string;

  @Field(() => MergeStatus)
  status: MergeStatus;

  @Field(() => [MergeDifference])
  differences: MergeDifference[];
}

@ObjectType()
export class MergeRequestPayload {
  @Field(() => MergeRequestNode, { nullable: true })
  mergeRequest?: MergeRequestNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class MergeChoiceInput {
  @Field()
  @MaxLength(20)
  field: string;

  @Field(() => MergeSide)
  keep: MergeSide;
}
