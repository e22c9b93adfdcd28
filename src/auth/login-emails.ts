import { Transaction } from "../platform/transactions";
import { EmailVerificationPurpose as Purpose } from "../verifications/email-verification.enums";
import { EmailTarget } from "../verifications/email-targets";

/** A login's confirmed address; a registration's login, disabled until now, starts working. */
export const LOGIN_EMAIL_TARGET: [Purpose, EmailTarget] = [
  Purpose.LOGIN_EMAIL,
  {
    async lock(tx: Transaction, userId: number) {
      const [row] = await tx.query("SELECT email FROM users WHERE id = ? FOR UPDATE", [userId]);
      return row ? { email: row.email } : undefined;
    },
    async apply(tx: Transaction, userId: number, email: string) {
      await tx.query("UPDATE users SET email = ?, disabled_at = NULL WHERE id = ?", [email, userId]);
    },
  },
];
