import { IsOptional, MaxLength, MinLength, ValidateNested } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Address, AddressInput } from "../platform/address";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { OrderKind, OrderStatus } from "./order.enums";

registerEnumType(OrderKind, { name: "OrderKind" });
registerEnumType(OrderStatus, { name: "OrderStatus" });

@ObjectType("Order", {
  description: "A customer's order of a new product or of a plan change; PENDING until approved, rejected or cancelled.",
})
export class OrderNode {
  dbId: number;
  customerId: number;
  planId: number;
  productId: number | null;

  @Field(() => ID)
  id: string;

  @Field(() => OrderKind)
  kind: OrderKind;

  @Field(() => OrderStatus)
  status: OrderStatus;

  @Field({ nullable: true, description: "The new product's identifier: domain name, hostname, number." })
  identifier?: string;

  @Field(() => Address, { nullable: true })
  installationAddress?: Address;

  @Field({ description: "Who ordered." })
  orderedBy: string;

  @Field({ nullable: true, description: "Why it was rejected, or a note on the approval." })
  reason?: string;

  @Field({ nullable: true, description: "Who decided: staff, the reseller, or the catalog for orders approved at once." })
  decidedBy?: string;

  @Field(() => DateTimeResolver, { nullable: true })
  decidedAt?: Date;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}
export const OrderConnection = connectionOf(OrderNode, "Order");

@InputType({ description: "A new product from the catalog." })
export class OrderCreateInput {
  @Field(() => ID, { description: "The catalog plan." })
  planId: string;

  @Field({ description: "The domain name, hostname or number the product will have." })
  @MinLength(1)
  @MaxLength(255)
  identifier: string;

  @Field(() => AddressInput, { nullable: true, description: "Where the line or device goes; required by plans that need one." })
  @IsOptional()
  @ValidateNested()
  installationAddress?: AddressInput;
}

@InputType({ description: "A change of an existing product to another plan of the catalog." })
export class OrderPlanChangeInput {
  @Field(() => ID, { description: "The catalog plan to change to; the catalog must allow the change from the product's plan." })
  planId: string;
}

@ArgsType()
export class OrdersArgs extends PageArgs {
  @Field(() => OrderStatus, { nullable: true, description: "Only orders in this state." })
  @IsOptional()
  status?: OrderStatus;
}

@ObjectType()
export class OrderPayload {
  @Field(() => OrderNode, { nullable: true })
  order?: OrderNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}
