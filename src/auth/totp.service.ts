import { Secret, TOTP } from "otpauth";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { EncryptionKeys } from "../config";
import { openSecret, sealSecret, SealedSecret } from "../access/secret-box";
import { Context } from "../platform/context";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { RecoveryCodes } from "./recovery-codes.service";
import { auditedCustomerOf, loginAddress, loginDetail, ownFactorSubject, secondFactorLimit } from "./second-factor-subject";
import { SessionSubject, subjectName } from "./sessions";

// What every authenticator app understands: SHA-1, 6 digits, 30 seconds (RFC 6238's defaults).
const TOTP_PARAMETERS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
/** Codes of one step before or after now are accepted too: clocks drift, and typing takes time. */
const WINDOW = 1;
const SECRET_BYTES = 20;
const CODE_FIELD = ["code"];

interface FactorRow {
  id: number;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  keyId: string;
  confirmed: boolean;
  lastUsedStep: number | null;
}

type EncryptedSecret = SealedSecret;

// The ciphertext is bound to its login (additional data): a row's secret copied to another
// login's row does not decrypt there.
const boundTo = (subject: SessionSubject) => `totp:${subjectName(subject)}`;

/** AES-256-GCM under the current key of TOTP_ENCRYPTION_KEYS. */
export function encryptSecret(keys: EncryptionKeys, subject: SessionSubject, secret: Buffer): EncryptedSecret {
  return sealSecret(keys, boundTo(subject), secret);
}

/** Decrypts with the key the secret names; a key no longer listed is a deployment fault, not the user's. */
export function decryptSecret(keys: EncryptionKeys, subject: SessionSubject, encrypted: EncryptedSecret): Buffer {
  return openSecret(keys, boundTo(subject), encrypted, `The TOTP secret of ${subjectName(subject)}`, "TOTP_ENCRYPTION_KEYS");
}

const totpOf = (secret: Buffer, issuer?: string, label?: string) =>
  new TOTP({ ...TOTP_PARAMETERS, issuer, label, secret: new Secret({ buffer: Uint8Array.from(secret).buffer }) });

/**
 * The time step a code is valid for (now ± WINDOW), or null. A step not after `lastUsedStep` is
 * refused: a code that was accepted once cannot be used again while it is still valid.
 */
function stepOf(secret: Buffer, code: string, lastUsedStep: number | null, now = Date.now()): number | null {
  const token = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const totp = totpOf(secret);
  const delta = totp.validate({ token, timestamp: now, window: WINDOW });
  if (delta === null) return null;
  const step = totp.counter({ timestamp: now }) + delta;
  return lastUsedStep !== null && step <= lastUsedStep ? null : step;
}

async function lockFactor(tx: Transaction, subject: SessionSubject): Promise<FactorRow | null> {
  const [row] = await tx.query(
    `SELECT id, secret_ciphertext, secret_iv, secret_tag, key_id, confirmed_at, last_used_step
     FROM totp_factors WHERE subject_kind = ? AND subject_id = ? FOR UPDATE`,
    [subject.kind, subject.id],
  );
  if (!row) return null;
  return {
    id: row.id,
    ciphertext: row.secret_ciphertext,
    iv: row.secret_iv,
    tag: row.secret_tag,
    keyId: row.key_id,
    confirmed: row.confirmed_at !== null,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
  };
}

/**
 * Checks a code against the locked factor. A wrong (or replayed) code counts as a failure of the
 * login's rate limit; a right one moves last_used_step on, clears the count, and re-encrypts the
 * secret under the current key when an older one encrypted it (key rotation).
 */
