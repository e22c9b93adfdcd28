import { EmailAddressResolver } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { UserError } from "../platform/user-error";

@ObjectType("Reseller", { implements: Node, description: "A partner that manages the customers it brought." })
export class ResellerNode extends Node implements NodeSource {
  __typename: "Reseller";
  dbId: number;

  @Field()
  name: string;

  @Field(() => EmailAddressResolver)
  email: string;
}

@ObjectType({ description: "A new API client. The secret is shown this once; only its hash is kept." })
export class ApiClientCreatePayload {
  @Field({ nullable: true })
  clientId?: string;

  @Field({ nullable: true })
  clientSecret?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}
