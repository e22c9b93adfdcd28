import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { EmailVerificationNode, EmailVerificationPayload } from "./email-verification.types";
import { EmailChangeService } from "./email-change.service";
import { badInput } from "../platform/errors";
import { userError, UserErrorCode } from "../platform/user-error";

const CONFIRM_ERRORS: Record<string, [UserErrorCode, string]> = {
  EXPIRED: [UserErrorCode.EXPIRED, "This link has expired; ask for a new one"],
  ALREADY_USED: [UserErrorCode.ALREADY_USED, "This link was used already"],
  CANCELLED: [UserErrorCode.CANCELLED, "This email change was cancelled"],
  SUPERSEDED: [UserErrorCode.SUPERSEDED, "A newer link replaced this one"],
  UNKNOWN: [UserErrorCode.UNKNOWN_TOKEN, "This link is not valid"],
  TAKEN: [UserErrorCode.TAKEN, "Another login uses this address already"],
};

@Resolver(() => EmailVerificationNode)
export class EmailVerificationResolver {
  @Authorized<Rule>("public")
  @Mutation(() => EmailVerificationPayload, {
    description: "Confirms an email change with the token of its link (for single-page portals).",
  })
  async emailVerificationConfirm(@Ctx() ctx: Context, @Arg("token") token: string): Promise<EmailVerificationPayload> {
    if (token.length > 100) throw badInput("token is too long", { field: "token" });
    const result = await EmailChangeService.confirm(ctx, token);
    if (result.outcome !== "CONFIRMED") {
      const [code, message] = CONFIRM_ERRORS[result.outcome];
      return { userErrors: [userError(code, message, ["token"])] };
    }
    const verification = await EmailChangeService.view(ctx, result.verificationId!);
    return { verification: verification ?? undefined, userErrors: [] };
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
