import { MaxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";

@InputType({
  description: "Set or change the customer password (the customer-number login). Once one exists, the current one is required.",
})
export class CustomerPasswordSetInput {
  @Field(() => ID)
  @MaxLength(100)
  customerId: string;

  @Field({ nullable: true, description: "Required when the customer already has a customer password." })
  @MaxLength(200)
  currentPassword?: string;

  @Field()
  @MaxLength(200)
  newPassword: string;
}

@InputType()
export class CustomerPasswordResetInput {
  @Field({ description: "The token from the emailed link." })
  @MaxLength(100)
  token: string;

  @Field()
  @MaxLength(200)
  newPassword: string;
}
