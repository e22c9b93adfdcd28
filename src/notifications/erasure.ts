import { Transaction } from "../platform/transactions";

// Account closure, for the data-protection module, in its transaction: only this module writes
// the delivery ledger, the bounce list and the outbox.
export const NotificationErasure = {
  /**
   * Delivery records and bounces of these addresses forget them; finished outbox rows that name
   * the customer, its number or one of the addresses lose their payload. Work still open keeps its
   * payload (it would fail its check otherwise) and finds the erased rows when it runs.
   */
  async erase(tx: Transaction, about: { customerId: number; customerNumber: string; emails: string[] }): Promise<void> {
    const emails = [...new Set(about.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
    if (emails.length) {
      await tx.query(
        "UPDATE mail_deliveries SET recipient = 'erased', delivery_key = CONCAT('erased:', id), error = NULL WHERE recipient IN (?) AND status IN ('SENT', 'FAILED')",
        [emails],
      );
      await tx.query("DELETE FROM mail_bounces WHERE address IN (?)", [emails]);
    }
    await tx.query(
      `UPDATE outbox SET payload = JSON_OBJECT('erased', TRUE) WHERE done_at IS NOT NULL AND (
         JSON_VALUE(payload, '$.customerId') = ? OR JSON_VALUE(payload, '$.customerNumber') = ?
         ${emails.length ? "OR LOWER(JSON_VALUE(payload, '$.email')) IN (?) OR LOWER(JSON_VALUE(payload, '$.to')) IN (?)" : ""})`,
      [about.customerId, about.customerNumber, ...(emails.length ? [emails, emails] : [])],
    );
  },
};

/** Invoices deleted after their retention period: their delivery records stay, without the link. */
export async function detachInvoiceDeliveries(tx: Transaction, invoiceIds: number[]): Promise<void> {
  if (invoiceIds.length) await tx.query("UPDATE mail_deliveries SET invoice_id = NULL WHERE invoice_id IN (?)", [invoiceIds]);
}
