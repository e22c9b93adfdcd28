import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { z } from "zod";
import { forbidden } from "../access/access";
import { Context } from "../platform/context";
import { parseGlobalId, toGlobalId } from "../platform/global-id";
import { jsonColumn, Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { AuditedCustomer, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";
import { ownSubject, SessionSubject, subjectName } from "./sessions";

/** A passkey as its owner sees it. */
export interface PasskeyRow {
  id: number;
  subject: SessionSubject;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** How long a registration or sign-in may take between its options and its response. */
const CHALLENGE_TTL_SECONDS = 300;
/** Enough for every device of a person; it also bounds the lists sent to authenticators. */
const MAX_PASSKEYS = 20;
const NAME_MAX = 100;

type ChallengePurpose = "REGISTER" | "AUTHENTICATE";

const PASSKEY_COLUMNS = "id, subject_kind, subject_id, name, created_at, last_used_at";
const toPasskey = (row: Row): PasskeyRow => ({
  id: Number(row.id),
  subject: { kind: row.subject_kind, id: Number(row.subject_id) },
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

const sameSubject = (a: SessionSubject | null, b: SessionSubject | null) =>
  a === null || b === null ? a === b : a.kind === b.kind && a.id === b.id;

/** The outer shape of a credential response (the browser's PublicKeyCredential as JSON); the library checks the rest. */
const CredentialResponse = z
  .object({
    id: z.string().min(1).max(1400),
    rawId: z.string().min(1).max(1400),
    type: z.literal("public-key"),
    response: z.object({ clientDataJSON: z.string().min(1).max(8192) }).passthrough(),
    clientExtensionResults: z.object({}).passthrough().default({}),
  })
  .passthrough();

/** The challenge a response says it signed (clientDataJSON.challenge), or null when it names none. */
function namedChallenge(response: z.infer<typeof CredentialResponse>): string | null {
  try {
    const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"));
    return typeof clientData?.challenge === "string" ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/** The opaque user handle of a login: its subject name, so a discoverable credential names whose it is (no personal data). */
const userHandle = (subject: SessionSubject) => Buffer.from(subjectName(subject), "utf8");

/** Someone else's passkey and an unknown id get the same answer. */
const notYours = () => forbidden("This passkey is not yours to see or change");

const refuseBadResponse = (): never =>
  refuse(UserErrorCode.INVALID_SECOND_FACTOR, "The passkey's answer does not verify; start again", ["response"]);

/**
 * Passkeys (WebAuthn) of a login: a personal login (USER) or the customer-number login (CUSTOMER).
 * Registration, listing, renaming and removal are the login's own business (GraphQL, step-up
 * first); `authenticationOptions` and `verifyAuthentication` are what sign-in with a passkey (as a
 * second factor, or passwordless with a discoverable credential) is built on.
 *
 * Challenges are single use: a response is checked against the challenge it names, and that
 * challenge is used up in a statement of its own, committed at once, so that no rollback of the
 * caller's transaction can make it usable again.
 */
export const PasskeyService = {
  /** Whether the login has at least one passkey. */
  async registered(db: DataSource | Transaction, subject: SessionSubject): Promise<boolean> {
    const rows: Row[] = await db.query("SELECT 1 FROM passkeys WHERE subject_kind = ? AND subject_id = ? LIMIT 1", [
      subject.kind,
      subject.id,
    ]);
    return rows.length > 0;
  },

  /** Removes every passkey of the login (a staff reset), in the caller's unit of work. */
  async removeAll(uow: UnitOfWork, subject: SessionSubject): Promise<void> {
    await uow.tx.query("DELETE FROM passkeys WHERE subject_kind = ? AND subject_id = ?", [subject.kind, subject.id]);
  },

  /** The login's passkeys, oldest first. */
  async list(db: DataSource | Transaction, subject: SessionSubject): Promise<PasskeyRow[]> {
    const rows: Row[] = await db.query(
      `SELECT ${PASSKEY_COLUMNS} FROM passkeys WHERE subject_kind = ? AND subject_id = ? ORDER BY id LIMIT ${MAX_PASSKEYS * 2}`,
      [subject.kind, subject.id],
    );
    return rows.map(toPasskey);
  },

  /** The caller's own passkeys; none for API clients. */
  async own(ctx: Context): Promise<PasskeyRow[]> {
    const subject = ownSubject(ctx);
    return subject ? PasskeyService.list(ctx.db, subject) : [];
  },

  /**
   * Options for navigator.credentials.get and the id of their single-use challenge (5 minutes).
   * With a subject (a second factor): its passkeys are the allowed credentials. Without (a
   * passwordless sign-in): any discoverable credential, and user verification is required, since
   * the passkey is then the only factor.
   */
  async authenticationOptions(
    ctx: Context,
    subject: SessionSubject | null,
  ): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const allowCredentials = subject ? await credentialsOf(ctx.db, subject) : undefined;
    const options = await generateAuthenticationOptions({
      rpID: ctx.config.webauthn.rpId,
      allowCredentials,
      userVerification: subject ? "preferred" : "required",
      timeout: CHALLENGE_TTL_SECONDS * 1000,
    });
    const challengeId = await storeChallenge(ctx.db, options.challenge, "AUTHENTICATE", subject);
    return { challengeId, options };
  },

  /**
   * Checks a passkey's answer to a challenge of `authenticationOptions`: the challenge (used up
   * here, whatever the outcome), that the credential belongs to `subject` when one is given, the
   * signature, origin and relying party, and that the signature counter moved forward. Updates the
   * counter and the time of last use in `uow`. Null when anything does not hold; the caller refuses.
   * Whether the login may still sign in (disabled, closed) is the caller's to check.
   */
  async verifyAuthentication(
    ctx: Context,
    uow: UnitOfWork,
    challengeId: string,
    response: unknown,
    subject: SessionSubject | null,
  ): Promise<{ subject: SessionSubject; userVerified: boolean } | null> {
    const parsed = CredentialResponse.safeParse(response);
    if (!parsed.success) return null;
    const challenge = await useChallenge(ctx, challengeId, "AUTHENTICATE", subject, parsed.data);
    if (!challenge) return null;
    const [passkey]: Row[] = await uow.tx.query(
      "SELECT id, subject_kind, subject_id, public_key, sign_count, transports FROM passkeys WHERE credential_id = ? FOR UPDATE",
      [Buffer.from(parsed.data.id, "base64url")],
    );
    if (!passkey) return null;
    const owner: SessionSubject = { kind: passkey.subject_kind, id: Number(passkey.subject_id) };
    if (subject && !sameSubject(owner, subject)) return null;
    // A discoverable credential names its login too: it must be the one the credential was registered to.
    const handle = (parsed.data.response as { userHandle?: unknown }).userHandle;
    if (typeof handle === "string" && handle && !Buffer.from(handle, "base64url").equals(userHandle(owner))) return null;

    const stored = Number(passkey.sign_count);
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response: parsed.data as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: ctx.config.webauthn.origins,
        expectedRPID: ctx.config.webauthn.rpId,
        credential: {
          id: parsed.data.id,
          publicKey: new Uint8Array(passkey.public_key),
          counter: stored,
          transports: jsonColumn<string[]>(passkey.transports) ?? undefined,
        },
        requireUserVerification: subject === null,
      });
    } catch (error) {
      ctx.log.info({ err: error, passkeyId: Number(passkey.id) }, "passkey assertion refused");
      return null;
    }
    const { newCounter, userVerified } = verified.authenticationInfo;
    // A counter that did not move forward means a cloned authenticator (0 and 0: one that keeps none).
    if (!verified.verified || ((newCounter > 0 || stored > 0) && newCounter <= stored)) return null;
    await uow.tx.query("UPDATE passkeys SET sign_count = ?, last_used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [newCounter, passkey.id]);
    return { subject: owner, userVerified };
  },

  /** Starts registering a passkey for the caller's own login: options for navigator.credentials.create. */
  registrationStart(ctx: Context): Promise<Outcome<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>> {
    const subject = ownLogin(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const existing = await credentialsOf(uow.tx, subject);
        if (existing.length >= MAX_PASSKEYS) tooMany();
        const names = await namesOf(uow.tx, subject);
        const options = await generateRegistrationOptions({
          rpName: ctx.config.webauthn.rpName,
          rpID: ctx.config.webauthn.rpId,
          userID: new Uint8Array(userHandle(subject)),
          userName: names.userName,
          userDisplayName: names.displayName,
          attestationType: "none",
          excludeCredentials: existing,
          authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
          timeout: CHALLENGE_TTL_SECONDS * 1000,
        });
        const challengeId = await storeChallenge(uow.tx, options.challenge, "REGISTER", subject);
        return { challengeId, options };
      },
    });
  },

  /** Completes a registration: verifies the authenticator's answer and stores the passkey; audited and emailed. */
  registrationFinish(
    ctx: Context,
    challengeId: string,
    response: unknown,
    name: string | null | undefined,
  ): Promise<Outcome<{ passkey?: PasskeyRow }>> {
    const subject = ownLogin(ctx);
    return mutateUntargeted(ctx, {
      stepUp: true,
      prepare: async () => {
        const label = checkedName(name ?? "Passkey");
        const parsed = CredentialResponse.safeParse(response);
        if (!parsed.success) return refuseBadResponse();
        const challenge = await useChallenge(ctx, challengeId, "REGISTER", subject, parsed.data);
        if (!challenge) {
          refuse(UserErrorCode.EXPIRED, "This registration has expired, was finished already or is not yours; start again", [
            "challengeId",
          ]);
        }
        try {
          const verified = await verifyRegistrationResponse({
            response: parsed.data as unknown as RegistrationResponseJSON,
            expectedChallenge: challenge,
            expectedOrigin: ctx.config.webauthn.origins,
            expectedRPID: ctx.config.webauthn.rpId,
            // "preferred" when asked: a second factor does not need it; a passwordless sign-in asks again.
            requireUserVerification: false,
          });
          if (verified.verified) return { label, credential: verified.registrationInfo.credential };
        } catch (error) {
          ctx.log.info({ err: error }, "passkey registration refused");
        }
        return refuseBadResponse();
      },
      write: async (uow, { label, credential }) => {
        const credentialId = Buffer.from(credential.id, "base64url");
        const [taken] = await uow.tx.query("SELECT 1 FROM passkeys WHERE credential_id = ?", [credentialId]);
        if (taken) refuse(UserErrorCode.TAKEN, "This passkey is registered already", ["response"]);
        if ((await credentialsOf(uow.tx, subject)).length >= MAX_PASSKEYS) tooMany();
        const result = await uow.tx.query(
          `INSERT INTO passkeys (subject_kind, subject_id, credential_id, public_key, sign_count, transports, name)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [
            subject.kind,
            subject.id,
            credentialId,
            Buffer.from(credential.publicKey),
            credential.counter,
            credential.transports ? JSON.stringify(credential.transports) : null,
            label,
          ],
        );
        const id = Number(result.insertId);
        await uow.audit(
          "passkey.added",
          { passkeyId: id, name: label, login: subjectName(subject) },
          await auditedCustomer(uow.tx, subject),
        );
        await uow.emit("second-factor-changed", { ...notified(subject), change: "passkey-added" });
        return id;
      },
      reply: async (id) => ({ passkey: (await passkeyById(ctx.db, id)) ?? undefined }),
    });
  },

  /** Renames one of the caller's own passkeys. */
  async rename(ctx: Context, globalId: string, name: string): Promise<Outcome<{ passkey?: PasskeyRow }>> {
    const passkey = await ownPasskey(ctx, globalId);
    return mutateUntargeted(ctx, {
      stepUp: true,
      prepare: async () => {
        return checkedName(name);
      },
      write: async (uow, label) => {
        await uow.tx.query("UPDATE passkeys SET name = ? WHERE id = ?", [label, passkey.id]);
        await uow.audit(
          "passkey.renamed",
          { passkeyId: passkey.id, from: passkey.name, to: label, login: subjectName(passkey.subject) },
          await auditedCustomer(uow.tx, passkey.subject),
        );
      },
      reply: async () => ({ passkey: (await passkeyById(ctx.db, passkey.id)) ?? undefined }),
    });
  },

  /** Removes one of the caller's own passkeys; audited and emailed. */
  async remove(ctx: Context, globalId: string): Promise<Outcome<{ ok: boolean }>> {
    const passkey = await ownPasskey(ctx, globalId);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const result = await uow.tx.query("DELETE FROM passkeys WHERE id = ?", [passkey.id]);
        // Removed meanwhile (another request): nothing to tell anyone twice.
        if (result.affectedRows !== 1) return { ok: true };
        await uow.audit(
          "passkey.removed",
          { passkeyId: passkey.id, name: passkey.name, login: subjectName(passkey.subject) },
          await auditedCustomer(uow.tx, passkey.subject),
        );
        await uow.emit("second-factor-changed", { ...notified(passkey.subject), change: "passkey-removed" });
        return { ok: true };
      },
    });
  },
};

export const toPasskeyGlobalId = (id: number) => toGlobalId("Passkey", id);

/** The caller's login; API clients have no passkeys. */
function ownLogin(ctx: Context): SessionSubject {
  const subject = ownSubject(ctx);
  if (!subject) throw forbidden("API clients have no passkeys");
  return subject;
}

/** Whom the security email goes to: passkeys belong to personal and customer-number logins only. */
const notified = (subject: SessionSubject) => ({
  subjectKind: subject.kind === RefreshSubjectKind.CUSTOMER ? ("CUSTOMER" as const) : ("USER" as const),
  subjectId: subject.id,
});

/** One of the caller's passkeys by global id; FORBIDDEN alike for unknown and someone else's. */
async function ownPasskey(ctx: Context, globalId: string): Promise<PasskeyRow> {
  const subject = ownLogin(ctx);
  const parsed = parseGlobalId(globalId);
  const passkey = parsed?.type === "Passkey" ? await passkeyById(ctx.db, parsed.id) : null;
  if (!passkey || !sameSubject(passkey.subject, subject)) throw notYours();
  return passkey;
}

async function passkeyById(db: DataSource | Transaction, id: number): Promise<PasskeyRow | null> {
  const [row]: Row[] = await db.query(`SELECT ${PASSKEY_COLUMNS} FROM passkeys WHERE id = ?`, [id]);
  return row ? toPasskey(row) : null;
}

/** The login's credentials as WebAuthn options list them (excluded at registration, allowed at sign-in). */
async function credentialsOf(db: DataSource | Transaction, subject: SessionSubject): Promise<{ id: string; transports?: string[] }[]> {
  const rows: Row[] = await db.query(
    `SELECT credential_id, transports FROM passkeys WHERE subject_kind = ? AND subject_id = ? ORDER BY id LIMIT ${MAX_PASSKEYS * 2}`,
    [subject.kind, subject.id],
  );
  return rows.map((row) => ({
    id: Buffer.from(row.credential_id).toString("base64url"),
    transports: jsonColumn<string[]>(row.transports) ?? undefined,
  }));
}

/** What authenticators show for the login: its email, or the customer number and company. */
async function namesOf(tx: Transaction, subject: SessionSubject): Promise<{ userName: string; displayName: string }> {
  if (subject.kind === RefreshSubjectKind.CUSTOMER) {
    const [c]: Row[] = await tx.query("SELECT customer_number, company_name FROM customers WHERE id = ?", [subject.id]);
    if (c) return { userName: c.customer_number, displayName: c.company_name ?? c.customer_number };
  } else {
    const [u]: Row[] = await tx.query("SELECT email, display_name FROM users WHERE id = ?", [subject.id]);
    if (u) return { userName: u.email, displayName: u.display_name ?? u.email };
  }
  return { userName: subjectName(subject), displayName: subjectName(subject) };
}

/** The customer-number login's changes belong in its customer's audit log; a personal login's in none. */
async function auditedCustomer(tx: Transaction, subject: SessionSubject): Promise<AuditedCustomer | null> {
  if (subject.kind !== RefreshSubjectKind.CUSTOMER) return null;
  const [c]: Row[] = await tx.query("SELECT id, reseller_id, customer_number FROM customers WHERE id = ?", [subject.id]);
  return c ? { dbId: Number(c.id), resellerId: c.reseller_id, customerNumber: c.customer_number } : null;
}

function checkedName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > NAME_MAX)
    refuse(UserErrorCode.INVALID_INPUT, `Give the passkey a name of 1 to ${NAME_MAX} characters`, ["name"]);
  return name;
}

function tooMany(): never {
  return refuse(UserErrorCode.INVALID_INPUT, `A login has at most ${MAX_PASSKEYS} passkeys; remove one first`);
}

/** Stores a challenge for 5 minutes; returns its id. Expired ones (anyone may ask for sign-in options) go on the way. */
async function storeChallenge(
  db: DataSource | Transaction,
  challenge: string,
  purpose: ChallengePurpose,
  subject: SessionSubject | null,
): Promise<string> {
  await db.query("DELETE FROM webauthn_challenges WHERE expires_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR LIMIT 100");
  const result = await db.query(
    `INSERT INTO webauthn_challenges (challenge, purpose, subject_kind, subject_id, expires_at)
     VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ${CHALLENGE_TTL_SECONDS} SECOND)`,
    [challenge, purpose, subject?.kind ?? null, subject?.id ?? null],
  );
  return toGlobalId("WebAuthnChallenge", Number(result.insertId));
}

/**
 * Uses up the challenge a response answers: it must be live, for this purpose and this subject
 * (null: passwordless), and be the one the response signed, so that ids alone cannot burn others'
 * challenges. Committed at once on its own connection. Returns the challenge, or null.
 */
async function useChallenge(
  ctx: Context,
  challengeId: string,
  purpose: ChallengePurpose,
  subject: SessionSubject | null,
  response: z.infer<typeof CredentialResponse>,
): Promise<string | null> {
  const parsed = parseGlobalId(challengeId);
  if (parsed?.type !== "WebAuthnChallenge") return null;
  const [row]: Row[] = await ctx.db.query(
    `SELECT challenge, purpose, subject_kind, subject_id FROM webauthn_challenges
     WHERE id = ? AND used_at IS NULL AND expires_at > CURRENT_TIMESTAMP(3)`,
    [parsed.id],
  );
  if (!row || row.purpose !== purpose) return null;
  const owner = row.subject_kind ? { kind: row.subject_kind, id: Number(row.subject_id) } : null;
  if (!sameSubject(owner, subject) || namedChallenge(response) !== row.challenge) return null;
  const result = await ctx.db.query(
    "UPDATE webauthn_challenges SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND used_at IS NULL AND expires_at > CURRENT_TIMESTAMP(3)",
    [parsed.id],
  );
  return result.affectedRows === 1 ? row.challenge : null;
}
