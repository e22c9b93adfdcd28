import { verifyPassword } from "../access/passwords";
import { CustomerPasswords } from "../customers/customer-password";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutate, mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";
import { AuthService } from "./auth.service";
import { RECOVERY_REPLY } from "./recovery.service";
import { SessionService } from "./sessions";

const CURRENT_PASSWORD_FIELD = ["input", "currentPassword"];

/**
 * The customer password: the password of the customer-number login (authLogin with customerNumber),
 * which acts as the customer's ADMIN. The customers module keeps the hash and the reset links;
 * this service adds the password policy, the rate limits and the end of the login's sessions.
 */
export const CustomerPasswordService = {
  /**
   * Sets or changes the customer password, as the customer's ADMIN (a user, or the customer-number
   * login itself). Once one exists the current one is required. Every customer-number session ends,
   * except the caller's own when the caller is that login.
   */
  set(
    ctx: Context,
    input: { customerId: string; currentPassword?: string | null; newPassword: string },
  ): Promise<Outcome<{ customer?: CustomerNode }>> {
    return mutate(
      ctx,
      { rule: "customerPassword", load: CustomerService.target(ctx, input.customerId) },
      {
        stepUp: true,
        // Both hashes run before the transaction: no pooled connection waits for them.
        prepare: async ({ customer }) => {
          const current = await CustomerPasswords.currentHash(ctx.db, customer.dbId);
          if (current) {
            if (!input.currentPassword) {
              refuse(UserErrorCode.INVALID_INPUT, "Give the current customer password to change it", CURRENT_PASSWORD_FIELD);
            }
            const given = input.currentPassword;
            if (!(await ctx.auth.limiter.check([`customer-password-change:${customer.dbId}`], () => verifyPassword(given, current)))) {
              refuse(UserErrorCode.INVALID_CREDENTIALS, "The current customer password is wrong", CURRENT_PASSWORD_FIELD);
            }
          }
          return { current, hash: await AuthService.newPasswordHash(input.newPassword) };
        },
        write: async (uow, { customer }, { current, hash }) => {
          // The current password was checked against `current`: a change made meanwhile is not overwritten unseen.
          if (!(await CustomerPasswords.unchangedSince(uow.tx, customer.dbId, current))) {
            refuse(UserErrorCode.CONFLICT, "The customer password was changed in the meantime; try again", CURRENT_PASSWORD_FIELD);
          }
          await CustomerPasswords.store(uow, customer, hash, current ? "changed" : "set");
          // The customer-number login changing its own password keeps its session, like a user's password change.
          const p = ctx.principal;
          const keep = p.kind === "customer" && p.userId === null ? p.sessionId : null;
          await SessionService.endAll(ctx, uow, { kind: RefreshSubjectKind.CUSTOMER, id: customer.dbId }, keep);
        },
        reply: async (_, { customer }) => ({ customer: (await CustomerService.byId(ctx, customer.dbId)) ?? undefined }),
      },
    );
  },

  /**
   * "No customer password yet / forgot it": the worker emails a single-use link to the customer's
   * main email. The reply, and the work (one counted attempt, one outbox row), are the same
   * whether or not the number exists.
   */
  requestReset(ctx: Context, customerNumber: string): Promise<Outcome<{ message: string }>> {
    const number = customerNumber.trim();
    // Every request counts, found or not: per number (5 before the waits begin) and per address
    // (20, an office shares one; its own key, so that reset requests do not lock logins out).
    const limits = [`customer-password-reset:${number}`, `ip:customer-password-reset:${ctx.ip}`];
    return mutateUntargeted(ctx, {
      prepare: async () => {
        if (number.length > 20) refuse(UserErrorCode.INVALID_INPUT, "customerNumber is too long", ["customerNumber"]);
        await ctx.auth.limiter.assertAllowed(limits);
        await ctx.auth.limiter.recordFailure(limits);
      },
      write: async (uow) => {
        await uow.emit("customer-password-reset", { customerNumber: number });
      },
      reply: () => ({ message: RECOVERY_REPLY }),
    });
  },

  /** Sets the customer password with the token of an emailed link; the link works once and every customer-number session ends. */
  reset(ctx: Context, token: string, newPassword: string): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      // Hashed before the transaction, which locks the link's row: nothing waits for the hash.
      prepare: () => AuthService.newPasswordHash(newPassword),
      write: async (uow, hash) => {
        const customer = await CustomerPasswords.redeemReset(uow.tx, token);
        if (!customer) refuse(UserErrorCode.INVALID_CREDENTIALS, "This link is not valid any more; ask for a new one", ["input", "token"]);
        await CustomerPasswords.store(uow, customer, hash, "reset");
        await SessionService.endAll(ctx, uow, { kind: RefreshSubjectKind.CUSTOMER, id: customer.dbId });
        return { ok: true };
      },
    });
  },
};
