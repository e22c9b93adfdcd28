import { IsOptional, MaxLength, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver, EmailAddressResolver, JSONObjectResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { ChangeRequestStatus } from "./change-request.enums";

registerEnumType(ChangeRequestStatus, { name: "ChangeRequestStatus" });

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

/** What a change request asks for, as stored: the input without its documents. */
export type RequestedChanges = Omit<ChangeRequestInput, "documents">;

@ObjectType("ChangeRequest")
export class ChangeRequestNode {
  dbId: number;
  /** Resolved to the customer by ChangeRequestResolver.customer. */
  customerId: number;

  @Field(() => ID)
  id: string;

  @Field(() => JSONObjectResolver, { description: "The requested values." })
  changes: Record<string, unknown>;

  @Field({ nullable: true })
  documents?: string;

  @Field(() => ChangeRequestStatus)
  status: ChangeRequestStatus;

  @Field({ nullable: true })
  reason?: string;

  @Field()
  requestedBy: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}
export const ChangeRequestConnection = connectionOf(ChangeRequestNode, "ChangeRequest");

@ObjectType()
export class ChangeRequestPayload {
  @Field(() => ChangeRequestNode, { nullable: true })
  changeRequest?: ChangeRequestNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ArgsType()
export class ChangeRequestPageArgs extends PageArgs {
  @Field(() => ChangeRequestStatus, { nullable: true, description: "Only requests in this state." })
  @IsOptional()
  status?: ChangeRequestStatus;
}
