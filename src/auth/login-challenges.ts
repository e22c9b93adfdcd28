import { Transaction } from "../platform/transactions";
import { randomToken, sha256 } from "../access/tokens";
import { Context } from "../platform/context";
import { RefreshSubjectKind } from "./auth.enums";
import { PasskeyService } from "./passkeys.service";
import { SessionSubject } from "./sessions";

/** How long the step between a right password and the second factor may take. */
export const LOGIN_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** authLogin's answer when the password was right and a second factor must follow. */
export interface SecondFactorChallenge {
  challenge: string;
  methods: ("TOTP" | "PASSKEY" | "RECOVERY_CODE")[];
  /** For a passkey: the options to hand to navigator.credentials.get(). */
  passkeyOptions: unknown;
}

export const challengeReply = (c: SecondFactorChallenge) => ({
  secondFactorRequired: true,
  secondFactorChallenge: c.challenge,
  secondFactorMethods: c.methods,
  passkeyOptions: c.passkeyOptions,
});

/** The pending second step of logins: a random token (only its SHA-256 stored), single use, short-lived. */
export const LoginChallenges = {
  /** A challenge for a login whose password was right; `methods` are the second factors it has (SecondFactors.methods). */
  async issue(
    ctx: Context,
    tx: Transaction,
    subject: SessionSubject,
    methods: SecondFactorChallenge["methods"],
  ): Promise<SecondFactorChallenge> {
    const passkey = methods.includes("PASSKEY") ? await PasskeyService.authenticationOptions(ctx, subject) : null;
    const challenge = randomToken();
    await tx.query(
      "INSERT INTO login_challenges (token_hash, subject_kind, subject_id, passkey_challenge_id, expires_at) VALUES (?, ?, ?, ?, ?)",
      [sha256(challenge), subject.kind, subject.id, passkey?.challengeId ?? null, new Date(Date.now() + LOGIN_CHALLENGE_TTL_MS)],
    );
    return { challenge, methods, passkeyOptions: passkey?.options ?? null };
  },

  /**
   * Uses up a challenge in the caller's transaction: its login, or null when it is unknown, used or
   * expired. A refusal after this rolls the use back, so a mistyped code can be tried again.
   */
  async redeem(tx: Transaction, challenge: string): Promise<{ subject: SessionSubject; passkeyChallengeId: string | null } | null> {
    const [row] = await tx.query(
      "SELECT id, subject_kind, subject_id, passkey_challenge_id, expires_at, used_at FROM login_challenges WHERE token_hash = ? FOR UPDATE",
      [sha256(challenge)],
    );
    if (!row || row.used_at || row.expires_at.getTime() <= Date.now()) return null;
    await tx.query("UPDATE login_challenges SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [row.id]);
    return {
      subject: { kind: row.subject_kind as RefreshSubjectKind, id: Number(row.subject_id) },
      passkeyChallengeId: row.passkey_challenge_id,
    };
  },
};
