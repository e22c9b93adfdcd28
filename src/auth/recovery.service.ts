import { randomBytes } from "node:crypto";
import { DataSource } from "typeorm";
import { OutboxRelay } from "../outbox/outbox.service";
import { Config } from "../config";
import { AuditService } from "../audit/audit.service";
import { Context } from "../platform/context";
import { inTransaction } from "../platform/db";
import { Logger } from "../platform/logger";
import { MailDeliveryService } from "../outbox/mail-delivery.service";
import { CustomerRole, UserKind } from "../users/user.entity";
import { AuthFailure, AuthService } from "./auth.service";
import { hashPassword, passwordProblem, verifyAgainstDecoy, verifyPassword } from "./passwords";
import { randomToken, sha256 } from "./tokens";

export const PASSWORD_RESET_TTL_MS = 3600 * 1000;

/** The one reply of every recovery request, whatever was found. */
export const RECOVERY_REPLY =
  "If the details match an account, we have sent an email to the address on file. It can take a few minutes to arrive.";

/** Outbox payloads of the topic "account"; the worker looks up and decides, so replies and timing never differ. */
export type AccountJob =
  | { kind: "username-reminder"; customerNumber: string }
  | { kind: "password-reset"; email: string }
  | { kind: "register"; customerId: number; email: string; displayName: string; passwordHash: string; role: CustomerRole }
  | { kind: "register-rejected" };

type Locale = "de" | "en";
const pick = (locale: Locale, de: string, en: string) => (locale === "en" ? en : de);

export const RecoveryService = {
  /** "I forgot my username": the worker emails the logins of the customer to its stored email. */
  async requestUsernameReminder(ctx: Context, customerNumber: string): Promise<string> {
    await ctx.outbox.transaction(ctx.db, (_tx, record) => record("account", { kind: "username-reminder", customerNumber: customerNumber.trim() }));
    return RECOVERY_REPLY;
  },

  /** "I forgot my password": the worker emails a single-use link valid for one hour. */
  async requestPasswordReset(ctx: Context, email: string): Promise<string> {
    await ctx.outbox.transaction(ctx.db, (_tx, record) => record("account", { kind: "password-reset", email: email.trim().toLowerCase() }));
    return RECOVERY_REPLY;
  },

  /**
   * "I have no login yet": proof is the customer password or the number of the latest invoice,
   * and the email must be one of the customer's contacts. Both outcomes cost one lookup, one
   * password check and one outbox row, so the reply and its timing do not tell them apart.
   */
  async register(
    ctx: Context,
    input: { customerNumber: string; customerPassword?: string; latestInvoiceNumber?: string; email: string; displayName: string; password: string },
  ): Promise<string> {
    const problem = passwordProblem(input.password);
    if (problem) throw new AuthFailure("WEAK_PASSWORD", `The password ${problem}`, "password");
    if (!input.customerPassword === !input.latestInvoiceNumber) {
      throw new AuthFailure("INVALID_INPUT", "Give either the customer password or the latest invoice number", "customerPassword");
    }
    await ctx.auth.limiter.assertAllowed([`register:${input.customerNumber}`, `ip:${ctx.ip}`]);
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
      if (customer?.latest_invoice && customer.latest_invoice === input.latestInvoiceNumber!.trim()) role = CustomerRole.READ_ONLY;
    }
    const passwordHash = await hashPassword(input.password);
    const job: AccountJob =
      role && Number(customer.contact_matches) > 0
        ? { kind: "register", customerId: customer.id, email: input.email.trim().toLowerCase(), displayName: input.displayName.trim(), passwordHash, role }
        : { kind: "register-rejected" };
    if (job.kind === "register-rejected") await ctx.auth.limiter.recordFailure([`register:${input.customerNumber}`, `ip:${ctx.ip}`]);
    await ctx.outbox.transaction(ctx.db, (_tx, record) => record("account", job));
    return RECOVERY_REPLY;
  },

  /** Sets a new password with a reset token; the token works once and ends every session. */
  async resetPassword(ctx: Context, token: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new AuthFailure("WEAK_PASSWORD", `The password ${problem}`, "newPassword");
    await inTransaction(ctx.db, async (tx) => {
      const [reset] = await tx.query("SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ? FOR UPDATE", [sha256(token)]);
      if (!reset || reset.used_at || reset.expires_at.getTime() <= Date.now()) {
        throw new AuthFailure("INVALID_CREDENTIALS", "This reset link is not valid any more; ask for a new one", "token");
      }
      await tx.query("UPDATE password_resets SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [reset.id]);
      await AuthService.setPassword(tx, reset.user_id, password, null);
    });
  },
};

/** The worker side of the topic "account". */
export class AccountJobProcessor {
  constructor(
    private readonly db: DataSource,
    private readonly deliveries: MailDeliveryService,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly relay: OutboxRelay,
  ) {}

  async process(outboxId: string): Promise<{ sent: number }> {
    const [row] = await this.db.query("SELECT payload FROM outbox WHERE id = ?", [outboxId]);
    if (!row) return { sent: 0 };
    const job = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as AccountJob;
    switch (job.kind) {
      case "username-reminder":
        return this.usernameReminder(outboxId, job.customerNumber);
      case "password-reset":
        return this.passwordReset(outboxId, job.email);
      case "register":
        return this.register(outboxId, job);
      case "register-rejected":
        return { sent: 0 };
    }
  }

