import { letter, Locale, RenderedMail } from "./template";

export interface InvoiceData {
  kind: "INVOICE" | "CREDIT_NOTE";
  number: string;
  /** The gross amount, formatted with its currency (formatMoney). */
  amount: string;
  /** Only an invoice has one; a credit note is not due. */
  dueDate: string | null;
  providerName: string;
}

/** The email an issued invoice or credit note goes out with; the sender attaches the PDF. */
export function renderInvoice(data: InvoiceData, locale: Locale): RenderedMail {
  const creditNote = data.kind === "CREDIT_NOTE";
  const due = !creditNote && data.dueDate;
  const [subject, greeting, body] =
    locale === "en"
      ? [
          `${creditNote ? "Credit note" : "Invoice"} ${data.number}`,
          "Hello,",
          `attached is your ${creditNote ? "credit note" : "invoice"} ${data.number} over ${data.amount}${due ? `, due ${data.dueDate}` : ""}.`,
        ]
      : [
          `${creditNote ? "Gutschrift" : "Rechnung"} ${data.number}`,
          "Guten Tag,",
          `anbei erhalten Sie Ihre ${creditNote ? "Gutschrift" : "Rechnung"} ${data.number} über ${data.amount}${due ? `, fällig am ${data.dueDate}` : ""}.`,
        ];
  return letter(locale, subject, greeting, body, data.providerName);
}
