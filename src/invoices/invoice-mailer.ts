import { DataSource } from "typeorm";
import { Config } from "../config";
import { MailDeliveryService } from "../outbox/mail-delivery.service";
import { MailMessage } from "../platform/mailer";
import { formatMoney } from "./invoice-pdf";
import { invoicePdf } from "./invoice-documents";

type Job = { invoiceId: number; kind: "issue" | "resend"; to?: string };

/**
 * The worker side of the topic "invoice-email": the PDF as an attachment to the online-invoice
 * address (if it was switched on before the invoice was issued: not retroactive) and to every
 * contact flagged to receive invoices. One delivery record per recipient and invoice, so a
 * retried or duplicate job emails no one twice.
 */
export class InvoiceMailer {
  constructor(
    private readonly db: DataSource,
    private readonly deliveries: MailDeliveryService,
    private readonly config: Config,
  ) {}

  async recipients(invoiceId: number): Promise<string[]> {
    const [inv] = await this.db.query(
      `SELECT i.created_at, c.online_invoice_enabled, c.online_invoice_email, c.online_invoice_enabled_at, c.id AS customer_id
       FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = ?`,
      [invoiceId],
    );
    if (!inv) return [];
    const to: string[] = [];
    if (inv.online_invoice_enabled && inv.online_invoice_email && inv.online_invoice_enabled_at && inv.online_invoice_enabled_at <= inv.created_at) {
      to.push(inv.online_invoice_email);
    }
    const contacts: { email: string }[] = await this.db.query(
      `SELECT email FROM contacts WHERE customer_id = ? AND receives_invoices = 1 AND email_confirmed_at IS NOT NULL
         AND (FIND_IN_SET('STANDARD', types) OR FIND_IN_SET('BILLING', types)) ORDER BY id`,
      [inv.customer_id],
    );
    to.push(...contacts.map((c) => c.email));
    const seen = new Set<string>();
    return to.filter((address) => !seen.has(address.toLowerCase()) && seen.add(address.toLowerCase()));
  }

  async process(outboxId: string): Promise<{ sent: number }> {
    const [row] = await this.db.query("SELECT payload FROM outbox WHERE id = ?", [outboxId]);
    const job = (typeof row?.payload === "string" ? JSON.parse(row.payload) : row?.payload) as Job | undefined;
    if (!job) return { sent: 0 };
    const to = job.kind === "resend" && job.to ? [job.to] : await this.recipients(job.invoiceId);
    if (!to.length) return { sent: 0 };
    const document = await invoicePdf(this.db, this.config, job.invoiceId);
    if (!document) return { sent: 0 };
    const inv = document.invoice;
    const en = inv.locale === "en";
    const what = inv.kind === "CREDIT_NOTE" ? (en ? "credit note" : "Gutschrift") : en ? "invoice" : "Rechnung";
    const amount = formatMoney(inv.gross, inv.currency);
    const text = en
      ? `Hello,\n\nattached is your ${what} ${document.number} over ${amount}${inv.kind === "INVOICE" ? `, due ${inv.dueDate}` : ""}.\n\n${this.config.provider.name}\n`
      : `Guten Tag,\n\nanbei erhalten Sie Ihre ${what} ${document.number} über ${amount}${inv.kind === "INVOICE" ? `, fällig am ${inv.dueDate}` : ""}.\n\n${this.config.provider.name}\n`;
    const messages: MailMessage[] = to.map((address) => ({
      to: address,
      subject: `${en ? (inv.kind === "CREDIT_NOTE" ? "Credit note" : "Invoice") : inv.kind === "CREDIT_NOTE" ? "Gutschrift" : "Rechnung"} ${document.number}`,
      text,
      attachments: [{ filename: `${document.number}.pdf`, content: document.pdf, contentType: "application/pdf" }],
    }));
    const key = job.kind === "issue" ? `invoice:${job.invoiceId}` : `invoice-resend:${outboxId}`;
    const result = await this.deliveries.deliver(outboxId, { key, invoiceId: job.invoiceId, messages });
    return { sent: result.sent };
  }
}
