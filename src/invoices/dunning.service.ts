import { DataSource } from "typeorm";
import { Config, DunningLevel } from "../config";
import { OutboxRelay } from "../notifications/outbox";
import { Context } from "../platform/context";
import { ANONYMOUS } from "../platform/principal";
import { Row } from "../platform/rows";
import { unitOfWork } from "../unit-of-work/unit-of-work";
import { addDays, customerRow, writeInvoice } from "./billing.service";
import { InvoiceKind, StoredInvoiceStatus } from "./invoice.enums";
import { today as todayUtc } from "./invoice.service";
import { DunningNode } from "./billing-operations.types";
import { money } from "../platform/money";

/** Days a dunning fee invoice gives to pay. */
const FEE_DUE_DAYS = 14;
/** Invoices looked at per run; the next hourly run takes the rest. */
const BATCH = 1000;

/** The highest level due for an invoice on `today`, 0 when none: a run that was late sends that one, not each missed one. */
export function dueLevel(levels: DunningLevel[], dueDate: string, today: string): number {
  let due = 0;
  levels.forEach((level, i) => {
    if (addDays(dueDate, level.days) <= today) due = i + 1;
  });
  return due;
}

/**
 * Dunning levels (DUNNING_LEVELS): an open invoice past its due date gets each level once, to the
 * customer's main data (never the billing or online-invoice address), in the order of the levels.
 * A level's fee is an invoice of its own, not a line on the dunned one: EN 16931 allows no
 * not-subject-to-VAT line beside other VAT categories. Fee invoices are not dunned themselves.
 * Dunning stops when the invoice is paid or cancelled: the run reads open invoices only, and the
 * letter's worker checks again before it sends.
 */
export const DunningService = {
  async run(db: DataSource, relay: OutboxRelay, config: Config, today = todayUtc()): Promise<number> {
    const levels = config.dunningLevels;
    if (!levels.length) return 0;
    const candidates: Row[] = await db.query(
      `SELECT i.id, i.due_date, (SELECT COALESCE(MAX(d.level), 0) FROM invoice_dunnings d WHERE d.invoice_id = i.id) AS sent
       FROM invoices i
       WHERE i.status = 'OPEN' AND i.kind = 'INVOICE' AND i.due_date <= ?
         AND NOT EXISTS (SELECT 1 FROM invoice_dunnings f WHERE f.fee_invoice_id = i.id)
       HAVING sent < ? ORDER BY i.id LIMIT ${BATCH}`,
      [addDays(today, -levels[0].days), levels.length],
    );
    let sent = 0;
    for (const candidate of candidates) {
      const level = dueLevel(levels, String(candidate.due_date), today);
      if (level <= Number(candidate.sent)) continue;
      if (await DunningService.dun(db, relay, config, candidate.id, level, today)) sent++;
    }
    return sent;
  },

  /** Records one level for one invoice, with its fee invoice, and queues the letter; false when it is paid, cancelled or dunned meanwhile. */
  async dun(db: DataSource, relay: OutboxRelay, config: Config, invoiceId: number, level: number, today: string): Promise<boolean> {
    const { feeCents } = config.dunningLevels[level - 1];
    const final = level === config.dunningLevels.length;
    return unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
      const [invoice] = await uow.tx.query(
        `SELECT i.id, i.number, i.status, i.customer_id, c.customer_number, c.reseller_id,
           (SELECT COALESCE(MAX(level), 0) FROM invoice_dunnings d WHERE d.invoice_id = i.id) AS sent
         FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = ? FOR UPDATE`,
        [invoiceId],
      );
      if (!invoice || invoice.status !== StoredInvoiceStatus.OPEN || Number(invoice.sent) >= level) return false;
      let feeInvoiceId: number | null = null;
      if (feeCents > 0) {
        feeInvoiceId = await writeInvoice(uow.tx, { config } as Pick<Context, "config">, await customerRow(uow.tx, invoice.customer_id), {
          kind: InvoiceKind.INVOICE,
          originalId: null,
          issueDate: today,
          dueDate: addDays(today, FEE_DUE_DAYS),
          periodStart: null,
          periodEnd: null,
          status: StoredInvoiceStatus.OPEN,
          // Not subject to VAT: a fee for late payment is damages, not a supply.
          lines: [
            {
              description: `Mahngebühr zu Rechnung ${invoice.number} (Stufe ${level})`,
              productId: null,
              quantityMilli: 1000,
              unitPriceCents: feeCents,
              vatRate: "0.00",
            },
          ],
        });
        await uow.emit("invoice-email", { invoiceId: feeInvoiceId, kind: "issue" });
      }
      await uow.tx.query(
        "INSERT INTO invoice_dunnings (invoice_id, level, final, sent_on, fee_amount, fee_invoice_id) VALUES (?, ?, ?, ?, ?, ?)",
        [invoiceId, level, final, today, feeCents, feeInvoiceId],
      );
      await uow.emit("payment-reminder", { invoiceId, level });
      await uow.audit(
        "invoice.dunned",
        { invoiceId, number: invoice.number, level, final, feeInvoiceId },
        { dbId: invoice.customer_id, resellerId: invoice.reseller_id, customerNumber: invoice.customer_number },
      );
      return true;
    });
  },

  /** The levels sent for an invoice, in order. */
  async of(ctx: Context, invoiceId: number): Promise<DunningNode[]> {
    const rows: Row[] = await ctx.db.query(
      "SELECT level, final, sent_on, fee_amount, fee_invoice_id FROM invoice_dunnings WHERE invoice_id = ? ORDER BY level",
      [invoiceId],
    );
    return rows.map((r) => ({
      level: r.level,
      final: !!r.final,
      sentOn: r.sent_on,
      fee: money(r.fee_amount, "EUR"),
      feeInvoiceId: r.fee_invoice_id,
    }));
  },
};
