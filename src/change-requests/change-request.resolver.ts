import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { ChangeRequestService } from "./change-request.service";
import {
  ChangeRequestConnection,
  ChangeRequestInput,
  ChangeRequestNode,
  ChangeRequestPayload,
  ChangeRequestPageArgs,
} from "./change-request.types";

@Resolver(() => ChangeRequestNode)
export class ChangeRequestResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => ChangeRequestPayload, {
    description: "Company name, legal form, VAT id or owner: recorded for staff review, not changed in place.",
  })
  customerChangeRequestCreate(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: ChangeRequestInput,
  ): Promise<ChangeRequestPayload> {
    return ChangeRequestService.create(ctx, customerId, input);
  }

  @Authorized<Rule>("staff")
  @Query(() => ChangeRequestConnection, { description: "Staff: change requests, newest first; status PENDING, APPROVED or REJECTED." })
  changeRequests(@Ctx() ctx: Context, @Args() args: ChangeRequestPageArgs): Promise<Page<ChangeRequestNode>> {
    return ChangeRequestService.list(ctx, args);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => ChangeRequestPayload, { description: "Staff: applies the change atomically and emails the customer's main address." })
  changeRequestApprove(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("reason", { defaultValue: "" }) reason: string,
  ): Promise<ChangeRequestPayload> {
    return ChangeRequestService.decide(ctx, id, true, reason);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => ChangeRequestPayload, { description: "Staff: rejects with a reason, emailed to the customer's main address." })
  changeRequestReject(@Ctx() ctx: Context, @Arg("id", () => ID) id: string, @Arg("reason") reason: string): Promise<ChangeRequestPayload> {
    return ChangeRequestService.decide(ctx, id, false, reason);
  }

  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() request: ChangeRequestNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, request.customerId))!;
  }
}
