import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CustomerService } from "../customers/customer.service";
import { CustomerConnection, CustomerNode, CustomersArgs } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { ResellerService } from "./reseller.service";
import { ResellerNode } from "./reseller.types";

@Resolver(() => ResellerNode)
export class ResellerResolver {
  @FieldResolver(() => CustomerConnection, { description: "The customers this reseller manages, ordered by id." })
  customers(@Ctx() ctx: Context, @Root() reseller: ResellerNode, @Args() args: CustomersArgs): Promise<Page<CustomerNode>> {
    return CustomerService.list(ctx, { ...args, resellerId: reseller.dbId });
  }
}

@Resolver(() => CustomerNode)
export class CustomerResellerResolver {
  @FieldResolver(() => ResellerNode, { nullable: true, description: "The reseller that manages this customer, if any." })
  reseller(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<ResellerNode | null> | null {
    return customer.resellerId ? ResellerService.byId(ctx, customer.resellerId) : null;
  }
}
