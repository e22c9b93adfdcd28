import { DataSource } from "typeorm";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderInvoice, renderPaymentReminder } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { formatMoney } from "./invoice-pdf";
import { invoicePdf } from "./invoice-documents";

/**
 * Who gets an invoice by email: the online-invoice address (if it was switched on before the
 * invoice was issued: not retroactive) and every contact flagged to receive invoices.
 */
export async function invoiceRecipients(db: DataSource, invoiceId: number): Promise<string[]> {
  const [inv] = await db.query(
    `SELECT i.created_at, c.online_invoice_enabled, c.online_invoice_email, c.online_invoice_enabled_at, c.id AS customer_id
     FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = ?`,
    [invoiceId],
  );
  if (!inv) return [];
  const to: string[] = [];
  if (
    inv.online_invoice_enabled &&
    inv.online_invoice_email &&
    inv.online_invoice_enabled_at &&
    inv.online_invoice_enabled_at <= inv.created_at
  ) {
    to.push(inv.online_invoice_email);
  }
  const contacts: { email: string }[] = await db.query(
    `SELECT email FROM contacts WHERE customer_id = ? AND receives_invoices = 1 AND email_confirmed_at IS NOT NULL
       AND (FIND_IN_SET('STANDARD', types) OR FIND_IN_SET('BILLING', types)) ORDER BY id`,
    [inv.customer_id],
  );
  to.push(...contacts.map((c) => c.email));
  const seen = new Set<string>();
  return to.filter((address) => !seen.has(address.toLowerCase()) && seen.add(address.toLowerCase()));
}

/** The worker side of the invoice topics. One delivery record per recipient and invoice. */
export function invoiceHandlers(deps: NotificationDeps): Pick<Handlers, "invoice-email" | "payment-reminder"> {
  const { db, config, ledger } = deps;
  return {
    async "invoice-email"({ outboxId, payload, final }) {
      const to = payload.kind === "resend" && payload.to ? [payload.to] : await invoiceRecipients(db, payload.invoiceId);
      if (!to.length) return { skipped: 1 };
      const first = await invoicePdf(db, config, payload.invoiceId);
      if (!first) return { skipped: 1 };
      const inv = first.invoice;
      const data = {
        kind: inv.kind,
        number: first.number,
        amount: formatMoney(inv.gross, inv.currency),
        dueDate: inv.kind === "INVOICE" ? inv.dueDate : null,
        providerName: config.provider.name,
      };
      const key = payload.kind === "issue" ? `invoice:${payload.invoiceId}` : `invoice-resend:${outboxId}`;
      return ledger.deliver(
        outboxId,
        to.map((address) => ({
          key: deliveryKey(key, address),
          to: address,
          invoiceId: payload.invoiceId,
          render: () => renderInvoice(data, localeOf(inv.locale)),
          attachments: [{ filename: `${first.number}.pdf`, content: first.pdf, contentType: "application/pdf" }],
        })),
        final,
      );
    },

    async "payment-reminder"({ outboxId, payload, final }) {
      const level = payload.level ?? 1;
      const [inv] = await db.query(
        `SELECT i.id, i.number, i.gross_amount, i.currency, i.due_date, i.status, c.email, c.locale,
           d.final, d.fee_amount, f.number AS fee_number
         FROM invoices i JOIN customers c ON c.id = i.customer_id
         LEFT JOIN invoice_dunnings d ON d.invoice_id = i.id AND d.level = ? LEFT JOIN invoices f ON f.id = d.fee_invoice_id
         WHERE i.id = ?`,
        [level, payload.invoiceId],
      );
      // Paid or cancelled meanwhile: no letter.
      if (!inv || inv.status !== "OPEN") return { skipped: 1 };
      const data = {
        number: inv.number,
        amount: formatMoney(inv.gross_amount, inv.currency),
        dueDate: String(inv.due_date),
        providerName: config.provider.name,
        level,
        final: !!inv.final,
        fee: inv.fee_number ? { amount: formatMoney(inv.fee_amount, inv.currency), invoiceNumber: inv.fee_number } : null,
      };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(level === 1 ? `reminder:${inv.id}` : `reminder:${inv.id}:${level}`, inv.email),
            to: inv.email,
            invoiceId: inv.id,
            render: () => renderPaymentReminder(data, localeOf(inv.locale)),
          },
        ],
        final,
      );
    },
  };
}
