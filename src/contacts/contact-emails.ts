import { Transaction } from "../platform/transactions";
import { EmailVerificationPurpose as Purpose } from "../verifications/email-verification.enums";
import { EmailTarget } from "../verifications/email-targets";

/** A contact's confirmed address; from then on it may receive invoices. */
export const CONTACT_EMAIL_TARGET: [Purpose, EmailTarget] = [
  Purpose.CONTACT_EMAIL,
  {
    async lock(tx: Transaction, contactId: number) {
      const [row] = await tx.query("SELECT email FROM contacts WHERE id = ? FOR UPDATE", [contactId]);
      return row ? { email: row.email } : undefined;
    },
    async apply(tx: Transaction, contactId: number, email: string) {
      await tx.query("UPDATE contacts SET email = ?, email_confirmed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [email, contactId]);
    },
  },
];