async function acceptCode(ctx: Context, tx: Transaction, subject: SessionSubject, factor: FactorRow, code: string): Promise<boolean> {
  // Asked again under the row's lock: guesses sent in parallel wait here one after another, and
  // each sees the failures of those before it (the callers' first check only saves them the wait).
  await ctx.auth.limiter.assertAllowed([secondFactorLimit(subject)]);
  const keys = ctx.config.totpEncryptionKeys;
  const secret = decryptSecret(keys, subject, factor);
  const step = stepOf(secret, code, factor.lastUsedStep);
  if (step === null) {
    await ctx.auth.limiter.recordFailure([secondFactorLimit(subject)]);
    return false;
  }
  if (factor.keyId !== keys.currentId) {
    const again = encryptSecret(keys, subject, secret);
    await tx.query("UPDATE totp_factors SET secret_ciphertext = ?, secret_iv = ?, secret_tag = ?, key_id = ? WHERE id = ?", [
      again.ciphertext,
      again.iv,
      again.tag,
      again.keyId,
      factor.id,
    ]);
  }
  await tx.query("UPDATE totp_factors SET last_used_step = ?, last_used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [step, factor.id]);
  await ctx.auth.limiter.reset(secondFactorLimit(subject));
  return true;
}

const payloadSubject = (subject: SessionSubject) => ({ subjectKind: subject.kind as "USER" | "CUSTOMER", subjectId: subject.id });

/**
 * TOTP (RFC 6238) as a second factor of a login: enrolment with an otpauth:// URI confirmed by a
 * first code, verification at sign-in, removal with a current code. Secrets are encrypted at rest
 * (TOTP_ENCRYPTION_KEYS); codes are rate limited per login and cannot be replayed.
 */
export const TotpService = {
  /** Removes the login's TOTP, confirmed or not (a staff reset), in the caller's unit of work. */
  async removeAll(uow: UnitOfWork, subject: SessionSubject): Promise<void> {
    await uow.tx.query("DELETE FROM totp_factors WHERE subject_kind = ? AND subject_id = ?", [subject.kind, subject.id]);
  },

  /** Whether the login has a confirmed TOTP. */
  async enrolled(db: DataSource | Transaction, subject: SessionSubject): Promise<boolean> {
    const rows = await db.query("SELECT 1 FROM totp_factors WHERE subject_kind = ? AND subject_id = ? AND confirmed_at IS NOT NULL", [
      subject.kind,
      subject.id,
    ]);
    return rows.length > 0;
  },

  /**
   * Checks a code of the login's confirmed TOTP in the caller's unit of work (the login
   * completion). Throws the limiter's Refusal (RATE_LIMITED) while the login is locked out;
   * false for a wrong, replayed or missing factor (each counted as a failure).
   */
  async verify(ctx: Context, uow: UnitOfWork, subject: SessionSubject, code: string): Promise<boolean> {
    await ctx.auth.limiter.assertAllowed([secondFactorLimit(subject)]);
    const factor = await lockFactor(uow.tx, subject);
    if (!factor?.confirmed) {
      await ctx.auth.limiter.recordFailure([secondFactorLimit(subject)]);
      return false;
    }
    return acceptCode(ctx, uow.tx, subject, factor, code);
  },

  /**
   * Starts (or starts over) the caller's enrolment: a new secret, unconfirmed until a code of it
   * is given. Refused while a confirmed TOTP exists: that one is removed first, with a code.
   */
  enrolStart(ctx: Context): Promise<Outcome<{ otpauthUri: string; secret: string }>> {
    const subject = ownFactorSubject(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const existing = await lockFactor(uow.tx, subject);
        if (existing?.confirmed) refuse(UserErrorCode.CONFLICT, "TOTP is already enabled; disable it first to enrol a new one");
        const login = await loginAddress(uow.tx, subject);
        if (!login) refuse(UserErrorCode.NOT_FOUND, "This login does not exist any more");
        const secret = new Secret({ size: SECRET_BYTES });
        const bytes = Buffer.from(secret.buffer);
        const encrypted = encryptSecret(ctx.config.totpEncryptionKeys, subject, bytes);
        await uow.tx.query(
          `INSERT INTO totp_factors (subject_kind, subject_id, secret_ciphertext, secret_iv, secret_tag, key_id) VALUES (?, ?, ?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE secret_ciphertext = VALUES(secret_ciphertext), secret_iv = VALUES(secret_iv), secret_tag = VALUES(secret_tag),
             key_id = VALUES(key_id), confirmed_at = NULL, last_used_step = NULL, last_used_at = NULL, created_at = CURRENT_TIMESTAMP(3)`,
          [subject.kind, subject.id, encrypted.ciphertext, encrypted.iv, encrypted.tag, encrypted.keyId],
        );
        await uow.audit("second-factor.totp.enrolment-started", loginDetail(subject), await auditedCustomerOf(uow.tx, subject));
        return { otpauthUri: totpOf(bytes, ctx.config.totpIssuer, login.login).toString(), secret: secret.base32 };
      },
    });
  },

  /**
   * Confirms the caller's enrolment with a code of the new secret. The first second factor of a
   * login brings its recovery codes: when it has no unused ones, 10 are made and returned (once).
   */
  enrolConfirm(ctx: Context, code: string): Promise<Outcome<{ ok: boolean; recoveryCodes: string[] | null }>> {
    const subject = ownFactorSubject(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        await ctx.auth.limiter.assertAllowed([secondFactorLimit(subject)]);
        const factor = await lockFactor(uow.tx, subject);
        if (!factor) refuse(UserErrorCode.NOT_PENDING, "No TOTP enrolment was started; start one first", CODE_FIELD);
        if (factor.confirmed) refuse(UserErrorCode.CONFLICT, "TOTP is already enabled", CODE_FIELD);
        if (!(await acceptCode(ctx, uow.tx, subject, factor, code))) {
          refuse(
            UserErrorCode.INVALID_SECOND_FACTOR,
            "The code is not valid; check the time on your device and try the next one",
            CODE_FIELD,
          );
        }
        await uow.tx.query("UPDATE totp_factors SET confirmed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [factor.id]);
        const recoveryCodes =
          (await RecoveryCodes.left(uow.tx, subject)) === 0
            ? await RecoveryCodes.replace(uow.tx, ctx.config.totpEncryptionKeys, subject)
            : null;
        await uow.audit(
          "second-factor.totp.enrolled",
          { ...loginDetail(subject), recoveryCodesIssued: !!recoveryCodes },
          await auditedCustomerOf(uow.tx, subject),
        );
        await uow.emit("second-factor-changed", { ...payloadSubject(subject), change: "totp-enrolled" });
        return { ok: true, recoveryCodes };
      },
    });
  },

  /** Removes the caller's TOTP; needs a current code of it. Recovery codes stay (they also back passkeys). */
  disable(ctx: Context, code: string): Promise<Outcome<{ ok: boolean }>> {
    const subject = ownFactorSubject(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        await ctx.auth.limiter.assertAllowed([secondFactorLimit(subject)]);
        const factor = await lockFactor(uow.tx, subject);
        if (!factor?.confirmed) refuse(UserErrorCode.NOT_FOUND, "TOTP is not enabled", CODE_FIELD);
        if (!(await acceptCode(ctx, uow.tx, subject, factor, code)))
          refuse(UserErrorCode.INVALID_SECOND_FACTOR, "The code is not valid", CODE_FIELD);
        await uow.tx.query("DELETE FROM totp_factors WHERE id = ?", [factor.id]);
        await uow.audit("second-factor.totp.removed", loginDetail(subject), await auditedCustomerOf(uow.tx, subject));
        await uow.emit("second-factor-changed", { ...payloadSubject(subject), change: "totp-removed" });
        return { ok: true };
      },
    });
  },
};
