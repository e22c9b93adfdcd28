import { legacyUnitOfWork } from "../unit-of-work/unit-of-work";
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { EmailAddressResolver } from "graphql-scalars";
import { CustomerService } from "../customers/customer.service";
import { Context } from "../platform/context";
import { badInput } from "../platform/errors";
import { MutationOutcome, userError, UserErrorCode } from "../platform/user-error";
import { Rule } from "../access/auth-checker";
import { AuthFailure, AuthService, Session } from "./auth.service";
import {
  AuthLoginInput,
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
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";

const FIELDS: Record<string, string> = {
  token: "token",
  newPassword: "newPassword",
  currentPassword: "currentPassword",
  password: "password",
};

/** Turns an AuthFailure into the payload's userErrors; anything else propagates. */
async function asPayload<T extends { userErrors: unknown[] }>(field: string, work: () => Promise<T>, empty: () => T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof AuthFailure)) throw error;
    const result = empty();
    result.userErrors.push(
      userError(UserErrorCode[error.code], error.message, ["input", FIELDS[error.field ?? ""] ?? field].filter(Boolean)),
    );
    return result;
  }
}

const sessionPayload = (session: Session): AuthPayload => ({
  accessToken: session.accessToken,
  refreshToken: session.refreshToken,
  expiresAt: session.expiresAt,
  userErrors: [],
});

@Resolver()
export class AuthResolver {
  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, {
    nullable: true,
    description:
      "Sign in. Failed attempts are counted per login (and per address); after 5 each further one doubles the wait (RATE_LIMITED error, null payload).",
  })
  authLogin(@Ctx() ctx: Context, @Arg("input") input: AuthLoginInput): Promise<AuthPayload> {
    if (!input.email === !input.customerNumber) throw badInput("Give either email or customerNumber", { field: "input" });
    return asPayload(
      "password",
      async () => sessionPayload(await AuthService.login(ctx, input)),
      () => ({ userErrors: [] }),
    );
  }

  @Authorized<Rule>("public")
  @Mutation(() => AuthPayload, { description: "A new access token and a new refresh token for a refresh token, which is used up." })
  authRefresh(@Ctx() ctx: Context, @Arg("refreshToken") refreshToken: string): Promise<AuthPayload> {
    return asPayload(
      "refreshToken",
      async () => sessionPayload(await AuthService.refresh(ctx, refreshToken)),
      () => ({ userErrors: [] }),
    );
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, { description: "Ends the session of the refresh token, or the caller's own session." })
  async authLogout(@Ctx() ctx: Context, @Arg("refreshToken", { nullable: true }) refreshToken?: string): Promise<MutationOutcome> {
    await AuthService.logout(ctx, refreshToken);
    return { ok: true, userErrors: [] };
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Needs the current password; ends every other session of the user." })
  authPasswordChange(@Ctx() ctx: Context, @Arg("input") input: AuthPasswordChangeInput): Promise<MutationOutcome> {
    const principal = ctx.principal;
    const userId = principal.kind === "anonymous" ? null : principal.userId;
    if (userId === null) throw forbidden("Only personal logins have a password to change here");
    return asPayload<MutationOutcome>(
      "newPassword",
      async () => {
        await AuthService.changePassword(ctx, userId, input.currentPassword, input.newPassword);
        return { ok: true, userErrors: [] };
      },
      () => ({ ok: false, userErrors: [] }),
    );
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, {
    description: "Asks to change the caller's login email; it changes once the link sent to the new address is confirmed.",
  })
  async authLoginEmailUpdate(@Ctx() ctx: Context, @Arg("email", () => EmailAddressResolver) email: string): Promise<MutationOutcome> {
    const principal = ctx.principal;
    const userId = principal.kind === "anonymous" ? null : principal.userId;
    if (userId === null) throw forbidden("Only personal logins have a login email");
    // A login is the person's own, not a customer's: its pending change is listed under no customer.
    await ctx.outbox.transaction(ctx.db, (tx, record) =>
      EmailChangeService.request(legacyUnitOfWork(tx, record, ctx.principal), ctx, {
        purpose: EmailVerificationPurpose.LOGIN_EMAIL,
        targetId: userId,
        customerId: null,
        newEmail: email,
      }),
    );
    return { ok: true, userErrors: [] };
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I forgot my username: the logins are emailed to the customer's stored email." })
  async authUsernameReminder(@Ctx() ctx: Context, @Arg("customerNumber") customerNumber: string): Promise<RecoveryPayload> {
    if (customerNumber.length > 20) throw badInput("customerNumber is too long", { field: "customerNumber" });
    return { message: await RecoveryService.requestUsernameReminder(ctx, customerNumber), userErrors: [] };
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I forgot my password: a single-use link valid for one hour is emailed." })
  async authPasswordResetRequest(@Ctx() ctx: Context, @Arg("email", () => EmailAddressResolver) email: string): Promise<RecoveryPayload> {
    return { message: await RecoveryService.requestPasswordReset(ctx, email), userErrors: [] };
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, { description: "Sets a new password with the token of a reset link; ends every session." })
  authPasswordReset(@Ctx() ctx: Context, @Arg("input") input: AuthPasswordResetInput): Promise<MutationOutcome> {
    return asPayload<MutationOutcome>(
      "token",
      async () => {
        await RecoveryService.resetPassword(ctx, input.token, input.newPassword);
        return { ok: true, userErrors: [] };
      },
      () => ({ ok: false, userErrors: [] }),
    );
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, { description: "I have no login yet. The result arrives by email; the reply is the same either way." })
  authRegister(@Ctx() ctx: Context, @Arg("input") input: AuthRegisterInput): Promise<RecoveryPayload> {
    return asPayload(
      "password",
      async () => ({ message: await RecoveryService.register(ctx, input), userErrors: [] }),
      () => ({ message: "", userErrors: [] }),
    );
  }

  @Authorized<Rule>("signed-in")
  @Query(() => Viewer, { description: "Who the access token belongs to." })
  async viewer(@Ctx() ctx: Context): Promise<Viewer> {
    const p = ctx.principal;
    if (p.kind === "anonymous") throw forbidden();
    const memberships =
      p.kind === "customer"
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
