import { DataSource } from "typeorm";
import { detachInvoiceDeliveries } from "../notifications/erasure";
import { OutboxRelay } from "../notifications/outbox";
import { ANONYMOUS } from "../platform/principal";
import { Row } from "../platform/rows";
import { unitOfWork } from "../unit-of-work/unit-of-work";

/**
 * The housekeeping job of account closure: invoices (with lines, payments and dunnings) of closed customers
 * whose retention period (INVOICE_RETENTION_YEARS after the end of the year of issue, as the
 * law counts) has passed are deleted. An invoice a kept credit note refers to waits for it.
 * Returns how many invoices went.
 */
export async function deleteInvoicesPastRetention(db: DataSource, relay: OutboxRelay, years: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
      const rows: Row[] = await uow.tx.query(
        `SELECT i.id, i.customer_id, i.number FROM invoices i JOIN customers c ON c.id = i.customer_id
         WHERE c.status = 'CLOSED' AND i.issue_date < MAKEDATE(YEAR(CURDATE()) - ?, 1)
           AND NOT EXISTS (SELECT 1 FROM invoices n WHERE n.original_invoice_id = i.id AND n.issue_date >= MAKEDATE(YEAR(CURDATE()) - ?, 1))
         ORDER BY i.original_invoice_id IS NULL, i.id LIMIT 100 FOR UPDATE`,
        [years, years],
      );
      if (!rows.length) return 0;
      const ids = rows.map((r) => Number(r.id));
      await detachInvoiceDeliveries(uow.tx, ids);
      await uow.tx.query("DELETE FROM invoice_dunnings WHERE invoice_id IN (?) OR fee_invoice_id IN (?)", [ids, ids]);
      await uow.tx.query("UPDATE invoice_run_items SET invoice_id = NULL WHERE invoice_id IN (?)", [ids]);
      await uow.tx.query("DELETE FROM payments WHERE invoice_id IN (?)", [ids]);
      await uow.tx.query("DELETE FROM invoice_lines WHERE invoice_id IN (?)", [ids]);
      // Credit notes first (they come first in the batch), then the invoices they referred to.
      await uow.tx.query("DELETE FROM invoices WHERE id IN (?) AND original_invoice_id IS NOT NULL", [ids]);
      await uow.tx.query("DELETE FROM invoices WHERE id IN (?)", [ids]);
      for (const row of rows) {
        await uow.audit("invoice.deletedAfterRetention", { number: row.number }, null);
      }
      return rows.length;
    });
    deleted += batch;
    if (batch < 100) return deleted;
  }
}
