import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import { create } from "xmlbuilder2";
import type { Seller } from "../config";
import { InvoiceFormat } from "../customers/customer.enums";
import type { VatBreakdownPart } from "./amounts";
import { VAT_CATEGORY_CODE, VatCategory, vatNote } from "./vat";

/** Everything printed on an invoice, all as issued. */
export interface PrintableInvoice {
  number: string;
  kind: "INVOICE" | "CREDIT_NOTE";
  originalNumber: string | null;
  originalIssueDate: string | null;
  issueDate: string;
  dueDate: string;
  periodStart: string | null;
  periodEnd: string | null;
  /** Set when there is no period. */
  deliveryDate: string | null;
  customerNumber: string;
  /** The customer's language when the invoice was issued: the PDF and the email are in it. */
  locale: "de" | "en";
  format: InvoiceFormat;
  buyerReference: string | null;
  seller: Seller;
  billing: {
    name: string;
    street: string;
    postalCode: string;
    city: string;
    countryCode: string;
    addressees: string[];
    vatId: string | null;
    /** BT-49: where the buyer receives e-invoices. */
    email: string | null;
  };
  lines: {
    position: number;
    description: string;
    quantity: number;
    unitPrice: number;
    vatRate: number;
    vatCategory: VatCategory;
    vatExemptionReason: string | null;
    net: number;
  }[];
  breakdown: VatBreakdownPart[];
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

/** 1234567 cents → "12.345,67 EUR" (German) or "12,345.67 EUR" (English). */
export function formatMoney(cents: number, currency: string, locale: "de" | "en" = "de"): string {
  const [thousands, decimal] = locale === "en" ? [",", "."] : [".", ","];
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  return `${sign}${units}${decimal}${String(abs % 100).padStart(2, "0")} ${currency}`;
}

const LABELS = {
  de: {
    invoice: "Rechnung",
    creditNote: "Gutschrift",
    customerNumber: "Kundennummer",
    issueDate: "Rechnungsdatum",
    dueDate: "Fällig am",
    period: "Leistungszeitraum",
    deliveryDate: "Leistungsdatum",
    cancels: (number: string, date: string | null) => `Storno zu Rechnung ${number}${date ? ` vom ${date}` : ""}`,
    buyerReference: "Ihre Referenz",
    buyerVatId: "UID des Leistungsempfängers",
    sellerVatId: "UID",
    attention: "z. Hd.",
    columns: { pos: "Pos", description: "Beschreibung", quantity: "Menge", unit: "Einzelpreis", vat: "USt", net: "Netto" },
    net: "Summe netto",
    vatLine: (category: string, rate: string, base: string) =>
      category === VatCategory.REVERSE_CHARGE
        ? `Reverse Charge ${rate} auf ${base}`
        : category === VatCategory.EXEMPT
          ? `Steuerfrei ${rate} auf ${base}`
          : category === VatCategory.NOT_SUBJECT
            ? `Nicht steuerbar ${rate} auf ${base}`
            : `USt ${rate} auf ${base}`,
    gross: "Gesamtbetrag",
    settled: "Der Betrag wird mit offenen Forderungen verrechnet oder erstattet.",
    debit: (date: string, iban: string, mandate: string, mandateDate: string | null, creditor: string) =>
      `Der Betrag wird per SEPA-Lastschrift am ${date} von Ihrem Konto ${iban} eingezogen. ` +
      `Mandatsreferenz: ${mandate}${mandateDate ? ` vom ${mandateDate}` : ""}, Gläubiger-ID: ${creditor}.`,
    transfer: (date: string, name: string, iban: string, bic: string, reference: string) =>
      `Bitte überweisen Sie den Betrag bis ${date} auf ${name}, IBAN ${iban}, BIC ${bic}. Zahlungsreferenz: ${reference}.`,
    page: (n: number, of: number) => `Seite ${n} von ${of}`,
    continued: "Fortsetzung",
    eInvoice: "Diese Rechnung enthält die elektronische Rechnung (ZUGFeRD, EN 16931) als Anhang factur-x.xml.",
  },
  en: {
    invoice: "Invoice",
    creditNote: "Credit note",
    customerNumber: "Customer number",
    issueDate: "Invoice date",
    dueDate: "Due date",
    period: "Service period",
    deliveryDate: "Date of supply",
    cancels: (number: string, date: string | null) => `Cancels invoice ${number}${date ? ` of ${date}` : ""}`,
    buyerReference: "Your reference",
    buyerVatId: "Customer VAT ID",
    sellerVatId: "VAT ID",
    attention: "Attn.",
    columns: { pos: "No.", description: "Description", quantity: "Qty", unit: "Unit price", vat: "VAT", net: "Net" },
    net: "Total net",
    vatLine: (category: string, rate: string, base: string) =>
      category === VatCategory.REVERSE_CHARGE
        ? `Reverse charge ${rate} on ${base}`
        : category === VatCategory.EXEMPT
          ? `VAT exempt ${rate} on ${base}`
          : category === VatCategory.NOT_SUBJECT
            ? `Not subject to VAT ${rate} on ${base}`
            : `VAT ${rate} on ${base}`,
    gross: "Total amount",
    settled: "The amount is set off against open items or refunded.",
    debit: (date: string, iban: string, mandate: string, mandateDate: string | null, creditor: string) =>
      `The amount will be collected by SEPA direct debit on ${date} from your account ${iban}. ` +
      `Mandate reference: ${mandate}${mandateDate ? ` of ${mandateDate}` : ""}, creditor ID: ${creditor}.`,
    transfer: (date: string, name: string, iban: string, bic: string, reference: string) =>
      `Please transfer the amount by ${date} to ${name}, IBAN ${iban}, BIC ${bic}. Payment reference: ${reference}.`,
    page: (n: number, of: number) => `Page ${n} of ${of}`,
    continued: "continued",
    eInvoice: "This invoice carries the electronic invoice (ZUGFeRD, EN 16931) as the attachment factur-x.xml.",
  },
};

// PDF/A forbids the standard 14 fonts unless embedded: DejaVu Sans is embedded (as a subset).
// Fonts are selected by path: PDFKit caches a font by the name it was selected with, and the
// default font (the regular one) is cached under its path.
const FONT_DIR = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
const FONT = join(FONT_DIR, "DejaVuSans.ttf");
const FONT_BOLD = join(FONT_DIR, "DejaVuSans-Bold.ttf");

/** The file name the Factur-X / ZUGFeRD standard gives the embedded XML. */
export const FACTURX_FILENAME = "factur-x.xml";
const FACTURX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/**
 * The XMP a ZUGFeRD / Factur-X reader looks for: the fx properties (which file, which profile)
 * and the PDF/A extension schema that declares them, as rdf:Description elements in pdfkit's
 * XMP packet (which declares rdf:).
 */
function facturXMetadata(): string {
  const property = (name: string, description: string) => ({
    "@rdf:parseType": "Resource",
    "pdfaProperty:name": name,
    "pdfaProperty:valueType": "Text",
    "pdfaProperty:category": "external",
    "pdfaProperty:description": description,
  });
  const descriptions = [
    {
      "rdf:Description": {
        "@rdf:about": "",
        "@xmlns:fx": FACTURX_NS,
        "fx:DocumentType": "INVOICE",
        "fx:DocumentFileName": FACTURX_FILENAME,
        "fx:Version": "1.0",
        "fx:ConformanceLevel": "EN 16931",
      },
    },
    {
      "rdf:Description": {
        "@rdf:about": "",
        "@xmlns:pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
        "@xmlns:pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
        "@xmlns:pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
        "pdfaExtension:schemas": {
          "rdf:Bag": {
            "rdf:li": {
              "@rdf:parseType": "Resource",
              "pdfaSchema:schema": "Factur-X PDFA Extension Schema",
              "pdfaSchema:namespaceURI": FACTURX_NS,
              "pdfaSchema:prefix": "fx",
              "pdfaSchema:property": {
                "rdf:Seq": {
                  "rdf:li": [
                    property("DocumentFileName", "The name of the embedded XML document"),
                    property("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
                    property("Version", "The actual version of the standard applying to the embedded XML document"),
                    property("ConformanceLevel", "The conformance level of the embedded XML document"),
                  ],
                },
              },
            },
          },
        },
      },
    },
  ];
  return descriptions.map((fragment) => create(fragment).end({ headless: true })).join("\n");
}

const TOP = 50;
const LEFT = 50;
const PAGE_BOTTOM = 842 - 70; // A4; the footer sits below
const COLUMNS = {
  pos: { x: 50, width: 22, align: "left" },
  description: { x: 74, width: 190, align: "left" },
  quantity: { x: 266, width: 44, align: "right" },
  unit: { x: 312, width: 82, align: "right" },
  vat: { x: 396, width: 58, align: "right" },
  net: { x: 456, width: 89, align: "right" },
} as const;
type Cells = Record<keyof typeof COLUMNS, string>;

/**
 * Renders the invoice as PDF/A-3b with PDFKit: DejaVu Sans embedded, the sRGB output intent and
 * XMP metadata (PDFKit's PDF/A subset). For ZUGFeRD the CII XML is embedded as factur-x.xml with
 * the relationship "Alternative" and the Factur-X XMP. Dates and the document id come from the
 * invoice, not the clock, so the same invoice always gives the same bytes. Lines that do not fit
 * go on to the next page under the repeated table header; the totals close the last page.
 */
export function renderInvoicePdf(invoice: PrintableInvoice, embeddedXml: Buffer | null): Promise<Buffer> {
  const t = LABELS[invoice.locale];
  const dateText = (iso: string) => (invoice.locale === "en" ? iso : `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`);
  const money = (cents: number) => formatMoney(cents, invoice.currency, invoice.locale);
  const numbers = new Intl.NumberFormat(invoice.locale === "en" ? "en-GB" : "de-AT", { maximumFractionDigits: 3 });
  const rateText = (r: string | number) => `${numbers.format(Number(r))} %`;
  const title = `${invoice.kind === "CREDIT_NOTE" ? t.creditNote : t.invoice} ${invoice.number}`;
  const seller = invoice.seller;

  const doc = new PDFDocument({
    size: "A4",
    margin: 50,
    compress: true,
    bufferPages: true,
    pdfVersion: "1.7",
    subset: "PDF/A-3b",
    font: FONT,
    lang: invoice.locale === "en" ? "en-GB" : "de-DE",
    info: { Title: title, Author: seller.name, Creator: "Konto", Producer: "Konto", CreationDate: invoice.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));

  if (embeddedXml) {
    // PDFKit supports AFRelationship; its type definitions do not list it yet.
    const attachment = {
      name: FACTURX_FILENAME,
      type: "text/xml",
      relationship: "Alternative",
      description: "Factur-X / ZUGFeRD invoice (EN 16931)",
      creationDate: invoice.createdAt,
      modifiedDate: invoice.createdAt,
    };
    doc.file(embeddedXml, attachment);
    doc.appendXML(facturXMetadata());
  }

  // Header: seller, buyer, document data.
  doc.font(FONT_BOLD).fontSize(14).text(seller.name);
  doc
    .font(FONT)
    .fontSize(8)
    .text(
      `${seller.street} · ${seller.postalCode} ${seller.city} · ${seller.countryCode} · ${t.sellerVatId} ${seller.vatId} · ${seller.email}`,
    );
  doc.moveDown(2);
  const b = invoice.billing;
  doc.fontSize(10).text(b.name).text(b.street).text(`${b.postalCode} ${b.city}`).text(b.countryCode);
  for (const addressee of b.addressees) doc.text(`${t.attention} ${addressee}`);
  doc.moveDown(2);

  doc.font(FONT_BOLD).fontSize(16).text(title);
  doc.font(FONT).fontSize(10);
  doc.text(`${t.customerNumber}: ${invoice.customerNumber}`);
  if (b.vatId) doc.text(`${t.buyerVatId}: ${b.vatId}`);
  if (invoice.buyerReference) doc.text(`${t.buyerReference}: ${invoice.buyerReference}`);
  doc.text(`${t.issueDate}: ${dateText(invoice.issueDate)}`);
  if (invoice.kind === "INVOICE") doc.text(`${t.dueDate}: ${dateText(invoice.dueDate)}`);
  if (invoice.periodStart && invoice.periodEnd) doc.text(`${t.period}: ${dateText(invoice.periodStart)} – ${dateText(invoice.periodEnd)}`);
  else if (invoice.deliveryDate) doc.text(`${t.deliveryDate}: ${dateText(invoice.deliveryDate)}`);
  if (invoice.originalNumber) doc.text(t.cancels(invoice.originalNumber, invoice.originalIssueDate && dateText(invoice.originalIssueDate)));
  doc.moveDown();

  // Only the description wraps; the other cells are one line each, so a row is as high as its description.
  const rowHeight = (cells: Cells) => doc.heightOfString(cells.description, { width: COLUMNS.description.width });
  const drawRow = (cells: Cells, bold = false) => {
    doc.font(bold ? FONT_BOLD : FONT).fontSize(9);
    const y = doc.y;
    const height = rowHeight(cells);
    for (const key of Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]) {
      const column = COLUMNS[key];
      doc.text(cells[key], column.x, y, { width: column.width, align: column.align, lineBreak: key === "description" });
    }
    doc.x = LEFT;
    doc.y = y + height + 3;
  };
  const header: Cells = t.columns;
  const newPage = () => {
    doc.addPage();
    doc.font(FONT).fontSize(8).text(`${title} – ${t.continued}`, LEFT, TOP);
    doc.moveDown();
    drawRow(header, true);
  };

  drawRow(header, true);
  for (const line of invoice.lines) {
    const cells: Cells = {
      pos: String(line.position),
      description: line.description,
      quantity: numbers.format(line.quantity),
      unit: money(line.unitPrice),
      vat:
        line.vatCategory === VatCategory.STANDARD
          ? rateText(line.vatRate)
          : `${rateText(line.vatRate)} ${VAT_CATEGORY_CODE[line.vatCategory]}`,
      net: money(line.net),
    };
    doc.font(FONT).fontSize(9);
    if (doc.y + rowHeight(cells) > PAGE_BOTTOM) newPage();
    drawRow(cells);
  }

  // Totals, the VAT notes and the payment terms stay together on the last page.
  const notes = invoice.breakdown.map((part) => vatNote(part)).filter((note): note is string => !!note);
  const terms = invoice.paymentTerms;
  const termsText =
    invoice.kind === "CREDIT_NOTE"
      ? t.settled
      : terms.method === "SEPA_DIRECT_DEBIT"
        ? t.debit(
            dateText(terms.debitDate),
            terms.ibanMasked,
            terms.mandateReference,
            terms.mandateDate && dateText(terms.mandateDate),
            seller.sepaCreditorId,
          )
        : t.transfer(dateText(invoice.dueDate), seller.name, terms.iban, terms.bic, terms.paymentReference);
  const closing = [...notes, termsText, ...(invoice.format === InvoiceFormat.ZUGFERD ? [t.eInvoice] : [])];
  doc.font(FONT).fontSize(10);
  const closingHeight =
    (invoice.breakdown.length + 3) * doc.currentLineHeight(true) +
    closing.reduce((sum, text) => sum + doc.heightOfString(text, { width: 495 }) + 6, 0);
  if (doc.y + closingHeight > PAGE_BOTTOM) newPage();
  doc.moveDown();
  const total = (label: string, cents: number, bold = false) => {
    const y = doc.y;
    doc
      .font(bold ? FONT_BOLD : FONT)
      .fontSize(10)
      .text(label, 270, y, { width: 200 });
    doc.text(money(cents), 470, y, { width: 75, align: "right" });
    doc.x = LEFT;
  };
  total(t.net, invoice.net);
  for (const part of invoice.breakdown)
    total(t.vatLine(part.category ?? VatCategory.STANDARD, rateText(part.rate), money(part.net)), part.vat);
  total(t.gross, invoice.gross, true);
  doc.moveDown(1.5);
  doc.font(FONT).fontSize(10);
  for (const text of closing) {
    doc.text(text, LEFT, doc.y, { width: 495 });
    doc.moveDown(0.5);
  }

  // Footer on every page: the seller's legal data and the page count.
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing below the margin must not open a page
    doc
      .font(FONT)
      .fontSize(7)
      .text(
        `${seller.name} · ${seller.street}, ${seller.postalCode} ${seller.city}, ${seller.countryCode} · ${seller.registrationId ?? ""} · ${t.sellerVatId} ${seller.vatId} · IBAN ${seller.iban} · ${seller.phone} · ${seller.email}`,
        LEFT,
        842 - 45,
        { width: 495, align: "center", lineBreak: false },
      );
    doc.text(t.page(i + 1, range.count), LEFT, 842 - 35, { width: 495, align: "center", lineBreak: false });
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  return done;
}
