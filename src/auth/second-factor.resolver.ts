import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { MutationOutcome } from "../platform/user-error";
import { Viewer } from "./auth.types";
import { RecoveryCodes } from "./recovery-codes.service";
import { RecoveryCodesPayload, SecondFactorStatus, TotpEnrolConfirmPayload, TotpEnrolStartPayload } from "./second-factor.types";
import { ownSubject } from "./sessions";
import { TotpService } from "./totp.service";

// The caller's own second factors. API clients have none: FORBIDDEN.
@Resolver()
export class SecondFactorResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => TotpEnrolStartPayload, {
    description:
      "Starts enrolling an authenticator app (TOTP) for the caller's login; confirm with secondFactorTotpEnrolConfirm. Starting again replaces an unconfirmed secret; an enabled TOTP must be disabled first.",
  })
  async secondFactorTotpEnrolStart(@Ctx() ctx: Context): Promise<TotpEnrolStartPayload> {
    return TotpService.enrolStart(ctx);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => TotpEnrolConfirmPayload, {
    description: "Enables the enrolled TOTP with a current code of it; returns recovery codes once when the login had none left.",
  })
  async secondFactorTotpEnrolConfirm(@Ctx() ctx: Context, @Arg("code") code: string): Promise<TotpEnrolConfirmPayload> {
    return { ok: false, ...(await TotpService.enrolConfirm(ctx, code)) };
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Removes the caller's TOTP; needs a current code of it." })
  async secondFactorTotpDisable(@Ctx() ctx: Context, @Arg("code") code: string): Promise<MutationOutcome> {
    return { ok: false, ...(await TotpService.disable(ctx, code)) };
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => RecoveryCodesPayload, {
    description: "Makes 10 new recovery codes for the caller's login, shown only in this answer; the previous ones stop working.",
  })
  async secondFactorRecoveryCodesRegenerate(@Ctx() ctx: Context): Promise<RecoveryCodesPayload> {
    return RecoveryCodes.regenerate(ctx);
  }
}

@Resolver(() => Viewer)
export class ViewerSecondFactorResolver {
  @Authorized<Rule>("signed-in")
  @FieldResolver(() => SecondFactorStatus, {
    nullable: true,
    description: "The second factors of the caller's own login; null for API clients, which have none.",
  })
  async secondFactor(@Ctx() ctx: Context): Promise<SecondFactorStatus | null> {
    const subject = ownSubject(ctx);
    if (!subject) return null;
    const [totpEnabled, recoveryCodesLeft] = await Promise.all([
      TotpService.enrolled(ctx.db, subject),
      RecoveryCodes.left(ctx.db, subject),
    ]);
    return { totpEnabled, recoveryCodesLeft };
  }
}
