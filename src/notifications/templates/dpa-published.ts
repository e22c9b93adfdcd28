import { letter, Locale, RenderedMail } from "./template";

export interface DpaPublishedData {
  customerNumber: string;
  /** The new version's label, e.g. "2027-01". */
  version: string;
  providerName: string;
}

/** A new version of the data-processing agreement: a customer that accepted an earlier one is asked to accept it. */
export function renderDpaPublished(data: DpaPublishedData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? [
          `New version ${data.version} of the data-processing agreement`,
          "Hello,",
          `${data.providerName} published version ${data.version} of the data-processing agreement. An administrator of customer ${data.customerNumber} can read and accept it under "Data protection" in the customer portal.`,
        ]
      : [
          `Neue Fassung ${data.version} der Vereinbarung zur Auftragsverarbeitung`,
          "Guten Tag,",
          `${data.providerName} hat die Fassung ${data.version} der Vereinbarung zur Auftragsverarbeitung veröffentlicht. Ein Administrator des Kunden ${data.customerNumber} kann sie im Kundenportal unter „Datenschutz“ lesen und annehmen.`,
        ];
  return letter(locale, subject, greeting, body);
}
