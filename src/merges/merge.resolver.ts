import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { MergeService } from "./merge.service";
import { MergeChoiceInput, MergeRequestPayload, MergeStartInput } from "./merge.types";

@Resolver()
export class MergeResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => MergeRequestPayload, {
    description: "An ADMIN of this customer starts merging customer B into it, proving control of B; lists the fields that differ.",
  })
  customerMergeStart(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input") input: MergeStartInput,
  ): Promise<MergeRequestPayload> {
    return MergeService.start(ctx, customerId, input);
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
    return MergeService.submit(ctx, id, choices);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => MergeRequestPayload, {
    description: "Staff: moves B's products, contacts, invoices and logins under A in one transaction; B's number finds A from then on.",
  })
  customerMergeApprove(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<MergeRequestPayload> {
    return MergeService.decide(ctx, id, true, "");
  }

  @Authorized<Rule>("staff")
  @Mutation(() => MergeRequestPayload)
  customerMergeReject(@Ctx() ctx: Context, @Arg("id", () => ID) id: string, @Arg("reason") reason: string): Promise<MergeRequestPayload> {
    return MergeService.decide(ctx, id, false, reason);
  }
}
