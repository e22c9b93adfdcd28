import { DataSource } from "typeorm";
import type { Config, Seller } from "../config";
import { InvoiceFormat } from "../customers/customer.enums";
import { jsonColumn, Row } from "../platform/rows";
import { breakdownOf } from "./invoice.service";
import { PaymentTerms, PrintableInvoice, renderInvoicePdf } from "./invoice-pdf";
import { invoiceXml } from "./invoice-xml";
import { VatCategory } from "./vat";

/** Bank transfer to the provider's account, with the invoice number as reference. */
export function transferTerms(config: Config, number: string): PaymentTerms {
  return { method: "BANK_TRANSFER", iban: config.provider.iban, bic: config.provider.bic, paymentReference: number };
}

/**
 * An issued invoice or credit note as printed and as e-invoiced, read from its own snapshot
 * columns only (invoices from before a snapshot column existed fall back to what was true then:
 * German, PDF, the configured seller).
 */
export async function printableInvoice(db: DataSource, config: Config, invoiceId: number): Promise<PrintableInvoice | null> {
  const [inv]: Row[] = await db.query(
    `SELECT i.*, c.customer_number, o.number AS original_number, o.issue_date AS original_issue_date FROM invoices i
     JOIN customers c ON c.id = i.customer_id LEFT JOIN invoices o ON o.id = i.original_invoice_id WHERE i.id = ?`,
    [invoiceId],
  );
  if (!inv) return null;
  const lines: Row[] = await db.query(
    `SELECT position, description, quantity, unit_price_amount, vat_rate, vat_category, vat_exemption_reason, net_amount
     FROM invoice_lines WHERE invoice_id = ? ORDER BY position`,
    [invoiceId],
  );
  const terms = jsonColumn<PaymentTerms>(inv.payment_terms) ?? transferTerms(config, inv.number);
  return {
    number: inv.number,
    kind: inv.kind,
    originalNumber: inv.original_number ?? null,
    originalIssueDate: inv.original_issue_date ?? null,
    issueDate: inv.issue_date,
    dueDate: inv.due_date,
    periodStart: inv.period_start,
    periodEnd: inv.period_end,
    // Invoices from before delivery dates were stored were supplied when issued.
    deliveryDate: inv.period_start ? null : (inv.delivery_date ?? inv.issue_date),
    customerNumber: inv.customer_number,
    locale: inv.locale === "en" ? "en" : "de",
    format: inv.invoice_format ?? InvoiceFormat.PDF,
    buyerReference: inv.buyer_reference ?? null,
    seller: jsonColumn<Seller>(inv.seller) ?? config.provider,
    billing: {
      name: inv.billing_name,
      street: inv.billing_street,
      postalCode: inv.billing_postal_code,
      city: inv.billing_city,
      countryCode: inv.billing_country_code,
      addressees: jsonColumn<string[]>(inv.billing_addressees) ?? [],
      vatId: inv.buyer_vat_id ?? null,
      email: inv.buyer_email ?? null,
    },
    lines: lines.map((l) => ({
      position: l.position,
      description: l.description,
      quantity: Number(l.quantity),
      unitPrice: l.unit_price_amount,
      vatRate: Number(l.vat_rate),
      vatCategory: (l.vat_category ?? VatCategory.STANDARD) as VatCategory,
      vatExemptionReason: l.vat_exemption_reason ?? null,
      net: l.net_amount,
    })),
    breakdown: breakdownOf(inv),
    net: inv.net_amount,
    vat: inv.vat_amount,
    gross: inv.gross_amount,
    currency: inv.currency,
    paymentTerms: terms,
    createdAt: inv.created_at,
  };
}

export interface InvoiceFiles {
  number: string;
  invoice: PrintableInvoice;
  /** The PDF; for ZUGFeRD a PDF/A-3 with the XML inside. */
  pdf: Buffer;
  /** The EN 16931 CII XML (XRechnung for that format). */
  xml: Buffer;
}

/** The invoice's PDF and XML, both from its snapshot: the same invoice always gives the same bytes. */
export async function invoiceFiles(db: DataSource, config: Config, invoiceId: number): Promise<InvoiceFiles | null> {
  const invoice = await printableInvoice(db, config, invoiceId);
  if (!invoice) return null;
  const xml = Buffer.from(invoiceXml(invoice), "utf8");
  const pdf = await renderInvoicePdf(invoice, invoice.format === InvoiceFormat.ZUGFERD ? xml : null);
  return { number: invoice.number, invoice, pdf, xml };
}

/** The XML alone (the route and the link), without rendering a PDF. */
export async function invoiceXmlFile(db: DataSource, config: Config, invoiceId: number): Promise<{ number: string; xml: Buffer } | null> {
  const invoice = await printableInvoice(db, config, invoiceId);
  return invoice ? { number: invoice.number, xml: Buffer.from(invoiceXml(invoice), "utf8") } : null;
}
