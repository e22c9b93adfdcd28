import { CustomerRule } from "../access/access";
import { newLinkSecret, sha256 } from "../access/tokens";
import { isDuplicateKey } from "../platform/db";
import { AuditedCustomer, mutate, mutateUntargeted, Outcome, unitOfWork, UnitOfWork } from "../unit-of-work/unit-of-work";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { refuse, UserErrorCode } from "../platform/user-error";
import { EmailVerificationPurpose as Purpose, EmailVerificationStatus as Status } from "./email-verification.enums";
import { EmailVerificationService } from "./email-verification.service";
import { emailTargetOf } from "./email-targets";
import { EmailVerificationNode } from "./email-verification.types";

export const RESEND_COOLDOWN_MS = 60_000;

/** The customer as access decisions and audit entries see it, read here as verifications sit below customers. */
async function customerRef(ctx: Context, customerId: number): Promise<AuditedCustomer | null> {
  const [row] = await ctx.db.query("SELECT id, reseller_id, customer_number FROM customers WHERE id = ?", [customerId]);
  return row ? { dbId: row.id, resellerId: row.reseller_id, customerNumber: row.customer_number } : null;
}

/** Who may cancel or resend an email change of each purpose (on the target's customer); a login's is its user's alone. */
const RULES: { [P in Purpose]: CustomerRule | null } = {
  [Purpose.CUSTOMER_EMAIL]: "editMaster",
  [Purpose.CONTACT_EMAIL]: "editContacts",
  [Purpose.ONLINE_INVOICE_EMAIL]: "editBilling",
  [Purpose.NEWSLETTER_EMAIL]: "editMaster",
  [Purpose.LOGIN_EMAIL]: null,
};

export type ConfirmOutcome = "CONFIRMED" | "EXPIRED" | "ALREADY_USED" | "CANCELLED" | "SUPERSEDED" | "UNKNOWN" | "TAKEN";
type Settled =
  { outcome: "CONFIRMED"; verificationId: number; locale: string } | { outcome: Exclude<ConfirmOutcome, "CONFIRMED">; locale?: string };

/** Why emailVerificationConfirm refuses a token that does not confirm. */
const CONFIRM_REFUSALS: Record<Exclude<ConfirmOutcome, "CONFIRMED">, [UserErrorCode, string]> = {
  EXPIRED: [UserErrorCode.EXPIRED, "This link has expired; ask for a new one"],
  ALREADY_USED: [UserErrorCode.ALREADY_USED, "This link was used already"],
  CANCELLED: [UserErrorCode.CANCELLED, "This email change was cancelled"],
  SUPERSEDED: [UserErrorCode.SUPERSEDED, "A newer link replaced this one"],
  UNKNOWN: [UserErrorCode.UNKNOWN_TOKEN, "This link is not valid"],
  TAKEN: [UserErrorCode.TAKEN, "Another login uses this address already"],
};

/** Applies the change of a valid token in the caller's unit of work; every other outcome writes nothing. */
async function settle(uow: UnitOfWork, token: string): Promise<Settled> {
  if (!token || token.length > 100) return { outcome: "UNKNOWN" };
  const { tx } = uow;
  const [v] = await tx.query(
    `SELECT v.id, v.customer_id, v.purpose, v.target_id, v.new_email, v.status, v.expires_at, c.locale, c.customer_number, c.reseller_id
     FROM email_verifications v LEFT JOIN customers c ON c.id = v.customer_id WHERE v.token_hash = ? FOR UPDATE`,
    [sha256(token)],
  );
  if (!v) return { outcome: "UNKNOWN" };
  const locale: string = v.locale ?? "de";
  if (v.status === Status.CONFIRMED) return { outcome: "ALREADY_USED", locale };
  if (v.status === Status.CANCELLED) return { outcome: "CANCELLED", locale };
  if (v.status === Status.SUPERSEDED) return { outcome: "SUPERSEDED", locale };
  // Checked here, not left to the sweep: a link past its expiry fails at once.
  if (v.status === Status.EXPIRED || v.expires_at.getTime() <= Date.now()) return { outcome: "EXPIRED", locale };

  // The module that owns the target row changes it.
  const target = emailTargetOf(v.purpose as Purpose);
  const row = await target.lock(tx, v.target_id);
  if (!row) return { outcome: "UNKNOWN", locale };
  try {
    await target.apply(tx, v.target_id, v.new_email);
  } catch (error) {
    if (isDuplicateKey(error)) return { outcome: "TAKEN", locale };
    throw error;
  }
  const old = (row.email as string | null)?.trim() || null;
  await tx.query(
    "UPDATE email_verifications SET status = 'CONFIRMED', confirmed_at = CURRENT_TIMESTAMP(3), previous_email = ? WHERE id = ?",
    [old, v.id],
  );
  const customer = v.customer_id ? { dbId: v.customer_id, resellerId: v.reseller_id, customerNumber: v.customer_number } : null;
  await uow.audit(
    "email.change.confirmed",
    { purpose: v.purpose, targetId: v.target_id, from: row.email, to: v.new_email, via: "confirmation link" },
    customer,
  );
  if (old && old.toLowerCase() !== String(v.new_email).toLowerCase()) await uow.emit("email-replaced", { verificationId: v.id });
  return { outcome: "CONFIRMED", verificationId: v.id, locale };
}

