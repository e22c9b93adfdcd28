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

  @Field(() => Locale, { nullable: true })
  @IsOptional()
  locale?: Locale;

  @Field(() => [String], { nullable: true, description: "Addresses and CIDRs; an empty list allows any." })
  @IsOptional()
  @ArrayMaxSize(50)
  ipAllowlist?: string[];

  @Field(() => EmailAddressResolver, { nullable: true, description: "Changes only once confirmed by the link sent to it." })
  @IsOptional()
  email?: string;
}
