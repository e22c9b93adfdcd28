import { letter, Locale, RenderedMail } from "./template";

export interface SupportConfirmationData {
  reference: string;
  subject: string;
}

/** Confirms to the customer that a support request arrived, with the reference to quote. */
export function renderSupportConfirmation(data: SupportConfirmationData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? [
          `We received your request ${data.reference}`,
          "Hello,",
          `we received your request "${data.subject}". Its reference is ${data.reference}.`,
        ]
      : [
          `Wir haben Ihre Anfrage ${data.reference} erhalten`,
          "Guten Tag,",
          `wir haben Ihre Anfrage „${data.subject}“ erhalten. Die Referenz ist ${data.reference}.`,
        ];
  return letter(locale, subject, greeting, body);
}