type VerificationOutcome = Outcome<{ verification?: EmailVerificationNode }>;

/**
 * Cancel and resend: the work runs in a unit of work on the verification once the caller may act
 * on it. Unknown ids, other customers' changes and other users' login changes are refused alike.
 */
async function actOn(
  ctx: Context,
  verificationGid: string,
  work: (uow: UnitOfWork, verification: EmailVerificationNode) => Promise<void>,
): Promise<VerificationOutcome> {
  const verification = await EmailVerificationService.byId(ctx, idOfType(verificationGid, "EmailVerification", "id"));
  const reply = async (v: EmailVerificationNode) => ({ verification: (await EmailVerificationService.byId(ctx, v.dbId)) ?? undefined });
  const ownLogin =
    verification?.purpose === Purpose.LOGIN_EMAIL && ctx.principal.kind !== "anonymous" && ctx.principal.userId === verification.targetId;
  if (verification && ownLogin) {
    return mutateUntargeted(ctx, { write: (uow) => work(uow, verification), reply: () => reply(verification) });
  }
  // A customer's change, under the rule of its purpose. Without a customer (an unknown id, another
  // user's login) mutate refuses before any rule is consulted.
  const rule = (verification && RULES[verification.purpose]) ?? "editMaster";
  const load = async () =>
    verification && { verification, customer: verification.customerId ? await customerRef(ctx, verification.customerId) : null };
  return mutate(
    ctx,
    { rule, load: load() },
    { write: (uow, target) => work(uow, target.verification), reply: (_, target) => reply(target.verification) },
  );
}

