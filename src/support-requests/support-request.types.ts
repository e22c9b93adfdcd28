import { IsOptional, MaxLength, MinLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { SupportRequestStatus } from "./support-request.enums";

registerEnumType(SupportRequestStatus, { name: "SupportRequestStatus" });

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

  @Field(() => SupportRequestStatus)
  status: SupportRequestStatus;

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
export class SupportRequestPageArgs extends PageArgs {
  @Field(() => SupportRequestStatus, { nullable: true, description: "Only requests in this state." })
  @IsOptional()
  status?: SupportRequestStatus;
}
