import { EmailAddressResolver } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";

@ObjectType("Reseller", { implements: Node, description: "A partner that manages the customers it brought." })
export class ResellerNode extends Node implements NodeSource {
  __typename: "Reseller";
  dbId: number;

  @Field()
  name: string;

  @Field(() => EmailAddressResolver)
  email: string;
}
