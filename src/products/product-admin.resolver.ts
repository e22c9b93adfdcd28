import { LocalDate } from "../platform/local-date";
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { Context } from "../platform/context";
import { ProductStatus } from "./product.enums";
import { ProductAdminService } from "./product-admin.service";
import { PlanChange, ProductInput, ProductNode, ProductPayload } from "./product.types";

@Resolver(() => ProductNode)
export class ProductAdminResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => ProductPayload, { description: "Books a product for a customer (status ORDERED). Staff and the customer's reseller." })
  productCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: ProductInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<ProductPayload> {
    return ProductAdminService.create(ctx, customerId, input, idempotencyKey);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ProductPayload, { description: "Changes a product; a plan change is kept in planHistory." })
  productUpdate(
    @Ctx() ctx: Context,
    @Arg("productId", () => ID) productId: string,
    @Arg("input") input: ProductInput,
  ): Promise<ProductPayload> {
    return ProductAdminService.update(ctx, productId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ProductPayload)
  productSuspend(@Ctx() ctx: Context, @Arg("productId", () => ID) productId: string): Promise<ProductPayload> {
    return ProductAdminService.setStatus(ctx, productId, ProductStatus.SUSPENDED);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ProductPayload, { description: "Cancels a product, ending it on endDate (default today)." })
  productCancel(
    @Ctx() ctx: Context,
    @Arg("productId", () => ID) productId: string,
    @Arg("endDate", () => LocalDate, { nullable: true }) endDate?: string,
  ): Promise<ProductPayload> {
    return ProductAdminService.setStatus(ctx, productId, ProductStatus.CANCELLED, endDate);
  }

  @FieldResolver(() => [PlanChange], { description: "Earlier plans, oldest change first." })
  planHistory(@Ctx() ctx: Context, @Root() product: ProductNode): Promise<PlanChange[]> {
    return ProductAdminService.planHistory(ctx, product);
  }
}
