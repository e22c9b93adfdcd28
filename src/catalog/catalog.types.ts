import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from "class-validator";
import { JSONObjectResolver } from "graphql-scalars";
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Money } from "../platform/money";
import { UserError } from "../platform/user-error";
import { BillingPeriod, ProductType } from "../products/product.enums";
import { OrderApproval, PlanChangeDirection } from "./catalog.enums";

registerEnumType(OrderApproval, { name: "OrderApproval" });
registerEnumType(PlanChangeDirection, { name: "PlanChangeDirection" });

@ObjectType("CatalogPlanChange", { description: "A plan change the catalog allows." })
export class CatalogPlanChange {
  toPlanId: number;

  @Field(() => PlanChangeDirection)
  direction: PlanChangeDirection;
}

@ObjectType("CatalogPlan", { description: "A plan of the product catalog that customers order from." })
export class CatalogPlanNode {
  dbId: number;

  @Field(() => ID)
  id: string;

  @Field(() => ProductType)
  productType: ProductType;

  @Field({ description: "The name products keep as their plan (German, the provider's language)." })
  nameDe: string;

  @Field()
  nameEn: string;

  @Field(() => Money, { description: "Net price per billing period." })
  price: Money;

  @Field(() => BillingPeriod)
  billingPeriod: BillingPeriod;

  @Field(() => JSONObjectResolver)
  specs: Record<string, unknown>;

  @Field(() => OrderApproval, { description: "AUTOMATIC: an order is approved at once; REVIEW: staff or the reseller decide." })
  approval: OrderApproval;

  @Field({ description: "Whether the customer's TECHNICAL users may order it (ADMIN users always may)." })
  technicalMayOrder: boolean;

  @Field({ description: "Whether an order needs an installation address (lines, VoIP)." })
  needsInstallationAddress: boolean;

  @Field({ description: "Whether it can be ordered now; plans taken off stay on the products that have them." })
  orderable: boolean;
}

@InputType({ description: "A catalog plan's values; on update, fields left out stay as they are." })
export class CatalogPlanInput {
  @Field(() => ProductType, { nullable: true, description: "Required on create; cannot change later." })
  @IsOptional()
  productType?: ProductType;

  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  nameDe?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(100)
  nameEn?: string;

  @Field(() => Int, { nullable: true, description: "Net price per billing period in cents." })
  @IsOptional()
  @Min(0)
  @Max(100_000_000)
  priceAmount?: number;

  @Field(() => BillingPeriod, { nullable: true })
  @IsOptional()
  billingPeriod?: BillingPeriod;

  @Field(() => JSONObjectResolver, { nullable: true })
  @IsOptional()
  specs?: Record<string, unknown>;

  @Field(() => OrderApproval, { nullable: true, description: "Default REVIEW." })
  @IsOptional()
  approval?: OrderApproval;

  @Field({ nullable: true })
  @IsOptional()
  technicalMayOrder?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  needsInstallationAddress?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  orderable?: boolean;

  @Field(() => [ID], { nullable: true, description: "Plans of the same type a product of this plan may move up to (replaces the list)." })
  @IsOptional()
  @ArrayMaxSize(50)
  upgradesTo?: string[];

  @Field(() => [ID], { nullable: true, description: "Plans of the same type a product of this plan may move down to (replaces the list)." })
  @IsOptional()
  @ArrayMaxSize(50)
  downgradesTo?: string[];
}

@ObjectType()
export class CatalogPlanPayload {
  @Field(() => CatalogPlanNode, { nullable: true })
  plan?: CatalogPlanNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}
