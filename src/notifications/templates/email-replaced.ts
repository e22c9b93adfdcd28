import { EmailPurpose, purposePhrase } from "./email-purpose";
import { html, layout, Locale, RenderedMail } from "./template";

export interface EmailReplacedData {
  /** The address that was replaced (and the recipient). */
  oldEmail: string;
  newEmail: string;
  purpose: EmailPurpose;
}

/** Tells the old address that it was replaced, so a change the owner did not make is noticed. */
export function renderEmailReplaced(data: EmailReplacedData, locale: Locale): RenderedMail {
  const what = purposePhrase(data.purpose, locale);
  // Lower case after "Hello," is the house style of every letter-like message, as in German.
  const [subject, greeting, changed, warning] =
    locale === "en"
      ? [
          "Your email address was changed",
          "Hello,",
          `${what} was changed from ${data.oldEmail} to ${data.newEmail}. This address is no longer used for it.`,
          "If this was not you, contact us at once.",
        ]
      : [
          "Ihre E-Mail-Adresse wurde geändert",
          "Guten Tag,",
          `${what} wurde von ${data.oldEmail} auf ${data.newEmail} geändert. Diese Adresse wird dafür nicht mehr verwendet.`,
          "Wenn Sie das nicht waren, melden Sie sich bitte sofort bei uns.",
        ];
  return {
    subject,
    text: `${greeting}\n\n${changed}\n${warning}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${changed}<br />${warning}</p>`,
    ),
  };
}
