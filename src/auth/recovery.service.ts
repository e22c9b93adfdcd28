import { ANONYMOUS, Context } from "../platform/context";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome, unitOfWork } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderLoginExists, renderPasswordReset, renderUsernameReminder } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { CustomerRole, UserKind } from "../users/user.enums";
import { AuthService } from "./auth.service";
import { hashPassword, passwordProblem, verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { linkToken, sha256 } from "../access/tokens";

export const PASSWORD_RESET_TTL_MS = 3600 * 1000;

/** The one reply of every recovery request, whatever was found. */
export const RECOVERY_REPLY =
  "If the details match an account, we have sent an email to the address on file. It can take a few minutes to arrive.";

type RecoveryOutcome = Outcome<{ message: string }>;
const recoveryReply = () => ({ message: RECOVERY_REPLY });

export const RecoveryService = {
  /** "I forgot my username": the worker emails the logins of the customer to its stored email. */
  requestUsernameReminder(ctx: Context, customerNumber: string): Promise<RecoveryOutcome> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (customerNumber.length > 20) refuse(UserErrorCode.INVALID_INPUT, "customerNumber is too long", ["customerNumber"]);
        await uow.emit("username-reminder", { customerNumber: customerNumber.trim() });
      },
      reply: recoveryReply,
    });
  },

  /** "I forgot my password": the worker emails a single-use link valid for one hour. */
  requestPasswordReset(ctx: Context, email: string): Promise<RecoveryOutcome> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        await uow.emit("password-reset", { email: email.trim().toLowerCase().slice(0, 254) });
      },
      reply: recoveryReply,
    });
  },

  /**
   * "I have no login yet": proof is the customer password or the number of the latest invoice,
   * and the email must be one of the customer's contacts. Both outcomes cost one lookup, one
   * password check and one outbox row, so the reply and its timing do not tell them apart.
   */
  register(
    ctx: Context,
    input: {
      customerNumber: string;
      customerPassword?: string;
      latestInvoiceNumber?: string;
      email: string;
      displayName: string;
      password: string;
    },
  ): Promise<RecoveryOutcome> {
    const limits = [`register:${input.customerNumber}`, `ip:${ctx.ip}`];
    return mutateUntargeted(ctx, {
      // Two password hashes: run before the transaction, so that no pooled connection waits for them.
      prepare: async () => {
        const problem = passwordProblem(input.password);
        if (problem) refuse(UserErrorCode.WEAK_PASSWORD, `The password ${problem}`, ["input", "password"]);
        if (!input.customerPassword === !input.latestInvoiceNumber) {
          refuse(UserErrorCode.INVALID_INPUT, "Give either the customer password or the latest invoice number", [
            "input",
            "customerPassword",
          ]);
        }
        await ctx.auth.limiter.assertAllowed(limits);
        const [customer] = await ctx.db.query(
          `SELECT c.id, c.customer_password_hash,
            (SELECT number FROM invoices i WHERE i.customer_id = c.id AND i.kind = 'INVOICE' ORDER BY issue_date DESC, id DESC LIMIT 1) AS latest_invoice,
            (SELECT COUNT(*) FROM contacts k WHERE k.customer_id = c.id AND k.email = ?) AS contact_matches
           FROM customers c WHERE c.customer_number = ?`,
          [input.email.trim(), input.customerNumber.trim()],
        );
        let role: CustomerRole | null = null;
        if (input.customerPassword) {
          const ok = customer?.customer_password_hash
            ? await verifyPassword(input.customerPassword, customer.customer_password_hash)
            : await verifyAgainstDecoy(input.customerPassword);
          if (ok) role = CustomerRole.ADMIN;
        } else {
          await verifyAgainstDecoy(input.password); // the same work as the other proof
          if (customer?.latest_invoice && customer.latest_invoice === input.latestInvoiceNumber?.trim()) role = CustomerRole.READ_ONLY;
        }
        const passwordHash = await hashPassword(input.password);
        const accepted = role !== null && Number(customer.contact_matches) > 0;
        if (!accepted) await ctx.auth.limiter.recordFailure(limits);
        return accepted ? { customerId: Number(customer.id), role, passwordHash } : null;
      },
      write: async (uow, accepted) => {
        // A rejected one is a row without details: the same statements, and nothing for the worker to do.
        const row = await uow.tx.query(
          "INSERT INTO registrations (customer_id, email, display_name, password_hash, role) VALUES (?, ?, ?, ?, ?)",
          [
            accepted?.customerId ?? null,
            accepted ? input.email.trim().toLowerCase() : null,
            accepted ? input.displayName.trim() : null,
            accepted?.passwordHash ?? null,
            accepted?.role ?? null,
          ],
        );
        await uow.emit("registration", { registrationId: Number(row.insertId) });
      },
      reply: recoveryReply,
    });
  },

  /** Sets a new password with a reset token; the token works once and ends every session. */
  resetPassword(ctx: Context, token: string, password: string): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      // Hashed before the transaction, which locks the reset row: nothing waits for the hash.
      prepare: () => AuthService.newPasswordHash(password),
      write: async (uow, hash) => {
        const { tx } = uow;
        const [reset] = await tx.query("SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ? FOR UPDATE", [
          sha256(token),
        ]);
        if (!reset || reset.used_at || reset.expires_at.getTime() <= Date.now()) {
          refuse(UserErrorCode.INVALID_CREDENTIALS, "This reset link is not valid any more; ask for a new one", ["input", "token"]);
        }
        await tx.query("UPDATE password_resets SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [reset.id]);
        await AuthService.setPassword(ctx, uow, reset.user_id, hash, null);
        await uow.emit("password-changed", { userId: reset.user_id, how: "reset" });
        return { ok: true };
      },
    });
  },
};

