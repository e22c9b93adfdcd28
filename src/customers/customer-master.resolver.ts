import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { CustomerMasterService } from "./customer-master.service";
import { CustomerSettingsInput, CustomerUpdateInput } from "./customer-master.types";
import { CustomerNode, CustomerPayload } from "./customer.types";

@Resolver(() => CustomerNode)
export class CustomerMasterResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "Address, phones (E.164), and the main email (by confirmation link). A stale version gives CONFLICT. Locale and IP allowlist: customerSettingsUpdate.",
  })
  customerUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: CustomerUpdateInput,
  ): Promise<CustomerPayload> {
    return CustomerMasterService.update(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "The customer's settings: locale, IP allowlist (needs a recent sign-in), notification settings. Without a version: settings and master data are edited apart. The customer's ADMIN, its reseller and staff.",
  })
  customerSettingsUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: CustomerSettingsInput,
  ): Promise<CustomerPayload> {
    return CustomerMasterService.updateSettings(ctx, customerId, input);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description: "Whether non-critical notices also go to the main email. Security and outage notices always do.",
    deprecationReason: "Use customerSettingsUpdate(input: { notifyMainEmail }); this mutation goes in the next release.",
  })
  customerNotificationSettingsUpdate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("notifyMainEmail") notifyMainEmail: boolean,
  ): Promise<CustomerPayload> {
    return CustomerMasterService.setNotifyMainEmail(ctx, customerId, notifyMainEmail);
  }

  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => Boolean, {
    description: "Whether non-critical notices also go to the main email (security and outage notices always do).",
  })
  notifyMainEmail(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<boolean> {
    return CustomerMasterService.notifyMainEmail(ctx, customer.dbId);
  }
}
