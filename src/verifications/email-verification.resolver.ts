import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { EmailVerificationNode, EmailVerificationPayload } from "./email-verification.types";
import { EmailChangeService } from "./email-change.service";

@Resolver(() => EmailVerificationNode)
export class EmailVerificationResolver {
  @Authorized<Rule>("public")
  @Mutation(() => EmailVerificationPayload, {
    description: "Confirms an email change with the token of its link (for single-page portals).",
  })
  emailVerificationConfirm(@Ctx() ctx: Context, @Arg("token") token: string): Promise<EmailVerificationPayload> {
    return EmailChangeService.confirm(ctx, token);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => EmailVerificationPayload, { description: "Cancels a pending email change; its link stops working." })
  emailVerificationCancel(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<EmailVerificationPayload> {
    return EmailChangeService.cancel(ctx, id);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => EmailVerificationPayload, { description: "Sends a new link (the old one stops working). At most once a minute." })
  emailVerificationResend(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<EmailVerificationPayload> {
    return EmailChangeService.resend(ctx, id);
  }
}
