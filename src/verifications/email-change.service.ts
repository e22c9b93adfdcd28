import { QueryFailedError } from "typeorm";
import { AuditService } from "../audit/audit.service";
import { assertMay, CustomerRef, CustomerRule, forbidden } from "../access/access";
import { newLinkSecret, sha256 } from "../access/tokens";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { Context, Principal } from "../platform/context";
import { inTransaction } from "../platform/db";
import { idOfType } from "../platform/global-id";
import { UserError, userError, UserErrorCode } from "../platform/user-error";
import { EmailVerificationPurpose as Purpose, EmailVerificationStatus as Status } from "./email-verification.enums";
import { EmailVerificationService, verificationById } from "./email-verification.service";
import { emailTargetOf } from "./email-targets";
import { EmailVerificationNode } from "./email-verification.types";

export const RESEND_COOLDOWN_MS = 60_000;

/** The customer as access decisions see it (its id and reseller), read here as verifications sit below customers. */
async function customerRef(ctx: Context, customerId: number): Promise<CustomerRef | null> {
  const [row] = await ctx.db.query("SELECT id, reseller_id FROM customers WHERE id = ?", [customerId]);
  return row ? { dbId: row.id, resellerId: row.reseller_id } : null;
}

/** Who may start, cancel or resend an email change of each purpose (on the target's customer). */
const RULES: { [P in Purpose]: CustomerRule | null } = {
  [Purpose.CUSTOMER_EMAIL]: "editMaster",
  [Purpose.CONTACT_EMAIL]: "editContacts",
  [Purpose.ONLINE_INVOICE_EMAIL]: "editBilling",
  [Purpose.NEWSLETTER_EMAIL]: "editMaster",
  [Purpose.LOGIN_EMAIL]: null, // the user's own
};

export type ConfirmOutcome = "CONFIRMED" | "EXPIRED" | "ALREADY_USED" | "CANCELLED" | "SUPERSEDED" | "UNKNOWN" | "TAKEN";

/**
 * Email changes: the old address stays in use until the new one is confirmed by a link. The
 * token is derived from a secret of the verification and a key from configuration (only its
 * SHA-256 is stored), so it exists nowhere but in the email and the sender's memory.
 */
