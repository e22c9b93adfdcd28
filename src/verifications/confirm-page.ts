import { html, localeOf, SafeHtml } from "../notifications/templates/template";
import { EmailVerificationPurpose as Purpose } from "./email-verification.enums";

export type ConfirmPage = "CONFIRMED" | "EXPIRED" | "ALREADY_USED" | "UNKNOWN";

const PAGES: { [P in ConfirmPage]: { de: [string, string]; en: [string, string] } } = {
  CONFIRMED: {
    de: ["Adresse bestätigt", "Vielen Dank. Die neue E-Mail-Adresse ist ab sofort in Verwendung."],
    en: ["Address confirmed", "Thank you. The new email address is in use from now on."],
  },
  EXPIRED: {
    de: ["Link abgelaufen", "Dieser Link ist nicht mehr gültig. Bitte fordern Sie im Portal einen neuen an."],
    en: ["Link expired", "This link is no longer valid. Please ask for a new one in the portal."],
  },
  ALREADY_USED: {
    de: ["Bereits bestätigt", "Diese Adresse wurde mit diesem Link schon bestätigt."],
    en: ["Already confirmed", "This address was already confirmed with this link."],
  },
  UNKNOWN: {
    de: ["Link ungültig", "Diesen Link kennen wir nicht, oder er wurde durch einen neueren ersetzt."],
    en: ["Invalid link", "We do not know this link, or a newer one replaced it."],
  },
};

const PURPOSES: { [P in Purpose]: { de: string; en: string } } = {
  [Purpose.CUSTOMER_EMAIL]: { de: "die E-Mail-Adresse des Kundenkontos", en: "the email address of the customer account" },
  [Purpose.CONTACT_EMAIL]: { de: "die E-Mail-Adresse eines Ansprechpartners", en: "the email address of a contact" },
  [Purpose.ONLINE_INVOICE_EMAIL]: { de: "die Adresse für Online-Rechnungen", en: "the address for online invoices" },
  [Purpose.NEWSLETTER_EMAIL]: { de: "die Adresse für den Newsletter", en: "the address for the newsletter" },
  [Purpose.LOGIN_EMAIL]: { de: "die E-Mail-Adresse einer Anmeldung", en: "the email address of a login" },
};

const PENDING = {
  de: { title: "Neue Adresse bestätigen", change: "Neue Adresse für", button: "Adresse bestätigen" },
  en: { title: "Confirm the new address", change: "New address for", button: "Confirm the address" },
};

function page(l: "de" | "en", title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="${l}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            max-width: 32rem;
            margin: 4rem auto;
            padding: 0 1rem;
            color: #222;
          }
          button {
            font-size: 1rem;
            padding: 0.5rem 1rem;
          }
        </style>
      </head>
      <body>
        <h1>${title}</h1>
        ${body}
      </body>
    </html>`.value;
}

/** The small page that tells a link's outcome. It never contains the token. */
export function confirmPage(outcome: ConfirmPage, locale: string): string {
  const l = localeOf(locale);
  const [title, message] = PAGES[outcome][l];
  return page(l, title, html`<p>${message}</p>`);
}

/**
 * What the link shows before anything changes: the pending change and a button that confirms it
 * (a form POST back to /verify-email with the link's token), so that a mail gateway's link
 * scanner, which only follows links, confirms nothing.
 */
export function pendingPage(purpose: Purpose, newEmail: string, token: string, locale: string): string {
  const l = localeOf(locale);
  const text = PENDING[l];
  return page(
    l,
    text.title,
    html`<p>${text.change} ${PURPOSES[purpose][l]}:</p>
      <p><strong>${newEmail}</strong></p>
      <form method="post" action="verify-email">
        <input type="hidden" name="token" value="${token}" /><button type="submit">${text.button}</button>
      </form>`,
  );
}
