import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { ContactService } from "./contact.service";
import { ContactNode } from "./contact.types";

@Resolver(() => ContactNode)
export class ContactResolver {
  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() contact: ContactNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, contact.customerId))!;
  }
}

@Resolver(() => CustomerNode)
export class CustomerContactsResolver {
  @FieldResolver(() => [ContactNode], { description: "All contacts, oldest first." })
  contacts(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<ContactNode[]> {
    return ContactService.ofCustomer(ctx, customer.dbId);
  }
}