export const EmailChangeService = {
  /**
   * Records a pending change in the caller's transaction: an older pending change of the same
   * target is superseded (its link stops working) and the confirmation mail goes to the outbox.
   */
  async request(
    uow: UnitOfWork,
    ctx: Context,
    change: { purpose: Purpose; targetId: number; customerId: number | null; newEmail: string },
  ): Promise<number> {
    const { tx } = uow;
    await tx.query("UPDATE email_verifications SET status = 'SUPERSEDED' WHERE purpose = ? AND target_id = ? AND status = 'PENDING'", [
      change.purpose,
      change.targetId,
    ]);
    const secret = newLinkSecret(ctx.config.linkTokenKeys);
    const result = await tx.query(
      "INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, token_seed, token_key_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        change.customerId,
        change.purpose,
        change.targetId,
        change.newEmail.trim(),
        secret.hash,
        secret.seed,
        secret.keyId,
        new Date(Date.now() + ctx.config.emailVerificationTtlMs),
      ],
    );
    const verificationId = Number(result.insertId);
    await uow.emit("email-verification", { verificationId });
    await uow.audit("email.change.requested", { purpose: change.purpose, targetId: change.targetId, newEmail: change.newEmail });
    return verificationId;
  },

  /** Cancels the pending change of a target that goes away (a deleted contact), in the caller's unit of work. */
  async cancelPending(uow: UnitOfWork, purpose: Purpose, targetId: number): Promise<void> {
    await uow.tx.query("UPDATE email_verifications SET status = 'CANCELLED' WHERE purpose = ? AND target_id = ? AND status = 'PENDING'", [
      purpose,
      targetId,
    ]);
  },

  /** Applies the change of a valid token; every other outcome leaves everything as it was. */
  async confirm(ctx: Context, token: string): Promise<{ outcome: ConfirmOutcome; verificationId?: number; locale?: string }> {
    if (!token || token.length > 100) return { outcome: "UNKNOWN" };
    return ctx.outbox.transaction(ctx.db, async (tx, emit) => {
      const [v] = await tx.query(
        `SELECT v.id, v.customer_id, v.purpose, v.target_id, v.new_email, v.status, v.expires_at, c.locale, c.customer_number
         FROM email_verifications v LEFT JOIN customers c ON c.id = v.customer_id WHERE v.token_hash = ? FOR UPDATE`,
        [sha256(token)],
      );
      if (!v) return { outcome: "UNKNOWN" as const };
      const base = { verificationId: v.id, locale: v.locale ?? "de" };
      if (v.status === Status.CONFIRMED) return { outcome: "ALREADY_USED" as const, ...base };
      if (v.status === Status.CANCELLED || v.status === Status.SUPERSEDED) return { outcome: v.status as ConfirmOutcome, ...base };
      // Checked here, not left to the sweep: a link past its expiry fails at once.
      if (v.status === Status.EXPIRED || v.expires_at.getTime() <= Date.now()) return { outcome: "EXPIRED" as const, ...base };

      // The module that owns the target row changes it.
      const target = emailTargetOf(v.purpose as Purpose);
      const row = await target.lock(tx, v.target_id);
      if (!row) return { outcome: "UNKNOWN" as const, ...base };
      try {
        await target.apply(tx, v.target_id, v.new_email);
      } catch (error) {
        const code = error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
        if (code === "ER_DUP_ENTRY") return { outcome: "TAKEN" as const, ...base };
        throw error;
      }
      const old = (row.email as string | null)?.trim() || null;
      await tx.query(
        "UPDATE email_verifications SET status = 'CONFIRMED', confirmed_at = CURRENT_TIMESTAMP(3), previous_email = ? WHERE id = ?",
        [old, v.id],
      );
      const confirmer: Principal = ctx.principal;
      await AuditService.record(tx, confirmer.kind === "anonymous" ? { kind: "anonymous" } : confirmer, {
        customerId: v.customer_id,
        action: "email.change.confirmed",
        details: { purpose: v.purpose, targetId: v.target_id, from: row.email, to: v.new_email, via: "confirmation link" },
      });
      if (old && old.toLowerCase() !== String(v.new_email).toLowerCase()) await emit("email-replaced", { verificationId: v.id });
      return { outcome: "CONFIRMED" as const, ...base };
    });
  },

  /** Loads a verification the caller may act on (cancel, resend). */
  async authorized(ctx: Context, verificationGid: string): Promise<EmailVerificationNode> {
    const verification = await EmailVerificationService.byId(ctx, idOfType(verificationGid, "EmailVerification", "id"));
    if (!verification) throw forbidden("This email change is not yours");
    const rule = RULES[verification.purpose];
    if (rule === null) {
      const own = ctx.principal.kind !== "anonymous" && ctx.principal.userId === verification.targetId;
      if (!own) throw forbidden("This email change is not yours");
    } else {
      assertMay(ctx, rule, verification.customerId ? await customerRef(ctx, verification.customerId) : null);
    }
    return verification;
  },

  async cancel(ctx: Context, verificationGid: string): Promise<{ verification?: EmailVerificationNode; userErrors: UserError[] }> {
    const v = await EmailChangeService.authorized(ctx, verificationGid);
    if (v.status !== Status.PENDING)
      return { userErrors: [userError(UserErrorCode.NOT_PENDING, `This email change is ${v.status.toLowerCase()}`, ["id"])] };
    await inTransaction(ctx.db, async (tx) => {
      await tx.query("UPDATE email_verifications SET status = 'CANCELLED' WHERE id = ? AND status = 'PENDING'", [v.dbId]);
      await AuditService.record(tx, ctx.principal, {
        customerId: v.customerId,
        action: "email.change.cancelled",
        details: { purpose: v.purpose, newEmail: v.newEmail },
      });
    });
    ctx.loaders.get(verificationById).clear(v.dbId);
    return { verification: (await EmailVerificationService.byId(ctx, v.dbId))!, userErrors: [] };
  },

  /** Sends a fresh link (the previous one stops working); at most once a minute. */
  async resend(ctx: Context, verificationGid: string): Promise<{ verification?: EmailVerificationNode; userErrors: UserError[] }> {
    const v = await EmailChangeService.authorized(ctx, verificationGid);
    if (v.status !== Status.PENDING)
      return { userErrors: [userError(UserErrorCode.NOT_PENDING, `This email change is ${v.status.toLowerCase()}`, ["id"])] };
    const [row] = await ctx.db.query("SELECT COALESCE(last_sent_at, created_at) AS sent FROM email_verifications WHERE id = ?", [v.dbId]);
    const wait = row.sent.getTime() + RESEND_COOLDOWN_MS - Date.now();
    if (wait > 0) {
      return { userErrors: [userError(UserErrorCode.COOLDOWN, `You can resend in ${Math.ceil(wait / 1000)} seconds`, ["id"])] };
    }
    await ctx.outbox.transaction(ctx.db, async (tx, emit) => {
      // A new secret: the link asked for replaces the old one, which stops working now.
      const secret = newLinkSecret(ctx.config.linkTokenKeys);
      await tx.query(
        "UPDATE email_verifications SET token_hash = ?, token_seed = ?, token_key_id = ?, delivery_state = 'QUEUED', delivery_error = NULL, last_sent_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
        [secret.hash, secret.seed, secret.keyId, v.dbId],
      );
      await emit("email-verification", { verificationId: v.dbId });
    });
    ctx.loaders.get(verificationById).clear(v.dbId);
    return { verification: (await EmailVerificationService.byId(ctx, v.dbId))!, userErrors: [] };
  },

  /** The new address waiting for confirmation for one target, from the customer's pending list (one query per request). */
  async pendingEmail(ctx: Context, customerId: number, purpose: Purpose, targetId: number): Promise<string | null> {
    const pending = await EmailVerificationService.pendingOfCustomer(ctx, customerId);
    return pending.find((v) => v.purpose === purpose && v.targetId === targetId)?.newEmail ?? null;
  },

  /** A verification as it is now, for the payload of a confirmation (no access check: the token was the proof). */
  async view(ctx: Context, id: number): Promise<EmailVerificationNode | null> {
    ctx.loaders.get(verificationById).clear(id);
    return EmailVerificationService.byId(ctx, id);
  },
};
