import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { EmailAddressResolver } from "graphql-scalars";
import { CustomerService } from "../customers/customer.service";
import { Context } from "../platform/context";
import { MutationOutcome, UserError } from "../platform/user-error";
import { Outcome } from "../unit-of-work/unit-of-work";
import { Rule } from "../access/auth-checker";
import { AuthService } from "./auth.service";
import {
  AuthLoginInput,
  AuthLoginSecondFactorInput,
  AuthPasskeyLoginInput,
  PasskeyChallengePayload,
  AuthReauthenticateInput,
  AuthPasswordChangeInput,
  AuthPasswordResetInput,
  AuthPayload,
  AuthRegisterInput,
  PrincipalKind,
  RecoveryPayload,
  Viewer,
} from "./auth.types";
import { RecoveryService } from "./recovery.service";
import { forbidden } from "../access/access";

/** A refused outcome carries only userErrors; `refused` fills the fields its payload type requires. */
async function payload<P>(outcome: Promise<Outcome<P>>, refused: P): Promise<P & { userErrors: UserError[] }> {
  return { ...refused, ...(await outcome) };
}

/** The caller's own user id: customer accounts and API clients have no personal login. */
function ownUserId(ctx: Context, refusal: string): number {
  const userId = ctx.principal.kind === "anonymous" ? null : ctx.principal.userId;
  if (userId === null) throw forbidden(refusal);
  return userId;
}

@Resolver()
export class AuthResolver {
  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, {
    nullable: true,
    description:
      "Sign in. Failed attempts are counted per login (and per address); after 5 each further one doubles the wait: a RATE_LIMITED userError with retryAfter, and no tokens.",
  })
  authLogin(@Ctx() ctx: Context, @Arg("input") input: AuthLoginInput): Promise<AuthPayload> {
    return AuthService.login(ctx, input);
  }

  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, {
    description:
      "The second step of a login with a second factor: the challenge from authLogin and a TOTP code, a recovery code or a passkey's response.",
  })
  authLoginSecondFactor(@Ctx() ctx: Context, @Arg("input") input: AuthLoginSecondFactorInput): Promise<AuthPayload> {
    const { challenge, ...proof } = input;
    return AuthService.completeSecondFactor(ctx, challenge, proof);
  }

  @Authorized<Rule>("public")
  @Mutation(() => PasskeyChallengePayload, {
    description: "Starts a sign-in with a passkey alone (no password): options for navigator.credentials.get().",
  })
  authPasskeyLoginStart(@Ctx() ctx: Context): Promise<PasskeyChallengePayload> {
    return AuthService.passkeyChallenge(ctx, false);
  }

  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, {
    description: "Signs in with a passkey alone; its authenticator must verify the user (PIN or biometrics). The session is aal2.",
  })
  authPasskeyLogin(@Ctx() ctx: Context, @Arg("input") input: AuthPasskeyLoginInput): Promise<AuthPayload> {
    return AuthService.passkeyLogin(ctx, input.challengeId, input.response);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PasskeyChallengePayload, {
    description: "A challenge for one of the caller's passkeys, for authReauthenticate (passkey and passkeyChallengeId).",
  })
  authPasskeyChallenge(@Ctx() ctx: Context): Promise<PasskeyChallengePayload> {
    return AuthService.passkeyChallenge(ctx, true);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => AuthPayload, {
    description:
      "Step-up before a sensitive change: the password again, plus the second factor when one is enrolled. Answers a new access token whose authentication time is now (refresh tokens keep theirs).",
  })
  authReauthenticate(@Ctx() ctx: Context, @Arg("input") input: AuthReauthenticateInput): Promise<AuthPayload> {
    const { password, ...proof } = input;
    return AuthService.reauthenticate(ctx, password, proof);
  }

  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, { description: "A new access token and a new refresh token for a refresh token, which is used up." })
  authRefresh(@Ctx() ctx: Context, @Arg("refreshToken") refreshToken: string): Promise<AuthPayload> {
    return AuthService.refresh(ctx, refreshToken);
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, { description: "Ends the session of the refresh token, or the caller's own session." })
  authLogout(@Ctx() ctx: Context, @Arg("refreshToken", { nullable: true }) refreshToken?: string): Promise<MutationOutcome> {
    return payload(AuthService.logout(ctx, refreshToken), { ok: false });
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Needs the current password; ends every other session of the user." })
  authPasswordChange(@Ctx() ctx: Context, @Arg("input") input: AuthPasswordChangeInput): Promise<MutationOutcome> {
    const userId = ownUserId(ctx, "Only personal logins have a password to change here");
    return payload(AuthService.changePassword(ctx, userId, input.currentPassword, input.newPassword), { ok: false });
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, {
    description: "Asks to change the caller's login email; it changes once the link sent to the new address is confirmed.",
  })
  authLoginEmailUpdate(@Ctx() ctx: Context, @Arg("email", () => EmailAddressResolver) email: string): Promise<MutationOutcome> {
    const userId = ownUserId(ctx, "Only personal logins have a login email");
    return payload(AuthService.requestLoginEmail(ctx, userId, email), { ok: false });
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I forgot my username: the logins are emailed to the customer's stored email." })
  authUsernameReminder(@Ctx() ctx: Context, @Arg("customerNumber") customerNumber: string): Promise<RecoveryPayload> {
    return payload(RecoveryService.requestUsernameReminder(ctx, customerNumber), { message: "" });
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I forgot my password: a single-use link valid for one hour is emailed." })
  authPasswordResetRequest(@Ctx() ctx: Context, @Arg("email", () => EmailAddressResolver) email: string): Promise<RecoveryPayload> {
    return payload(RecoveryService.requestPasswordReset(ctx, email), { message: "" });
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, { description: "Sets a new password with the token of a reset link; ends every session." })
  authPasswordReset(@Ctx() ctx: Context, @Arg("input") input: AuthPasswordResetInput): Promise<MutationOutcome> {
    return payload(RecoveryService.resetPassword(ctx, input.token, input.newPassword), { ok: false });
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I have no login yet. The result arrives by email; the reply is the same either way." })
  authRegister(@Ctx() ctx: Context, @Arg("input") input: AuthRegisterInput): Promise<RecoveryPayload> {
    return payload(RecoveryService.register(ctx, input), { message: "" });
  }

  @Authorized<Rule>("signed-in")
  @Query(() => Viewer, { description: "Who the access token belongs to." })
  async viewer(@Ctx() ctx: Context): Promise<Viewer> {
    const p = ctx.principal;
    if (p.kind === "anonymous") throw forbidden();
    // A login held to enrol a second factor sees no customer until it has enrolled.
    const memberships =
      p.kind === "customer" && !p.auth?.enrolOnly
        ? await Promise.all(
            [...p.roles].map(async ([customerId, role]) => ({ customer: (await CustomerService.byId(ctx, customerId))!, role })),
          )
        : [];
    return {
      kind: p.kind === "customer" ? PrincipalKind.CUSTOMER : p.kind === "reseller" ? PrincipalKind.RESELLER : PrincipalKind.STAFF,
      name: p.label,
      staffRole: p.kind === "staff" ? p.role : undefined,
      memberships: memberships.filter((m) => m.customer),
    };
  }
}
