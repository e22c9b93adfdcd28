import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { EmailVerificationService } from "../verifications/email-verification.service";
import { EmailVerificationNode } from "../verifications/email-verification.types";
import { CustomerNode, NewsletterSettings, OnlineInvoiceSettings } from "./customer.types";

// A customer's email addresses waiting for confirmation, beside the ones in use.

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
