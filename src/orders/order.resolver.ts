import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { CatalogService } from "../catalog/catalog.service";
import { CatalogPlanNode } from "../catalog/catalog.types";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { ProductService } from "../products/product.service";
import { ProductNode } from "../products/product.types";
import { OrderService } from "./order.service";
import { OrderConnection, OrderCreateInput, OrderNode, OrderPayload, OrderPlanChangeInput, OrdersArgs } from "./order.types";

@Resolver(() => OrderNode)
export class OrderResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => OrderPayload, {
    description: "Orders a new product from the catalog: the customer's ADMIN users, TECHNICAL users where the plan allows it.",
  })
  orderCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: OrderCreateInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<OrderPayload> {
    return OrderService.create(ctx, customerId, input, idempotencyKey);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => OrderPayload, { description: "Orders a change of a product to another plan, as the catalog allows from its plan." })
  orderPlanChange(
    @Ctx() ctx: Context,
    @Arg("productId", () => ID) productId: string,
    @Arg("input") input: OrderPlanChangeInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<OrderPayload> {
    return OrderService.createPlanChange(ctx, productId, input, idempotencyKey);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => OrderPayload, { description: "The customer withdraws a pending order." })
  orderCancel(@Ctx() ctx: Context, @Arg("orderId", () => ID) orderId: string): Promise<OrderPayload> {
    return OrderService.cancel(ctx, orderId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => OrderPayload, {
    description: "Staff or the customer's reseller: books the product or changes its plan, and tells the customer.",
  })
  orderApprove(
    @Ctx() ctx: Context,
    @Arg("orderId", () => ID) orderId: string,
    @Arg("reason", { defaultValue: "", description: "An optional note to the customer." }) reason: string,
  ): Promise<OrderPayload> {
    return OrderService.decide(ctx, orderId, true, reason);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => OrderPayload, { description: "Staff or the customer's reseller: rejects with a reason, emailed to the customer." })
  orderReject(@Ctx() ctx: Context, @Arg("orderId", () => ID) orderId: string, @Arg("reason") reason: string): Promise<OrderPayload> {
    return OrderService.decide(ctx, orderId, false, reason);
  }

  @Authorized<Rule>("staff", "reseller")
  @Query(() => OrderConnection, { description: "Staff: every customer's orders; a reseller: its customers'. Newest first." })
  orders(@Ctx() ctx: Context, @Args() args: OrdersArgs): Promise<Page<OrderNode>> {
    return OrderService.list(ctx, args);
  }

  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() order: OrderNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, order.customerId))!;
  }

  @FieldResolver(() => CatalogPlanNode, { description: "The plan ordered." })
  async plan(@Ctx() ctx: Context, @Root() order: OrderNode): Promise<CatalogPlanNode> {
    return (await CatalogService.byId(ctx, order.planId))!;
  }

  @FieldResolver(() => ProductNode, { nullable: true, description: "The product changed, or booked once approved." })
  product(@Ctx() ctx: Context, @Root() order: OrderNode): Promise<ProductNode | null> | null {
    return order.productId ? ProductService.byId(ctx, order.productId) : null;
  }
}

@Resolver(() => CustomerNode)
export class CustomerOrdersResolver {
  @Authorized<Rule>("customer:orders")
  @FieldResolver(() => OrderConnection, { description: "The customer's orders, newest first." })
  orders(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: OrdersArgs): Promise<Page<OrderNode>> {
    return OrderService.pageOfCustomer(ctx, customer.dbId, args);
  }
}
