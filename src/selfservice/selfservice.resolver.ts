import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerNode, CustomerPayload } from "../customers/customer.types";
import { Context } from "../platform/context";
import { badInput } from "../platform/errors";
import { Page, PageArgs } from "../platform/pagination";
import { SupportStatus } from "./selfservice.enums";
import { SelfServiceService } from "./selfservice.service";
import {
  ChangeRequestConnection,
  ChangeRequestInput,
  ChangeRequestNode,
  ChangeRequestPayload,
  CustomerUpdateInput,
  MergeChoiceInput,
  MergeRequestPayload,
  MergeStartInput,
  StatusPageArgs,
  SupportRequestConnection,
  SupportRequestInput,
  SupportRequestNode,
  SupportRequestPayload,
} from "./selfservice.types";

const reason = (text: string) => {
  if (text.length > 500) throw badInput("reason is too long", { field: "reason" });
  return text.trim();
};

@Resolver()
export class SelfServiceResolver {
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
    return SelfServiceService.update(ctx, customerId, input);
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
    return SelfServiceService.notificationSettings(ctx, customerId, notifyMainEmail);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ChangeRequestPayload, {
    description: "Company name, legal form, VAT id or owner: recorded for staff review, not changed in place.",
  })
  customerChangeRequestCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: ChangeRequestInput,
  ): Promise<ChangeRequestPayload> {
    return SelfServiceService.requestChange(ctx, customerId, input);
  }

  @Authorized<Rule>("staff")
  @Query(() => ChangeRequestConnection, { description: "Staff: change requests, newest first; status PENDING, APPROVED or REJECTED." })
  changeRequests(@Ctx() ctx: Context, @Args() args: StatusPageArgs): Promise<Page<ChangeRequestNode>> {
    return SelfServiceService.listChangeRequests(ctx, args);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => ChangeRequestPayload, { description: "Staff: applies the change atomically and emails the customer's main address." })
  changeRequestApprove(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("reason", { defaultValue: "" }) text: string,
  ): Promise<ChangeRequestPayload> {
    return SelfServiceService.decideChange(ctx, id, true, reason(text));
  }

  @Authorized<Rule>("staff")
  @Mutation(() => ChangeRequestPayload, { description: "Staff: rejects with a reason, emailed to the customer's main address." })
  changeRequestReject(@Ctx() ctx: Context, @Arg("id", () => ID) id: string, @Arg("reason") text: string): Promise<ChangeRequestPayload> {
    return SelfServiceService.decideChange(ctx, id, false, reason(text));
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => SupportRequestPayload, {
    description: "A user of the customer asks for help; support gets it by email, the customer a confirmation with the reference.",
  })
  supportRequestCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: SupportRequestInput,
  ): Promise<SupportRequestPayload> {
    return SelfServiceService.openSupportRequest(ctx, customerId, input);
  }

  @Authorized<Rule>("staff")
  @Query(() => SupportRequestConnection, { description: "Staff: every support request, newest first; status OPEN, IN_PROGRESS or CLOSED." })
  supportRequests(@Ctx() ctx: Context, @Args() args: StatusPageArgs): Promise<Page<SupportRequestNode>> {
    return SelfServiceService.listSupportRequests(ctx, args);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => SupportRequestPayload)
  supportRequestStatusUpdate(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("status", () => SupportStatus) status: SupportStatus,
  ): Promise<SupportRequestPayload> {
    return SelfServiceService.setSupportStatus(ctx, id, status);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MergeRequestPayload, {
    description: "An ADMIN of this customer starts merging customer B into it, proving control of B; lists the fields that differ.",
  })
  customerMergeStart(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: MergeStartInput,
  ): Promise<MergeRequestPayload> {
    return SelfServiceService.startMerge(ctx, customerId, input.customerNumber, input.customerPassword);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MergeRequestPayload, {
    description: "Chooses for each differing field whose value is kept, and submits for staff approval.",
  })
  customerMergeSubmit(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("choices", () => [MergeChoiceInput]) choices: MergeChoiceInput[],
  ): Promise<MergeRequestPayload> {
    if (choices.length > 20) throw badInput("too many choices", { field: "choices" });
    return SelfServiceService.submitMerge(ctx, id, choices);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => MergeRequestPayload, {
    description: "Staff: moves B's products, contacts, invoices and logins under A in one transaction; B's number finds A from then on.",
  })
  customerMergeApprove(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<MergeRequestPayload> {
    return SelfServiceService.decideMerge(ctx, id, true, "");
  }

  @Authorized<Rule>("staff")
  @Mutation(() => MergeRequestPayload)
  customerMergeReject(@Ctx() ctx: Context, @Arg("id", () => ID) id: string, @Arg("reason") text: string): Promise<MergeRequestPayload> {
    return SelfServiceService.decideMerge(ctx, id, false, reason(text));
  }
}

@Resolver(() => CustomerNode)
export class CustomerSelfServiceResolver {
  @Authorized<Rule>("customer:read")
  @FieldResolver(() => SupportRequestConnection, { description: "This customer's support requests, newest first." })
  supportRequests(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<SupportRequestNode>> {
    return SelfServiceService.customerSupportRequests(ctx, customer, args);
  }

  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => Boolean, {
    description: "Whether non-critical notices also go to the main email (security and outage notices always do).",
  })
  notifyMainEmail(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<boolean> {
    return SelfServiceService.notifyMainEmail(ctx, customer.dbId);
  }
}
