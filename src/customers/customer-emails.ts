import { Transaction } from "../platform/transactions";
import { EmailVerificationPurpose as Purpose } from "../verifications/email-verification.enums";
import { EmailTarget } from "../verifications/email-targets";

/** A customer address column that a confirmation puts in use, with what else changes with it. */
function customerEmail(column: string, alsoSet = ""): EmailTarget {
  return {
    async lock(tx: Transaction, customerId: number) {
      const [row] = await tx.query(`SELECT ${column} AS email FROM customers WHERE id = ? FOR UPDATE`, [customerId]);
      return row ? { email: row.email } : undefined;
    },
    async apply(tx: Transaction, customerId: number, email: string) {
      await tx.query(`UPDATE customers SET ${column} = ?${alsoSet} WHERE id = ?`, [email, customerId]);
    },
  };
}

/** The customer's confirmed addresses: the main one, online invoices (switched on), the newsletter (consent kept). */
export const CUSTOMER_EMAIL_TARGETS: [Purpose, EmailTarget][] = [
  [Purpose.CUSTOMER_EMAIL, customerEmail("email")],
  [
    Purpose.ONLINE_INVOICE_EMAIL,
    // Assignments run left to right: the switch-on time is set only when it was off, before it is switched on.
    customerEmail(
      "online_invoice_email",
      ", online_invoice_enabled_at = IF(online_invoice_enabled = 1, online_invoice_enabled_at, CURRENT_TIMESTAMP(3)), online_invoice_enabled = 1",
    ),
  ],
  [Purpose.NEWSLETTER_EMAIL, customerEmail("newsletter_email", ", newsletter_enabled = 1, newsletter_consent_at = CURRENT_TIMESTAMP(3)")],
];