/** Refuses a change that is no longer pending (a pending one past its expiry reads as expired). */
function assertPending(v: EmailVerificationNode): void {
  if (v.status !== Status.PENDING) refuse(UserErrorCode.NOT_PENDING, `This email change is ${v.status.toLowerCase()}`, ["id"]);
}

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
    { config }: Pick<Context, "config">,
    change: { purpose: Purpose; targetId: number; customerId: number | null; newEmail: string },
  ): Promise<number> {
    const { tx } = uow;
    tx.defer("UPDATE email_verifications SET status = 'SUPERSEDED' WHERE purpose = ? AND target_id = ? AND status = 'PENDING'", [
      change.purpose,
      change.targetId,
    ]);
    const secret = newLinkSecret(config.linkTokenKeys);
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
        new Date(Date.now() + config.emailVerificationTtlMs),
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

  /**
   * What a confirmation link would confirm (GET /verify-email shows it with a button), without
   * changing anything: a link scanner that follows the link confirms nothing.
   */
  async preview(
    ctx: Context,
    token: string,
  ): Promise<
    | { outcome: "PENDING"; purpose: Purpose; newEmail: string; locale: string }
    | { outcome: Exclude<ConfirmOutcome, "CONFIRMED" | "TAKEN">; locale?: string }
  > {
    if (!token || token.length > 100) return { outcome: "UNKNOWN" };
    const [v] = await ctx.db.query(
      `SELECT v.purpose, v.new_email, v.status, v.expires_at, c.locale
       FROM email_verifications v LEFT JOIN customers c ON c.id = v.customer_id WHERE v.token_hash = ?`,
      [sha256(token)],
    );
    if (!v) return { outcome: "UNKNOWN" };
    const locale: string = v.locale ?? "de";
    if (v.status === Status.CONFIRMED) return { outcome: "ALREADY_USED", locale };
    if (v.status === Status.CANCELLED) return { outcome: "CANCELLED", locale };
    if (v.status === Status.SUPERSEDED) return { outcome: "SUPERSEDED", locale };
    if (v.status === Status.EXPIRED || v.expires_at.getTime() <= Date.now()) return { outcome: "EXPIRED", locale };
    return { outcome: "PENDING", purpose: v.purpose as Purpose, newEmail: v.new_email, locale };
  },

  /** The confirmation link's button (POST /verify-email): its outcome, and the locale of the page that tells it. */
  confirmLink(ctx: Context, token: string): Promise<Settled> {
    return unitOfWork({ db: ctx.db, outbox: ctx.outbox, principal: ctx.principal }, (uow) => settle(uow, token));
  },

  /** emailVerificationConfirm: a token that does not confirm is refused with its reason. */
  confirm(ctx: Context, token: string): Promise<VerificationOutcome> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (token.length > 100) refuse(UserErrorCode.INVALID_INPUT, "token is too long", ["token"]);
        const settled = await settle(uow, token);
        if (settled.outcome !== "CONFIRMED") refuse(...CONFIRM_REFUSALS[settled.outcome], ["token"]);
        return settled.verificationId;
      },
      // No access check: the token was the proof.
      reply: async (id) => ({ verification: (await EmailVerificationService.byId(ctx, id)) ?? undefined }),
    });
  },

  /** Cancels a pending change; its link stops working. */
  cancel(ctx: Context, verificationGid: string): Promise<VerificationOutcome> {
    return actOn(ctx, verificationGid, async (uow, v) => {
      assertPending(v);
      const result = await uow.tx.query("UPDATE email_verifications SET status = 'CANCELLED' WHERE id = ? AND status = 'PENDING'", [
        v.dbId,
      ]);
      if (!result.affectedRows) refuse(UserErrorCode.NOT_PENDING, "This email change is not pending any more", ["id"]);
      await uow.audit("email.change.cancelled", { purpose: v.purpose, newEmail: v.newEmail });
    });
  },

  /** Sends a fresh link (the previous one stops working); at most once a minute. */
  resend(ctx: Context, verificationGid: string): Promise<VerificationOutcome> {
    return actOn(ctx, verificationGid, async (uow, v) => {
      assertPending(v);
      const [row] = await uow.tx.query(
        "SELECT COALESCE(last_sent_at, created_at) AS sent FROM email_verifications WHERE id = ? AND status = 'PENDING' FOR UPDATE",
        [v.dbId],
      );
      if (!row) refuse(UserErrorCode.NOT_PENDING, "This email change is not pending any more", ["id"]);
      const wait = row.sent.getTime() + RESEND_COOLDOWN_MS - Date.now();
      if (wait > 0) refuse(UserErrorCode.COOLDOWN, `You can resend in ${Math.ceil(wait / 1000)} seconds`, ["id"]);
      // A new secret: the link asked for replaces the old one, which stops working now.
      const secret = newLinkSecret(ctx.config.linkTokenKeys);
      await uow.tx.query(
        "UPDATE email_verifications SET token_hash = ?, token_seed = ?, token_key_id = ?, delivery_state = 'QUEUED', delivery_error = NULL, last_sent_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
        [secret.hash, secret.seed, secret.keyId, v.dbId],
      );
      await uow.emit("email-verification", { verificationId: v.dbId });
    });
  },

  /** The new address waiting for confirmation for one target, from the customer's pending list (one query per request). */
  async pendingEmail(ctx: Context, customerId: number, purpose: Purpose, targetId: number): Promise<string | null> {
    const pending = await EmailVerificationService.pendingOfCustomer(ctx, customerId);
    return pending.find((v) => v.purpose === purpose && v.targetId === targetId)?.newEmail ?? null;
  },
};
