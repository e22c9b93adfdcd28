import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { PasskeyService } from "./passkeys.service";
import { RecoveryCodes } from "./recovery-codes.service";
import { SessionSubject } from "./sessions";
import { TotpService } from "./totp.service";

/** What proves the second factor: one of a TOTP code, a recovery code or a passkey assertion. */
export interface SecondFactorProof {
  totpCode?: string | null;
  recoveryCode?: string | null;
  /** The authenticator's response (PublicKeyCredential as JSON) to the challenge `passkeyChallengeId`. */
  passkey?: unknown;
  passkeyChallengeId?: string | null;
}

/** The second factors of a login, taken together: TOTP (totp.service), recovery codes, passkeys (passkeys.service). */
export const SecondFactors = {
  async enrolled(db: DataSource | Transaction, subject: SessionSubject): Promise<boolean> {
    return (await TotpService.enrolled(db, subject)) || (await PasskeyService.registered(db, subject));
  },

  /** Which methods a login can complete with, for the portal's form. */
  async methods(db: DataSource | Transaction, subject: SessionSubject): Promise<("TOTP" | "PASSKEY" | "RECOVERY_CODE")[]> {
    const methods: ("TOTP" | "PASSKEY" | "RECOVERY_CODE")[] = [];
    if (await TotpService.enrolled(db, subject)) methods.push("TOTP");
    if (await PasskeyService.registered(db, subject)) methods.push("PASSKEY");
    if (methods.length) methods.push("RECOVERY_CODE");
    return methods;
  },

  /**
   * Checks a proof for the login inside the caller's unit of work; the RFC 8176 method it adds
   * ("otp" for TOTP and recovery codes, "hwk" for a passkey), or null when it does not verify.
   */
  async verify(ctx: Context, uow: UnitOfWork, subject: SessionSubject, proof: SecondFactorProof): Promise<"otp" | "hwk" | null> {
    if (proof.totpCode) return (await TotpService.verify(ctx, uow, subject, proof.totpCode)) ? "otp" : null;
    if (proof.recoveryCode) return (await RecoveryCodes.redeem(ctx, uow, subject, proof.recoveryCode)) ? "otp" : null;
    if (proof.passkey && proof.passkeyChallengeId) {
      const verified = await PasskeyService.verifyAuthentication(ctx, uow, proof.passkeyChallengeId, proof.passkey, subject);
      return verified ? "hwk" : null;
    }
    return null;
  },

  /** Removes every second factor of the login (staff reset). */
  async removeAll(uow: UnitOfWork, subject: SessionSubject): Promise<void> {
    await TotpService.removeAll(uow, subject);
    await RecoveryCodes.removeAll(uow, subject);
    await PasskeyService.removeAll(uow, subject);
  },
};