  private async usernameReminder(outboxId: string, customerNumber: string) {
    const [customer] = await this.db.query("SELECT id, customer_number, email, locale, customer_password_hash FROM customers WHERE customer_number = ?", [customerNumber]);
    if (!customer) return { sent: 0 };
    const users: { email: string }[] = await this.db.query(
      "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? AND u.disabled_at IS NULL ORDER BY u.email",
      [customer.id],
    );
    const locale = customer.locale as Locale;
    const logins = users.map((u) => `  - ${u.email}`);
    if (customer.customer_password_hash) logins.push(`  - ${pick(locale, "Kundennummer", "customer number")} ${customer.customer_number}`);
    const text = pick(
      locale,
      `Guten Tag,\n\nfür die Kundennummer ${customer.customer_number} gibt es diese Logins:\n${logins.join("\n") || "  (noch keiner)"}\n\nWenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren.`,
      `Hello,\n\ncustomer number ${customer.customer_number} has these logins:\n${logins.join("\n") || "  (none yet)"}\n\nIf you did not ask for this, you can ignore this message.`,
    );
    const result = await this.deliveries.deliver(outboxId, {
      key: `username-reminder:${outboxId}`,
      messages: [{ to: customer.email, subject: pick(locale, "Ihre Logins", "Your logins"), text }],
    });
    return { sent: result.sent };
  }

  private async passwordReset(outboxId: string, email: string) {
    const [user] = await this.db.query("SELECT id, email FROM users WHERE email = ? AND disabled_at IS NULL", [email]);
    if (!user) return { sent: 0 };
    const key = `password-reset:${outboxId}`;
    // A retry after the link went out must not send a second, different link.
    if (await this.deliveries.wasSent(key, user.email)) return { sent: 0 };
    const token = randomToken();
    // One reset row per request: a retry before sending replaces the unsent token's hash.
    await this.db.query(
      `INSERT INTO password_resets (user_id, outbox_id, token_hash, expires_at) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE token_hash = VALUES(token_hash), expires_at = VALUES(expires_at)`,
      [user.id, outboxId, sha256(token), new Date(Date.now() + PASSWORD_RESET_TTL_MS)],
    );
    const locale = await this.localeOfUser(user.id);
    const link = `${this.config.portalUrl}/reset-password?token=${token}`;
    const text = pick(
      locale,
      `Guten Tag,\n\nmit diesem Link setzen Sie Ihr Passwort neu (gültig eine Stunde, nur einmal):\n${link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht; Ihr Passwort bleibt unverändert.`,
      `Hello,\n\nuse this link to set a new password (valid for one hour, once):\n${link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.`,
    );
    const result = await this.deliveries.deliver(outboxId, {
      key,
      messages: [{ to: user.email, subject: pick(locale, "Passwort zurücksetzen", "Reset your password"), text }],
    });
    return { sent: result.sent };
  }

  /**
   * The login is created disabled, with a confirmation link to its address (the LOGIN_EMAIL
   * verification flow): it works only once the registrant proved the mailbox is theirs.
   */
  private async register(outboxId: string, job: Extract<AccountJob, { kind: "register" }>) {
    const key = `register:${outboxId}`;
    if (await this.deliveries.wasSent(key, job.email)) return { sent: 0 };
    const [customer] = await this.db.query("SELECT id, customer_number, locale FROM customers WHERE id = ?", [job.customerId]);
    const locale = customer.locale as Locale;
    const created = await this.relay.transaction(this.db, async (tx, record) => {
      const [existing] = await tx.query("SELECT id FROM users WHERE email = ? FOR UPDATE", [job.email]);
      if (existing) return false;
      const result = await tx.query(
        "INSERT INTO users (kind, email, display_name, password_hash, password_changed_at, disabled_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))",
        [UserKind.CUSTOMER, job.email, job.displayName, job.passwordHash],
      );
      await tx.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [result.insertId, job.customerId, job.role]);
      const verification = await tx.query(
        "INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, expires_at) VALUES (NULL, 'LOGIN_EMAIL', ?, ?, ?, ?)",
        [result.insertId, job.email, randomBytes(32), new Date(Date.now() + this.config.emailVerificationTtlMs)],
      );
      await record("verification", { verificationId: Number(verification.insertId) });
      await AuditService.record(tx, { kind: "anonymous" }, {
        customerId: job.customerId,
        action: "user.registered",
        details: { email: job.email, role: job.role, pending: "confirmation link" },
      });
      return true;
    });
    // A new login hears from the confirmation link; an existing one is told it exists.
    if (created) return { sent: 0 };
    const text = pick(
      locale,
      `Guten Tag,\n\nfür ${job.email} gibt es schon einen Login. Wenn Sie Ihr Passwort vergessen haben, setzen Sie es im Portal zurück.`,
      `Hello,\n\n${job.email} already has a login. If you forgot its password, reset it in the portal.`,
    );
    const result = await this.deliveries.deliver(outboxId, {
      key,
      messages: [{ to: job.email, subject: pick(locale, "Ihr Login", "Your login"), text }],
    });
    this.log.info({ outboxId }, "registration for an existing login");
    return { sent: result.sent };
  }

  private async localeOfUser(userId: number): Promise<Locale> {
    const [row] = await this.db.query(
      "SELECT c.locale FROM memberships m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = ? ORDER BY m.id LIMIT 1",
      [userId],
    );
    return (row?.locale as Locale) ?? "de";
  }
}
