import { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { ContactService } from "./contact.service";
import { ContactDeletePayload, ContactInput, ContactNode, ContactPayload, PhonePasswordCheck } from "./contact.types";
import { ContactEditService } from "./contact-edit.service";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { selectedFields } from "../platform/projection";

@Resolver(() => ContactNode)
export class ContactResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => ContactPayload, { description: "Adds a contact. Its email is confirmed by a link before invoices or notices use it." })
  contactCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: ContactInput,
  ): Promise<ContactPayload> {
    return ContactEditService.create(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ContactPayload, {
    description: "Changes a contact. A new email becomes a pending change; the old one stays in use until it is confirmed.",
  })
  contactUpdate(
    @Ctx() ctx: Context,
    @Arg("contactId", () => ID) contactId: string,
    @Arg("input") input: ContactInput,
  ): Promise<ContactPayload> {
    return ContactEditService.update(ctx, contactId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ContactDeletePayload, { description: "Deletes a contact. The last STANDARD contact cannot be deleted." })
  contactDelete(@Ctx() ctx: Context, @Arg("contactId", () => ID) contactId: string): Promise<ContactDeletePayload> {
    return ContactEditService.delete(ctx, contactId);
  }

  @FieldResolver(() => String, { nullable: true, description: "A new address waiting for confirmation; email stays in use until then." })
  pendingEmail(@Ctx() ctx: Context, @Root() contact: ContactNode): Promise<string | null> {
    return EmailChangeService.pendingEmail(ctx, contact.customerId, EmailVerificationPurpose.CONTACT_EMAIL, contact.dbId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ContactPayload, {
    description: "Sets (or with null clears) the password a contact gives on the phone. The customer's ADMIN, its reseller, staff admins.",
  })
  contactPhonePasswordSet(
    @Ctx() ctx: Context,
    @Arg("contactId", () => ID) contactId: string,
    @Arg("password", () => String, { nullable: true }) password: string | null,
  ): Promise<ContactPayload> {
    return ContactService.setPhonePassword(ctx, contactId, password ?? null);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => PhonePasswordCheck, {
    description: "Staff: whether the phone password a caller gives is right, with the contact's restrictions.",
  })
  contactPhonePasswordVerify(
    @Ctx() ctx: Context,
    @Arg("contactId", () => ID) contactId: string,
    @Arg("password") password: string,
  ): Promise<PhonePasswordCheck> {
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
  contacts(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Info() info: GraphQLResolveInfo): Promise<ContactNode[]> {
    return ContactService.ofCustomer(ctx, customer.dbId, selectedFields(info));
  }
}
