import { DateTimeResolver, JSONObjectResolver, LocalDateResolver } from "graphql-scalars";
import { ArgsType, Field, ObjectType, registerEnumType } from "type-graphql";
import { Address } from "../platform/address";
import { Money } from "../platform/money";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { BillingPeriod, ProductStatus, ProductType } from "./product.entity";

registerEnumType(ProductType, { name: "ProductType" });
registerEnumType(ProductStatus, { name: "ProductStatus" });
registerEnumType(BillingPeriod, { name: "BillingPeriod" });

@ObjectType("Product", { implements: Node, description: "Something the customer booked: hosting, a domain, a server, a line." })
export class ProductNode extends Node implements NodeSource {
  __typename: "Product";
  dbId: number;
  customerId: number;

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

  @Field(() => Money, { description: "Price per billing period, net." })
  price: Money;

  @Field(() => BillingPeriod)
  billingPeriod: BillingPeriod;

  @Field(() => LocalDateResolver)
  startDate: string;

  @Field(() => LocalDateResolver, { nullable: true })
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
