import { letter, Locale, RenderedMail, utcMinutes } from "./template";

export interface CustomerPasswordChangedData {
  customerNumber: string;
  /** Set for the first time, changed with the current one, or reset with an emailed link. */
  how: "set" | "changed" | "reset";
  at: Date;
}

const HOW = {
  set: { de: "festgelegt", en: "set" },
  changed: { de: "geändert", en: "changed" },
  reset: { de: "über einen E-Mail-Link neu gesetzt", en: "reset with an emailed link" },
};

/** Security notice to the customer's main email: a change of the customer password is noticed even when someone else made it. */
export function renderCustomerPasswordChanged(data: CustomerPasswordChangedData, locale: Locale): RenderedMail {
  const when = utcMinutes(data.at);
  const [subject, greeting, body] =
    locale === "en"
      ? [
          "Your customer password was changed",
          "Hello,",
          `the customer password of customer number ${data.customerNumber} was ${HOW[data.how].en} on ${when}; every other session of the customer-number login has been ended. If this was not you, contact us at once.`,
        ]
      : [
          "Ihr Kundenpasswort wurde geändert",
          "Guten Tag,",
          `das Kundenpasswort der Kundennummer ${data.customerNumber} wurde am ${when} ${HOW[data.how].de}; alle anderen Sitzungen des Logins mit der Kundennummer wurden beendet. Wenn Sie das nicht waren, melden Sie sich bitte sofort bei uns.`,
        ];
  return letter(locale, subject, greeting, body);
}
