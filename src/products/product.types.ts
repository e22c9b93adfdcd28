import { IsOptional, Max, MaxLength, Min, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";
import { LocalDate } from "../platform/local-date";
import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "../platform/user-error";
import { Address, AddressInput } from "../platform/address";
import { Money } from "../platform/money";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { BillingPeriod, ProductStatus, ProductType } from "./product.enums";

registerEnumType(ProductType, { name: "ProductType" });
registerEnumType(ProductStatus, { name: "ProductStatus" });
registerEnumType(BillingPeriod, { name: "BillingPeriod" });

@ObjectType("Product", { implements: Node, description: "Something the customer booked: hosting, a domain, a server, a line." })
export class ProductNode extends Node implements NodeSource {
  __typename: "Product";
  dbId: number;
  customerId: number;
  /** The catalog plan it was booked on (resolved to catalogPlan); null outside the catalog. */
  planId: number | null;

  @Field(() => ProductType)
  type: ProductType;

  @Field()
  plan: string;

  @Field({ description: "Domain name, hostname, phone number or line id." })
  identifier: string;

  @Field(() => ProductStatus)
  status: ProductStatus;

  @Field(() => Address, { nullable: true, description: "Where the line or device is installed; independent of the customer's address." })
  installationAddress?: Address;

  @Field(() => Money, { description: "Price per billing period, net, as it is today." })
  price: Money;

  @Field(() => Money, { nullable: true, description: "A new price after a plan change, from nextPriceFrom (the next billing period)." })
  nextPrice?: Money;

  @Field(() => LocalDate, { nullable: true })
  nextPriceFrom?: string;

  @Field(() => BillingPeriod)
  billingPeriod: BillingPeriod;

  @Field(() => LocalDate)
  startDate: string;

  @Field(() => LocalDate, { nullable: true })
  endDate?: string;

  @Field(() => JSONObjectResolver, { description: "Technical data, e.g. bandwidth, disk, CPU cores." })
  specs: Record<string, unknown>;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

export const ProductConnection = connectionOf(ProductNode, "Product");

@ArgsType()
export class ProductsArgs extends PageArgs {
  @Field(() => [ProductStatus], { nullable: true, description: "Only products in these states." })
  status?: ProductStatus[];
}

@InputType({ description: "A product's values. On update, fields left out stay as they are." })
export class ProductInput {
  @Field(() => ProductType, { nullable: true, description: "Required on create; cannot change later." })
  @IsOptional()
  type?: ProductType;

  @Field({ nullable: true, description: "A change of plan is kept in planHistory." })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  plan?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(255)
  identifier?: string;

  @Field(() => AddressInput, { nullable: true, description: "The product's own address; never follows the customer's." })
  @IsOptional()
  @ValidateNested()
  installationAddress?: AddressInput;

  @Field(() => Int, { nullable: true, description: "Net price per billing period in cents." })
  @IsOptional()
  @Min(0)
  @Max(100_000_000)
  priceAmount?: number;

  @Field(() => BillingPeriod, { nullable: true })
  @IsOptional()
  billingPeriod?: BillingPeriod;

  @Field(() => LocalDate, { nullable: true })
  @IsOptional()
  startDate?: string;

  @Field(() => JSONObjectResolver, { nullable: true })
  @IsOptional()
  specs?: Record<string, unknown>;
}

@ObjectType()
export class ProductPayload {
  @Field(() => ProductNode, { nullable: true })
  product?: ProductNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "A change of plan, kept as history." })
export class PlanChange {
  @Field()
  oldPlan: string;

  @Field()
  newPlan: string;

  @Field()
  changedBy: string;

  @Field(() => Money, { nullable: true, description: "The price of the new plan, when the change set one." })
  price?: Money;

  @Field(() => LocalDate, { nullable: true, description: "From when that price applies: the next billing period." })
  priceFrom?: string;

  @Field(() => DateTimeResolver)
  changedAt: Date;
}
