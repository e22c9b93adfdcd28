import { CountryCodeResolver } from "graphql-scalars";
import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "A postal address." })
export class Address {
  @Field({ nullable: true, description: "Recipient line, where the address has its own." })
  name?: string;

  @Field()
  street: string;

  @Field()
  postalCode: string;

  @Field()
  city: string;

  @Field(() => CountryCodeResolver)
  countryCode: string;
}
