import PDFDocument from "pdfkit";
import { Config } from "../config";

/** Everything printed on an invoice, all as issued. */
export interface PrintableInvoice {
  number: string;
  kind: "INVOICE" | "CREDIT_NOTE";
  originalNumber: string | null;
  issueDate: string;
  dueDate: string;
  periodStart: string | null;
  periodEnd: string | null;
  customerNumber: string;
  /** The customer's language, for the email the PDF goes with (the PDF itself is German). */
  locale: string;
  billing: { name: string; street: string; postalCode: string; city: string; countryCode: string; addressees: string[] };
  lines: { position: number; description: string; quantity: number; unitPrice: number; vatRate: number; net: number }[];
  breakdown: { rate: string; net: number; vat: number }[];
  net: number;
  vat: number;
  gross: number;
  currency: string;
  paymentTerms: PaymentTerms;
  createdAt: Date;
}

export type PaymentTerms =
  | { method: "SEPA_DIRECT_DEBIT"; mandateReference: string; mandateDate: string | null; debitDate: string; ibanMasked: string }
  | { method: "BANK_TRANSFER"; iban: string; bic: string; paymentReference: string };

/** 1234567 cents → "12.345,67 EUR" (German notation, as the invoice language). */
export function formatMoney(cents: number, currency: string): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const euros = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${sign}${euros},${String(abs % 100).padStart(2, "0")} ${currency}`;
}

const date = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
const rate = (r: string | number) => `${Number(r).toLocaleString("de-AT", { maximumFractionDigits: 2 })} %`;

/**
 * Renders the invoice with PDFKit. The document's dates and id come from the invoice, not the
 * clock, so the same invoice always gives the same bytes.
 */
export function renderInvoicePdf(invoice: PrintableInvoice, provider: Config["provider"]): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 50,
    compress: true,
    info: {
      Title: `${invoice.kind === "CREDIT_NOTE" ? "Gutschrift" : "Rechnung"} ${invoice.number}`,
      Author: provider.name,
      Creator: "Konto",
      Producer: "Konto",
      CreationDate: invoice.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));

  doc.font("Helvetica-Bold").fontSize(14).text(provider.name);
  doc.font("Helvetica").fontSize(9).text(`${provider.address} · UID ${provider.vatId} · ${provider.email}`);
  doc.moveDown(2);

  const b = invoice.billing;
  doc.fontSize(10).text(b.name).text(b.street).text(`${b.postalCode} ${b.city}`).text(b.countryCode);
  for (const addressee of b.addressees) doc.text(`z. Hd. ${addressee}`);
  doc.moveDown(2);

  const title = invoice.kind === "CREDIT_NOTE" ? "Gutschrift" : "Rechnung";
  doc.font("Helvetica-Bold").fontSize(16).text(`${title} ${invoice.number}`);
  doc.font("Helvetica").fontSize(10);
  doc.text(`Kundennummer: ${invoice.customerNumber}`);
  doc.text(`Rechnungsdatum: ${date(invoice.issueDate)}`);
  doc.text(`Fällig am: ${date(invoice.dueDate)}`);
  if (invoice.periodStart && invoice.periodEnd) doc.text(`Leistungszeitraum: ${date(invoice.periodStart)} – ${date(invoice.periodEnd)}`);
  if (invoice.originalNumber) doc.text(`Storno zu Rechnung ${invoice.originalNumber}`);
  doc.moveDown();

  const columns = { pos: 50, description: 80, quantity: 300, unit: 350, vat: 430, net: 480 };
  const row = (cells: Record<keyof typeof columns, string>, bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica");
    doc.text(cells.pos, columns.pos, y, { width: 25 });
    doc.text(cells.description, columns.description, y, { width: 215 });
    const bottom = doc.y;
    doc.text(cells.quantity, columns.quantity, y, { width: 45, align: "right" });
    doc.text(cells.unit, columns.unit, y, { width: 75, align: "right" });
    doc.text(cells.vat, columns.vat, y, { width: 45, align: "right" });
    doc.text(cells.net, columns.net, y, { width: 65, align: "right" });
    doc.x = 50;
    doc.y = Math.max(bottom, doc.y) + 4;
  };
  row({ pos: "Pos", description: "Beschreibung", quantity: "Menge", unit: "Einzelpreis", vat: "USt", net: "Netto" }, true);
  for (const line of invoice.lines) {
    row({
      pos: String(line.position),
      description: line.description,
      quantity: line.quantity.toLocaleString("de-AT", { maximumFractionDigits: 3 }),
      unit: formatMoney(line.unitPrice, invoice.currency),
      vat: rate(line.vatRate),
      net: formatMoney(line.net, invoice.currency),
    });
  }
  doc.moveDown();
  const total = (label: string, cents: number, bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").text(label, 300, y, { width: 170 });
    doc.text(formatMoney(cents, invoice.currency), 470, y, { width: 75, align: "right" });
    doc.x = 50;
  };
  total("Summe netto", invoice.net);
  for (const part of invoice.breakdown) total(`USt ${rate(part.rate)} auf ${formatMoney(part.net, invoice.currency)}`, part.vat);
  total("Gesamtbetrag", invoice.gross, true);
  doc.moveDown(2);

  doc.font("Helvetica").fontSize(10);
  const terms = invoice.paymentTerms;
  if (invoice.kind === "CREDIT_NOTE") {
    doc.text("Der Betrag wird mit offenen Forderungen verrechnet oder erstattet.", 50);
  } else if (terms.method === "SEPA_DIRECT_DEBIT") {
    doc.text(
      `Der Betrag wird per SEPA-Lastschrift am ${date(terms.debitDate)} von Ihrem Konto ${terms.ibanMasked} eingezogen. ` +
        `Mandatsreferenz: ${terms.mandateReference}${terms.mandateDate ? ` vom ${date(terms.mandateDate)}` : ""}.`,
      50,
    );
  } else {
    doc.text(
      `Bitte überweisen Sie den Betrag bis ${date(invoice.dueDate)} auf ${provider.name}, IBAN ${terms.iban}, BIC ${terms.bic}. ` +
        `Zahlungsreferenz: ${terms.paymentReference}.`,
      50,
    );
  }
  doc.end();
  return done;
}
