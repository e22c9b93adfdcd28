import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../auth/auth-checker";
import { CustomerNode, NewsletterSettings, OnlineInvoiceSettings } from "../customers/customer.types";
import { Context } from "../platform/context";
import { EmailVerificationService } from "./email-verification.service";
import { EmailVerificationNode, EmailVerificationPayload } from "./email-verification.types";
import { EmailChangeService } from "./email-change.service";
import { badInput } from "../platform/errors";
import { userError, UserErrorCode } from "../platform/user-error";
import { EmailVerificationPurpose } from "./email-verification.entity";

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

@Resolver(() => CustomerNode)
export class CustomerVerificationsResolver {
  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => String, { nullable: true, description: "A new main email waiting for confirmation; email stays in use until then." })
  async pendingEmail(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<string | null> {
    return EmailChangeService.pendingEmail(ctx, customer.dbId, EmailVerificationPurpose.CUSTOMER_EMAIL, customer.dbId);
  }

  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => [EmailVerificationNode], { description: "Email changes waiting for confirmation, oldest first." })
  pendingEmailVerifications(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<EmailVerificationNode[]> {
    return EmailVerificationService.pendingOfCustomer(ctx, customer.dbId);
  }
}

@Resolver(() => OnlineInvoiceSettings)
export class OnlineInvoicePendingResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "An address waiting for confirmation; online invoice uses it once confirmed.",
  })
  pendingEmail(@Ctx() ctx: Context, @Root() settings: OnlineInvoiceSettings): Promise<string | null> {
    return EmailChangeService.pendingEmail(ctx, settings.customerId, EmailVerificationPurpose.ONLINE_INVOICE_EMAIL, settings.customerId);
  }
}

@Resolver(() => NewsletterSettings)
export class NewsletterPendingResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "An address waiting for confirmation; the subscription counts once confirmed.",
  })
  pendingEmail(@Ctx() ctx: Context, @Root() settings: NewsletterSettings): Promise<string | null> {
    return EmailChangeService.pendingEmail(ctx, settings.customerId, EmailVerificationPurpose.NEWSLETTER_EMAIL, settings.customerId);
  }
}
