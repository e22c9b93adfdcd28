import { GraphQLResolveInfo } from "graphql";
import { Args, Authorized, Ctx, FieldResolver, Info, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { selectedFields } from "../platform/projection";
import { ProductService } from "./product.service";
import { ProductConnection, ProductNode, ProductsArgs } from "./product.types";

@Resolver(() => ProductNode)
export class ProductResolver {
  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() product: ProductNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, product.customerId))!;
  }
}

@Resolver(() => CustomerNode)
export class CustomerProductsResolver {
  @Authorized<Rule>("customer:products")
  @FieldResolver(() => ProductConnection, { description: "Booked products, oldest first." })
  products(
    @Ctx() ctx: Context,
    @Root() customer: CustomerNode,
    @Args() args: ProductsArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Page<ProductNode>> {
    return ProductService.pageOfCustomer(ctx, customer.dbId, args, selectedFields(info, true));
  }
}
