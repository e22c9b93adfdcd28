import { createHmac, hkdfSync, randomInt } from "node:crypto";
import { EncryptionKeys } from "../config";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { SessionSubject, subjectName } from "./sessions";
import { auditedCustomerOf, loginDetail, ownFactorSubject, secondFactorLimit } from "./second-factor-subject";

/** How many recovery codes a login gets at a time. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32: no I, L, O or U, so that a code read off paper is typed back right.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** A new code: 10 characters from the CSPRNG (50 bits), shown as "xxxxx-xxxxx". */
function newCode(): string {
  const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`;
}

/** What a code is compared as: case, dashes and spaces ignored, and the letters Crockford reads as digits. */
export const normalizeRecoveryCode = (code: string): string =>
  code.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");

// An HMAC, not a slow password hash: a code has 50 random bits, far beyond what any hash cost
// could add to, and each guess online goes through the rate limit. Keyed (from TOTP_ENCRYPTION_KEYS
// by HKDF, so the AES key is not used twice) and bound to the login: a database dump alone does not
// let one sweep of the 2^50 codes recover every login's codes.
const macKey = (key: Buffer): Buffer => Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "konto recovery codes", 32));

/** The code's hash under each listed key, the current one first (a code made before a rotation still works). */
const hashesOf = (keys: EncryptionKeys, subject: SessionSubject, code: string): Buffer[] =>
  [keys.currentId, ...[...keys.all.keys()].filter((id) => id !== keys.currentId)].map((id) =>
    createHmac("sha256", macKey(keys.all.get(id)!))
      .update(`${subjectName(subject)}:${normalizeRecoveryCode(code)}`)
      .digest(),
  );

/**
 * Recovery codes: single-use codes that stand in for the second factor when the authenticator is
 * lost. Only their hashes are stored; the codes are shown once, when made.
 */
export const RecoveryCodes = {
  /** Removes every code of the login (a staff reset), in the caller's unit of work. */
  async removeAll(uow: UnitOfWork, subject: SessionSubject): Promise<void> {
    await uow.tx.query("DELETE FROM recovery_codes WHERE subject_kind = ? AND subject_id = ?", [subject.kind, subject.id]);
  },

  /** Unused codes of the login. */
  async left(db: DataSource | Transaction, subject: SessionSubject): Promise<number> {
    const [row] = await db.query("SELECT COUNT(*) AS n FROM recovery_codes WHERE subject_kind = ? AND subject_id = ? AND used_at IS NULL", [
      subject.kind,
      subject.id,
    ]);
    return Number(row.n);
  },

  /** Replaces every code of the login with RECOVERY_CODE_COUNT new ones, and returns them (the only time they are seen). */
  async replace(tx: Transaction, keys: EncryptionKeys, subject: SessionSubject): Promise<string[]> {
    const codes = new Set<string>();
    while (codes.size < RECOVERY_CODE_COUNT) codes.add(newCode());
    await tx.query("DELETE FROM recovery_codes WHERE subject_kind = ? AND subject_id = ?", [subject.kind, subject.id]);
    await tx.query("INSERT INTO recovery_codes (subject_kind, subject_id, code_hash) VALUES ?", [
      [...codes].map((code) => [subject.kind, subject.id, hashesOf(keys, subject, code)[0]]),
    ]);
    return [...codes];
  },

  /**
   * Uses up a recovery code of the login, in the caller's unit of work (the login completion).
   * Rate limited with the TOTP codes (throws RATE_LIMITED); a wrong code counts as a failure.
   * On success the code is marked used, audited, and the login's address is told (with how many
   * are left).
   */
  async redeem(ctx: Context, uow: UnitOfWork, subject: SessionSubject, code: string): Promise<boolean> {
    const limits = [secondFactorLimit(subject)];
    // Reserves the attempt: guesses sent in parallel cannot all pass before the first failure counts.
    const release = await ctx.auth.limiter.begin(limits);
    let row: { id: number } | undefined;
    try {
      const normalized = normalizeRecoveryCode(code);
      [row] =
        normalized.length === 10
          ? await uow.tx.query(
              "SELECT id FROM recovery_codes WHERE subject_kind = ? AND subject_id = ? AND code_hash IN (?) AND used_at IS NULL LIMIT 1 FOR UPDATE",
              [subject.kind, subject.id, hashesOf(ctx.config.totpEncryptionKeys, subject, normalized)],
            )
          : [];
      if (!row) await ctx.auth.limiter.recordFailure(limits);
    } finally {
      await release();
    }
    if (!row) return false;
    await uow.tx.query("UPDATE recovery_codes SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [row.id]);
    const left = await RecoveryCodes.left(uow.tx, subject);
    await uow.audit("second-factor.recovery-code.used", { ...loginDetail(subject), left }, await auditedCustomerOf(uow.tx, subject));
    await uow.emit("recovery-code-used", { subjectKind: subject.kind as "USER" | "CUSTOMER", subjectId: subject.id, left });
    await ctx.auth.limiter.reset(limits[0]);
    return true;
  },

  /** The caller's new set of codes (the old ones stop working), returned once. */
  regenerate(ctx: Context): Promise<Outcome<{ recoveryCodes: string[] }>> {
    const subject = ownFactorSubject(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const recoveryCodes = await RecoveryCodes.replace(uow.tx, ctx.config.totpEncryptionKeys, subject);
        await uow.audit("second-factor.recovery-codes.regenerated", loginDetail(subject), await auditedCustomerOf(uow.tx, subject));
        await uow.emit("second-factor-changed", { subjectKind: subject.kind, subjectId: subject.id, change: "recovery-codes-regenerated" });
        return { recoveryCodes };
      },
    });
  },
};