/** The worker side of the account topics: the handler looks up and decides, so replies and timing never differ. */
export function recoveryHandlers(deps: NotificationDeps): Pick<Handlers, "username-reminder" | "password-reset" | "registration"> {
  const { db, config, ledger, relay } = deps;
  const localeOfUser = async (userId: number) => {
    const [row] = await db.query(
      "SELECT c.locale FROM memberships m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = ? ORDER BY m.id LIMIT 1",
      [userId],
    );
    return localeOf(row?.locale);
  };
  return {
    async "username-reminder"({ outboxId, payload, final }) {
      const [customer] = await db.query(
        "SELECT id, customer_number, email, locale, customer_password_hash IS NOT NULL AS has_password FROM customers WHERE customer_number = ?",
        [payload.customerNumber],
      );
      if (!customer) return { skipped: 1 };
      const users: { email: string }[] = await db.query(
        "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? AND u.disabled_at IS NULL ORDER BY u.email",
        [customer.id],
      );
      const data = {
        customerNumber: customer.customer_number,
        loginEmails: users.map((u) => u.email),
        customerNumberIsLogin: !!Number(customer.has_password),
      };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`username-reminder:${outboxId}`, customer.email),
            to: customer.email,
            render: () => renderUsernameReminder(data, localeOf(customer.locale)),
          },
        ],
        final,
      );
    },

    async "password-reset"({ outboxId, payload, final }) {
      const [user] = await db.query("SELECT id, email FROM users WHERE email = ? AND disabled_at IS NULL", [payload.email]);
      if (!user) return { skipped: 1 };
      const locale = await localeOfUser(user.id);
      // Derived from the request's outbox id under the link key, and stored only when the message
      // is really sent: every retry sends the same link, and a run that finds it SENT changes nothing.
      const link = async () => {
        const token = linkToken(config.linkTokenKeys, Buffer.from(`password-reset:${outboxId}`), config.linkTokenKeys.currentId)!;
        await db.query(
          `INSERT INTO password_resets (user_id, outbox_id, token_hash, expires_at) VALUES (?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE token_hash = VALUES(token_hash)`,
          [user.id, outboxId, sha256(token), new Date(Date.now() + PASSWORD_RESET_TTL_MS)],
        );
        return `${config.portalUrl}/reset-password?token=${token}`;
      };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`password-reset:${outboxId}`, user.email),
            to: user.email,
            render: async () => renderPasswordReset({ link: await link() }, locale),
          },
        ],
        final,
      );
    },

    /**
     * The login is created disabled, with a confirmation link to its address (the LOGIN_EMAIL
     * verification flow): it works only once the registrant proved the mailbox is theirs. The
     * registration row (and its password hash) is gone once the login exists.
     */
    async registration({ outboxId, payload, final, doneIn, lockOpenIn }) {
      const [registration] = await db.query(
        `SELECT r.id, r.customer_id, r.email, r.display_name, r.password_hash, r.role, c.locale, c.customer_number, c.reseller_id
         FROM registrations r LEFT JOIN customers c ON c.id = r.customer_id WHERE r.id = ?`,
        [payload.registrationId],
      );
      if (!registration?.customer_id) {
        if (registration) await db.query("DELETE FROM registrations WHERE id = ?", [registration.id]);
        return { skipped: 1 };
      }
      const registrant = {
        dbId: registration.customer_id,
        resellerId: registration.reseller_id,
        customerNumber: registration.customer_number,
      };
      const created = await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
        // First: a second run of this registration must not find the login the first one made.
        await lockOpenIn(uow.tx);
        const [existing] = await uow.tx.query("SELECT id FROM users WHERE email = ? FOR UPDATE", [registration.email]);
        if (existing) return false;
        const result = await uow.tx.query(
          "INSERT INTO users (kind, email, display_name, password_hash, password_changed_at, disabled_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))",
          [UserKind.CUSTOMER, registration.email, registration.display_name, registration.password_hash],
        );
        const userId = Number(result.insertId);
        await uow.tx.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [
          userId,
          registration.customer_id,
          registration.role,
        ]);
        // The login's address is a pending change like any other: it works once its link is followed.
        await EmailChangeService.request(
          uow,
          { config },
          { purpose: EmailVerificationPurpose.LOGIN_EMAIL, targetId: userId, customerId: null, newEmail: registration.email },
        );
        await uow.audit(
          "user.registered",
          { email: registration.email, role: registration.role, pending: "confirmation link" },
          registrant,
        );
        await uow.tx.query("DELETE FROM registrations WHERE id = ?", [registration.id]);
        await doneIn(uow.tx);
        return true;
      });
      // A new login hears from the confirmation link; an existing one is told it exists.
      if (created) return { sent: 0 };
      const outcome = await ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`register:${outboxId}`, registration.email),
            to: registration.email,
            render: () => renderLoginExists({ email: registration.email }, localeOf(registration.locale)),
          },
        ],
        final,
      );
      if (!outcome.deferred && !outcome.leasedUntil) await db.query("DELETE FROM registrations WHERE id = ?", [registration.id]);
      return outcome;
    },
  };
}
