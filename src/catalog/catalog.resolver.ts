import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { ProductType } from "../products/product.enums";
import { ProductNode } from "../products/product.types";
import { CatalogService } from "./catalog.service";
import { CatalogPlanChange, CatalogPlanInput, CatalogPlanNode, CatalogPlanPayload } from "./catalog.types";

@Resolver(() => CatalogPlanNode)
export class CatalogResolver {
  @Authorized<Rule>("signed-in")
  @Query(() => [CatalogPlanNode], {
    description: "The plans that can be ordered, by product type and price; staff may ask for those taken off too.",
  })
  catalogPlans(
    @Ctx() ctx: Context,
    @Arg("productType", () => ProductType, { nullable: true }) productType?: ProductType,
    @Arg("includeNotOrderable", { defaultValue: false }) includeNotOrderable?: boolean,
  ): Promise<CatalogPlanNode[]> {
    return CatalogService.list(ctx, productType, !!includeNotOrderable);
  }

  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => CatalogPlanPayload, { description: "Staff admins: adds a plan to the catalog." })
  catalogPlanCreate(@Ctx() ctx: Context, @Arg("input") input: CatalogPlanInput): Promise<CatalogPlanPayload> {
    return CatalogService.create(ctx, input);
  }

  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => CatalogPlanPayload, {
    description: "Staff admins: changes a plan (products booked on it keep their price) and the plan changes it allows.",
  })
  catalogPlanUpdate(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID) planId: string,
    @Arg("input") input: CatalogPlanInput,
  ): Promise<CatalogPlanPayload> {
    return CatalogService.update(ctx, planId, input);
  }

  @FieldResolver(() => [CatalogPlanChange], { description: "The plan changes the catalog allows from this plan." })
  changes(@Ctx() ctx: Context, @Root() plan: CatalogPlanNode): Promise<CatalogPlanChange[]> {
    return CatalogService.changesOf(ctx, plan);
  }
}

@Resolver(() => CatalogPlanChange)
export class CatalogPlanChangeResolver {
  @FieldResolver(() => CatalogPlanNode)
  async plan(@Ctx() ctx: Context, @Root() change: CatalogPlanChange): Promise<CatalogPlanNode> {
    return (await CatalogService.byId(ctx, change.toPlanId))!;
  }
}

@Resolver(() => ProductNode)
export class ProductCatalogPlanResolver {
  @FieldResolver(() => CatalogPlanNode, {
    nullable: true,
    description: "The catalog plan it was booked on; none for a product booked outside the catalog.",
  })
  catalogPlan(@Ctx() ctx: Context, @Root() product: ProductNode): Promise<CatalogPlanNode | null> | null {
    return product.planId ? CatalogService.byId(ctx, product.planId) : null;
  }
}
