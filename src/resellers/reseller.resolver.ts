import { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerConnection, CustomerNode, CustomersArgs } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { selectedFields } from "../platform/projection";
import { ResellerService } from "./reseller.service";
import { ApiClientCreatePayload, ResellerNode } from "./reseller.types";

@Resolver(() => ResellerNode)
export class ResellerResolver {
  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => ApiClientCreatePayload, {
    description: "Staff admins: a client id and secret for a reseller's systems (POST /oauth/token).",
  })
  resellerApiClientCreate(
    @Ctx() ctx: Context,
    @Arg("resellerId", () => ID) resellerId: string,
    @Arg("name") name: string,
  ): Promise<ApiClientCreatePayload> {
    return ResellerService.createApiClient(ctx, resellerId, name);
  }

  @Authorized<Rule>("signed-in")
  @FieldResolver(() => CustomerConnection, {
    description: "The customers this reseller manages that are in the caller's scope, ordered by id.",
  })
  customers(
    @Ctx() ctx: Context,
    @Root() reseller: ResellerNode,
    @Args() args: CustomersArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Page<CustomerNode>> {
    return CustomerService.list(ctx, { ...args, resellerId: reseller.dbId }, selectedFields(info, true));
  }
}

@Resolver(() => CustomerNode)
export class CustomerResellerResolver {
  @Authorized<Rule>("customer:read")
  @FieldResolver(() => ResellerNode, { nullable: true, description: "The reseller that manages this customer, if any." })
  reseller(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<ResellerNode | null> | null {
    return customer.resellerId ? ResellerService.byId(ctx, customer.resellerId) : null;
  }
}
