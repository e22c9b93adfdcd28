import { letter, Locale, RenderedMail } from "./template";

export interface CustomerClosureData {
  customerNumber: string;
  /** Years invoices are kept after the closure (INVOICE_RETENTION_YEARS). */
  retentionYears: number;
}

/** Sent before a closed customer's personal data is erased: what goes, and what the law makes us keep. */
export function renderCustomerClosure(data: CustomerClosureData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? [
          `Customer account ${data.customerNumber} is closed`,
          "Hello,",
          `as you asked, customer account ${data.customerNumber} is closed. Its logins have ended, and its personal data (contacts, users, logs) is being erased now. Invoices are kept for the legal retention period of ${data.retentionYears} years and then deleted. This is the last message to this address.`,
        ]
      : [
          `Kundenkonto ${data.customerNumber} ist geschlossen`,
          "Guten Tag,",
          `wie gewünscht ist das Kundenkonto ${data.customerNumber} geschlossen. Seine Anmeldungen sind beendet, und seine personenbezogenen Daten (Ansprechpartner, Benutzer, Protokolle) werden jetzt gelöscht. Rechnungen bewahren wir für die gesetzliche Aufbewahrungsfrist von ${data.retentionYears} Jahren auf und löschen sie danach. Dies ist die letzte Nachricht an diese Adresse.`,
        ];
  return letter(locale, subject, greeting, body);
}
