import { CountryCodeResolver } from "graphql-scalars";
import { MaxLength, MinLength } from "class-validator";
import { Field, InputType, ObjectType } from "type-graphql";

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

/** A postal address as given: the customer's, a billing address, a product's installation address. */
@InputType()
export class AddressInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  street: string;

  @Field()
  @MinLength(1)
  @MaxLength(20)
  postalCode: string;

  @Field()
  @MinLength(1)
  @MaxLength(100)
  city: string;

  @Field(() => CountryCodeResolver, { description: "ISO 3166-1 alpha-2, e.g. AT." })
  countryCode: string;
}

/** The installation address of a row with installation_* columns (products, orders), or none. */
export function installationAddressOf(r: Record<string, unknown>): Address | undefined {
  return r.installation_street
    ? {
        street: r.installation_street as string,
        postalCode: r.installation_postal_code as string,
        city: r.installation_city as string,
        countryCode: r.installation_country_code as string,
      }
    : undefined;
}
