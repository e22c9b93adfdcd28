import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../auth/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { ContactService } from "./contact.service";
import { ContactNode, ContactPayload, PhonePasswordCheck } from "./contact.types";

@Resolver(() => ContactNode)
export class ContactResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => ContactPayload, { description: "Sets (or with null clears) the password a contact gives on the phone. The customer's ADMIN, its reseller, staff admins." })
  contactPhonePasswordSet(
    @Ctx() ctx: Context,
    @Arg("contactId", () => ID) contactId: string,
    @Arg("password", () => String, { nullable: true }) password: string | null,
  ): Promise<ContactPayload> {
    return ContactService.setPhonePassword(ctx, contactId, password ?? null);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => PhonePasswordCheck, { description: "Staff: whether the phone password a caller gives is right, with the contact's restrictions." })
  contactPhonePasswordVerify(
    @Ctx() ctx: Context,
    @Arg("contactId", () => ID) contactId: string,
    @Arg("password") password: string,
  ): Promise<PhonePasswordCheck> {
    if (password.length > 100) return Promise.resolve({ valid: false });
    return ContactService.verifyPhonePassword(ctx, contactId, password);
  }

  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() contact: ContactNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, contact.customerId))!;
  }
}

@Resolver(() => CustomerNode)
export class CustomerContactsResolver {
  @Authorized<Rule>("customer:contacts")
  @FieldResolver(() => [ContactNode], { description: "All contacts, oldest first." })
  contacts(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<ContactNode[]> {
    return ContactService.ofCustomer(ctx, customer.dbId);
  }
}
