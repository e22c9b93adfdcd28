import { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { CustomerAdminService } from "./customer-admin.service";
import { EmailAddressResolver } from "graphql-scalars";
import { assertMay, may } from "../access/access";
import { Rule } from "../access/auth-checker";
import { assertRecentAuthenticationForField } from "../access/step-up";
import { Context } from "../platform/context";
import { badInput } from "../platform/errors";
import { idOfType } from "../platform/global-id";
import { Page } from "../platform/pagination";
import { CustomerService } from "./customer.service";
import {
  BillingAddressInput,
  PaymentMethodInput,
  SepaMandate,
  NewsletterInput,
  InvoiceSettingsInput,
  OnlineInvoiceInput,
  CustomerConnection,
  CustomerLookupArgs,
  CustomerNode,
  CustomerPayload,
  CustomerPinCheck,
  CustomerPinPayload,
  CustomersArgs,
} from "./customer.types";
import { selectedFields } from "../platform/projection";

@Resolver(() => CustomerNode)
export class CustomerResolver {
  @Authorized<Rule>("signed-in")
  @Query(() => CustomerNode, {
    nullable: true,
    description:
      "One customer, by global id or by customer number. FORBIDDEN when it is not in the caller's scope (also when it does not exist).",
  })
  async customer(@Ctx() ctx: Context, @Args() { id, customerNumber }: CustomerLookupArgs): Promise<CustomerNode | null> {
    if ((id === undefined) === (customerNumber === undefined)) {
      throw badInput("Give either id or customerNumber", { field: id === undefined ? "id" : "customerNumber" });
    }
    const customer =
      id !== undefined ? await CustomerService.byId(ctx, idOfType(id, "Customer")) : await CustomerService.byNumber(ctx, customerNumber!);
    if (!customer && ctx.principal.kind === "staff") return null;
    assertMay(ctx, "read", customer);
    return customer;
  }

  @Authorized<Rule>("signed-in")
  @Query(() => CustomerConnection, { description: "The customers in the caller's scope, ordered by id, optionally searched." })
  customers(@Ctx() ctx: Context, @Args() args: CustomersArgs, @Info() info: GraphQLResolveInfo): Promise<Page<CustomerNode>> {
    return CustomerService.list(ctx, args, selectedFields(info, true));
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description: "Asks to change the main email. A link goes to the new address; the current one stays in use until it is confirmed.",
  })
  customerEmailUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("email", () => EmailAddressResolver) email: string,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.requestEmailChange(ctx, customerId, email);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, { description: "Online invoice on (once the address is confirmed; not retroactive) or off (at once)." })
  customerOnlineInvoiceUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: OnlineInvoiceInput,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.updateOnlineInvoice(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "Invoice format (PDF, ZUGFeRD, XRechnung) and buyer reference, for invoices issued from now on. ADMIN or BILLING users, the reseller, staff.",
  })
  customerInvoiceSettingsUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: InvoiceSettingsInput,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.updateInvoiceSettings(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description: "Newsletter: subscribed once the address is confirmed (consent time kept), or unsubscribed at once.",
  })
  customerNewsletterUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: NewsletterInput,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.updateNewsletter(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description: "SEPA direct debit (IBAN checked; a new mandate reference with today's date) or bank transfer.",
  })
  customerPaymentMethodUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: PaymentMethodInput,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.updatePaymentMethod(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, { description: "Sets a separate billing address, or removes it (null). Issued invoices keep theirs." })
  customerBillingAddressUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input", () => BillingAddressInput, { nullable: true }) input: BillingAddressInput | null,
  ): Promise<CustomerPayload> {
    return CustomerAdminService.updateBillingAddress(ctx, customerId, input ?? null);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPinPayload, { description: "A new random phone PIN, valid at once. The customer's own ADMIN users only." })
  customerPinRegenerate(@Ctx() ctx: Context, @Arg("customerId", () => ID) customerId: string): Promise<CustomerPinPayload> {
    return CustomerAdminService.regeneratePin(ctx, customerId);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => CustomerPinCheck, {
    description: "Staff: whether a caller's PIN is right. Rate limited per customer; the PIN is never shown.",
  })
  customerPinVerify(
    @Ctx() ctx: Context,
    @Arg("customerNumber") customerNumber: string,
    @Arg("pin") pin: string,
  ): Promise<CustomerPinCheck> {
    return CustomerAdminService.verifyPin(ctx, customerNumber, pin);
  }

  @Authorized<Rule>("customer:pin")
  @FieldResolver(() => String, { nullable: true, description: "The 6-digit phone PIN. Only the customer's own ADMIN users can read it." })
  pin(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<string | null> {
    assertRecentAuthenticationForField(ctx);
    return CustomerService.pin(ctx, customer.dbId);
  }
}

@Resolver(() => SepaMandate)
export class SepaMandateResolver {
  @FieldResolver(() => String, {
    description: "The IBAN: in full for the customer's ADMIN and BILLING users, its reseller and staff; masked for everyone else.",
  })
  iban(@Ctx() ctx: Context, @Root() mandate: SepaMandate): string {
    return may(ctx.principal, "fullIban", mandate.customer) ? mandate.fullIban : mandate.iban;
  }
}
