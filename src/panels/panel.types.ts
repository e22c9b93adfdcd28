import { DateTimeResolver } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { UserError } from "../platform/user-error";

@ObjectType()
export class PanelSignInPayload {
  @Field({ nullable: true, description: "The panel's sign-in link with a single-use token; open it within expiresAt." })
  url?: string;

  @Field(() => DateTimeResolver, { nullable: true })
  expiresAt?: Date;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class PanelClientCreatePayload {
  @Field({ nullable: true })
  clientId?: string;

  @Field({ nullable: true, description: "Shown once; only its hash is kept." })
  clientSecret?: string;

  @Field({ nullable: true, description: "The audience of the panel's tokens: its client tokens and the sign-in tokens it accepts." })
  audience?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}
