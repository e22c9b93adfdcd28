import { MaxLength } from "class-validator";
import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "../platform/user-error";
import { MergeSide, MergeStatus } from "./merge.enums";

registerEnumType(MergeStatus, { name: "MergeRequestStatus" });
registerEnumType(MergeSide, {
  name: "MergeSide",
  valuesConfig: {
    A: { description: "Keep the value of the customer merged into." },
    B: { description: "Take the value of the customer merged in." },
  },
});

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
