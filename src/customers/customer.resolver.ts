import { Args, Ctx, Query, Resolver } from "type-graphql";
import { Context } from "../platform/context";
import { badInput } from "../platform/errors";
import { idOfType } from "../platform/global-id";
import { Page } from "../platform/pagination";
import { CustomerService } from "./customer.service";
import { CustomerConnection, CustomerLookupArgs, CustomerNode, CustomersArgs } from "./customer.types";

@Resolver(() => CustomerNode)
export class CustomerResolver {
  @Query(() => CustomerNode, { nullable: true, description: "One customer, by global id or by customer number." })
  customer(@Ctx() ctx: Context, @Args() { id, customerNumber }: CustomerLookupArgs): Promise<CustomerNode | null> {
    if ((id === undefined) === (customerNumber === undefined)) {
      throw badInput("Give either id or customerNumber", { field: id === undefined ? "id" : "customerNumber" });
    }
    return id !== undefined ? CustomerService.byId(ctx, idOfType(id, "Customer")) : CustomerService.byNumber(ctx, customerNumber!);
  }

  @Query(() => CustomerConnection, { description: "Customers ordered by id, optionally searched." })
  customers(@Ctx() ctx: Context, @Args() args: CustomersArgs): Promise<Page<CustomerNode>> {
    return CustomerService.list(ctx, args);
  }
}
