import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { CustomerMasterService } from "./customer-master.service";
import { CustomerUpdateInput } from "./customer-master.types";
import { CustomerNode, CustomerPayload } from "./customer.types";

@Resolver(() => CustomerNode)
export class CustomerMasterResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "Address, phones (E.164), locale, IP allowlist, and the main email (by confirmation link). A stale version gives CONFLICT.",
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
    description: "Whether non-critical notices also go to the main email. Security and outage notices always do.",
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
