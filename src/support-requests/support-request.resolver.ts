import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { SupportRequestStatus } from "./support-request.enums";
import { SupportRequestService } from "./support-request.service";
import {
  SupportRequestConnection,
  SupportRequestInput,
  SupportRequestNode,
  SupportRequestPayload,
  SupportRequestPageArgs,
} from "./support-request.types";

@Resolver()
export class SupportRequestResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => SupportRequestPayload, {
    description: "A user of the customer asks for help; support gets it by email, the customer a confirmation with the reference.",
  })
  supportRequestCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: SupportRequestInput,
  ): Promise<SupportRequestPayload> {
    return SupportRequestService.create(ctx, customerId, input);
  }

  @Authorized<Rule>("staff")
  @Query(() => SupportRequestConnection, { description: "Staff: every support request, newest first; status OPEN, IN_PROGRESS or CLOSED." })
  supportRequests(@Ctx() ctx: Context, @Args() args: SupportRequestPageArgs): Promise<Page<SupportRequestNode>> {
    return SupportRequestService.list(ctx, args);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => SupportRequestPayload)
  supportRequestStatusUpdate(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("status", () => SupportRequestStatus) status: SupportRequestStatus,
  ): Promise<SupportRequestPayload> {
    return SupportRequestService.setStatus(ctx, id, status);
  }
}

@Resolver(() => CustomerNode)
export class CustomerSupportRequestsResolver {
  @Authorized<Rule>("customer:read")
  @FieldResolver(() => SupportRequestConnection, { description: "This customer's support requests, newest first." })
  supportRequests(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<SupportRequestNode>> {
    return SupportRequestService.ofCustomer(ctx, customer, args);
  }
}
