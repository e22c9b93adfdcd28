import { letter, Locale, RenderedMail } from "./template";

export interface MergeDecidedData {
  approved: boolean;
  /** The customer number that is merged away (B); it stays an alias of the target. */
  sourceCustomerNumber: string;
  /** The customer number everything moves under (A). */
  targetCustomerNumber: string;
  /** The customer number of the recipient: both customers get this message. */
  recipientCustomerNumber: string;
  /** The reason of a rejection; an approval does not mention it. */
  reason: string | null;
}

/** Tells both customers how staff decided the merge of their customer numbers. */
export function renderMergeDecided(data: MergeDecidedData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const { sourceCustomerNumber: source, targetCustomerNumber: target } = data;
  const subject = data.approved
    ? en
      ? "Customer numbers merged"
      : "Kundennummern zusammengeführt"
    : en
      ? "Merge rejected"
      : "Zusammenführung abgelehnt";
  const greeting = en ? "Hello," : "Guten Tag,";
  const body = data.approved
    ? en
      ? `customer number ${source} was merged into ${target}. Products, invoices, contacts and logins now belong to ${target}; ` +
        `${source} keeps leading there. (${data.recipientCustomerNumber})`
      : `die Kundennummer ${source} wurde mit ${target} zusammengeführt. Produkte, Rechnungen, Ansprechpartner und Logins gehören nun zu ${target}; ` +
        `${source} führt weiterhin dorthin. (${data.recipientCustomerNumber})`
    : en
      ? `the merge of ${source} into ${target} was rejected. Reason: ${data.reason ?? ""}`
      : `die Zusammenführung von ${source} mit ${target} wurde abgelehnt. Begründung: ${data.reason ?? ""}`;
  return letter(locale, subject, greeting, body);
}
