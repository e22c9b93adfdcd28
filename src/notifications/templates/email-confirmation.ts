import { EmailPurpose, purposePhrase } from "./email-purpose";
import { html, layout, Locale, RenderedMail, utcMinutes } from "./template";

export interface EmailConfirmationData {
  /** The new address, the one being confirmed (and the recipient). */
  address: string;
  purpose: EmailPurpose;
  /** The single-use confirmation link. */
  link: string;
  expiresAt: Date;
}

/** The confirmation link for a new address; the previous address stays in use until it is clicked. */
export function renderEmailConfirmation(data: EmailConfirmationData, locale: Locale): RenderedMail {
  const what = purposePhrase(data.purpose, locale);
  const until = utcMinutes(data.expiresAt);
  const [subject, intro, action, validity, ignore] =
    locale === "en"
      ? [
          "Please confirm your email address",
          `Please confirm ${what}: ${data.address}.`,
          "Confirm the address",
          `The link works once until ${until}. Until then the previous address stays in use.`,
          "If you did not ask for this, ignore this message.",
        ]
      : [
          "Bitte bestätigen Sie Ihre E-Mail-Adresse",
          `Bitte bestätigen Sie ${what}: ${data.address}.`,
          "Adresse bestätigen",
          `Der Link gilt einmal bis ${until}. Bis dahin bleibt die bisherige Adresse in Verwendung.`,
          "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht.",
        ];
  return {
    subject,
    text: `${intro}\n\n${action}: ${data.link}\n\n${validity}\n${ignore}\n`,
    html: layout(
      locale,
      html`<p>${intro}</p>
        <p><a href="${data.link}">${action}</a></p>
        <p>${validity}<br />${ignore}</p>`,
    ),
  };
}
