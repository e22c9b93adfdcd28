import { DataSource } from "typeorm";
import { Config } from "../config";
import { jsonColumn, Row } from "../platform/rows";
import { breakdownOf } from "./invoice.service";
import { PaymentTerms, PrintableInvoice, renderInvoicePdf } from "./invoice-pdf";

/** An issued invoice as printed, read from its own snapshot columns only. */
/** Bank transfer to the provider's account, with the invoice number as reference. */
export function transferTerms(config: Config, number: string): PaymentTerms {
  return { method: "BANK_TRANSFER", iban: config.provider.iban, bic: config.provider.bic, paymentReference: number };
}

export async function printableInvoice(db: DataSource, config: Config, invoiceId: number): Promise<PrintableInvoice | null> {
  const [inv]: Row[] = await db.query(
    `SELECT i.*, c.customer_number, c.locale, o.number AS original_number FROM invoices i
     JOIN customers c ON c.id = i.customer_id LEFT JOIN invoices o ON o.id = i.original_invoice_id WHERE i.id = ?`,
    [invoiceId],
  );
  if (!inv) return null;
  const lines: Row[] = await db.query(
    "SELECT position, description, quantity, unit_price_amount, vat_rate, net_amount FROM invoice_lines WHERE invoice_id = ? ORDER BY position",
    [invoiceId],
  );
  const breakdown = breakdownOf(inv);
  const terms = jsonColumn<PaymentTerms>(inv.payment_terms) ?? transferTerms(config, inv.number);
  return {
    number: inv.number,
    kind: inv.kind,
    originalNumber: inv.original_number ?? null,
    issueDate: inv.issue_date,
    dueDate: inv.due_date,
    periodStart: inv.period_start,
    periodEnd: inv.period_end,
    customerNumber: inv.customer_number,
    locale: inv.locale,
    billing: {
      name: inv.billing_name,
      street: inv.billing_street,
      postalCode: inv.billing_postal_code,
      city: inv.billing_city,
      countryCode: inv.billing_country_code,
      addressees: jsonColumn<string[]>(inv.billing_addressees) ?? [],
    },
    lines: lines.map((l) => ({
      position: l.position,
      description: l.description,
      quantity: Number(l.quantity),
      unitPrice: l.unit_price_amount,
      vatRate: Number(l.vat_rate),
      net: l.net_amount,
    })),
    breakdown,
    net: inv.net_amount,
    vat: inv.vat_amount,
    gross: inv.gross_amount,
    currency: inv.currency,
    paymentTerms: terms,
    createdAt: inv.created_at,
  };
}

export async function invoicePdf(
  db: DataSource,
  config: Config,
  invoiceId: number,
): Promise<{ pdf: Buffer; number: string; invoice: PrintableInvoice } | null> {
  const invoice = await printableInvoice(db, config, invoiceId);
  return invoice ? { pdf: await renderInvoicePdf(invoice, config.provider), number: invoice.number, invoice } : null;
}
