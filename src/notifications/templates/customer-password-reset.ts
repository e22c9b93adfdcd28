import { html, layout, Locale, RenderedMail } from "./template";

export interface CustomerPasswordResetData {
  customerNumber: string;
  /** The single-use link; it is valid for one hour (CUSTOMER_PASSWORD_RESET_TTL_MS). */
  link: string;
}

/** "I forgot the customer password" (or there is none yet): a single-use link to set it, to the customer's main email. */
export function renderCustomerPasswordReset(data: CustomerPasswordResetData, locale: Locale): RenderedMail {
  const [subject, greeting, intro, ignore] =
    locale === "en"
      ? [
          "Set your customer password",
          "Hello,",
          `use this link to set the customer password of customer number ${data.customerNumber} (valid for one hour, once):`,
          "If you did not ask for this, ignore this message; the customer password stays as it is.",
        ]
      : [
          "Kundenpasswort festlegen",
          "Guten Tag,",
          `mit diesem Link legen Sie das Kundenpasswort der Kundennummer ${data.customerNumber} neu fest (gültig eine Stunde, nur einmal):`,
          "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht; das Kundenpasswort bleibt unverändert.",
        ];
  return {
    subject,
    text: `${greeting}\n\n${intro}\n${data.link}\n\n${ignore}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${intro}<br /><a href="${data.link}">${data.link}</a></p>
        <p>${ignore}</p>`,
    ),
  };
}
