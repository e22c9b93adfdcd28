import { ArrayMaxSize, IsOptional, MaxLength, Min, ValidateNested } from "class-validator";
import { EmailAddressResolver } from "graphql-scalars";
import { Field, InputType, Int } from "type-graphql";
import { AddressInput } from "../platform/address";
import { Locale } from "./customer.enums";

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

  @Field(() => Locale, {
    nullable: true,
    deprecationReason: "Use customerSettingsUpdate, which needs no version; this field goes in the next release.",
  })
  @IsOptional()
  locale?: Locale;

  @Field(() => [String], {
    nullable: true,
    description: "Addresses and CIDRs; an empty list allows any.",
    deprecationReason: "Use customerSettingsUpdate, which needs no version; this field goes in the next release.",
  })
  @IsOptional()
  @ArrayMaxSize(50)
  ipAllowlist?: string[];

  @Field(() => EmailAddressResolver, { nullable: true, description: "Changes only once confirmed by the link sent to it." })
  @IsOptional()
  email?: string;
}

@InputType({
  description:
    "A customer's settings, apart from its master data: no version, so that an edit of the master data and a change of settings never refuse each other. Fields left out stay as they are.",
})
export class CustomerSettingsInput {
  @Field(() => Locale, { nullable: true, description: "The language of emails and pages." })
  @IsOptional()
  locale?: Locale;

  @Field(() => [String], {
    nullable: true,
    description: "Addresses and CIDRs that logins to this customer must come from; an empty list allows any. Needs a recent sign-in.",
  })
  @IsOptional()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  ipAllowlist?: string[];

  @Field({ nullable: true, description: "Whether non-critical notices also go to the main email; security and outage notices always do." })
  @IsOptional()
  notifyMainEmail?: boolean;
}
