import { MailMessage } from "../platform/mailer";
import { RecordedMail } from "../outbox/outbox.service";
import { EmailVerificationPurpose as Purpose } from "./email-verification.entity";

type Locale = "de" | "en";

const WHAT: { [P in Purpose]: { de: string; en: string } } = {
  [Purpose.CUSTOMER_EMAIL]: { de: "die E-Mail-Adresse Ihres Kundenkontos", en: "the email address of your customer account" },
  [Purpose.CONTACT_EMAIL]: { de: "Ihre E-Mail-Adresse als Ansprechpartner", en: "your email address as a contact" },
  [Purpose.ONLINE_INVOICE_EMAIL]: { de: "die Adresse für Online-Rechnungen", en: "the address for online invoices" },
  [Purpose.NEWSLETTER_EMAIL]: { de: "die Adresse für den Newsletter", en: "the address for the newsletter" },
  [Purpose.LOGIN_EMAIL]: { de: "Ihre Login-Adresse", en: "your login address" },
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const lang = (locale: string): Locale => (locale === "en" ? "en" : "de");

/** The confirmation email, as text and HTML, in the customer's language. */
export function confirmationMail(input: { to: string; purpose: Purpose; link: string; expiresAt: Date; locale: string }): MailMessage {
  const l = lang(input.locale);
  const what = WHAT[input.purpose][l];
  const until = input.expiresAt.toISOString().slice(0, 16).replace("T", " ");
  const [subject, intro, action, validity, ignore] =
    l === "en"
      ? ["Please confirm your email address", `Please confirm ${what}: ${input.to}.`, "Confirm the address", `The link works once until ${until} UTC. Until then the previous address stays in use.`, "If you did not ask for this, ignore this message."]
      : ["Bitte bestätigen Sie Ihre E-Mail-Adresse", `Bitte bestätigen Sie ${what}: ${input.to}.`, "Adresse bestätigen", `Der Link gilt einmal bis ${until} UTC. Bis dahin bleibt die bisherige Adresse in Verwendung.`, "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht."];
  return {
    to: input.to,
    subject,
    text: `${intro}\n\n${action}: ${input.link}\n\n${validity}\n${ignore}\n`,
    html:
      `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(input.link)}">${escapeHtml(action)}</a></p>` +
      `<p>${escapeHtml(validity)}<br>${escapeHtml(ignore)}</p>`,
  };
}

/** Tells the old address that it was replaced, recorded with the confirmation. */
export function replacedNotice(input: { verificationId: number; oldEmail: string; newEmail: string; purpose: Purpose; locale: string }): RecordedMail {
  const l = lang(input.locale);
  const what = WHAT[input.purpose][l];
  const text =
    l === "en"
      ? `Hello,\n\n${what} was changed from ${input.oldEmail} to ${input.newEmail}. This address is no longer used for it.\nIf this was not you, contact us at once.\n`
      : `Guten Tag,\n\n${what} wurde von ${input.oldEmail} auf ${input.newEmail} geändert. Diese Adresse wird dafür nicht mehr verwendet.\nWenn Sie das nicht waren, melden Sie sich bitte sofort bei uns.\n`;
  return {
    key: `email-replaced:${input.verificationId}`,
    messages: [{ to: input.oldEmail, subject: l === "en" ? "Your email address was changed" : "Ihre E-Mail-Adresse wurde geändert", text }],
  };
}

export type ConfirmPage = "CONFIRMED" | "EXPIRED" | "ALREADY_USED" | "UNKNOWN";

const PAGES: { [P in ConfirmPage]: { de: [string, string]; en: [string, string] } } = {
  CONFIRMED: { de: ["Adresse bestätigt", "Vielen Dank. Die neue E-Mail-Adresse ist ab sofort in Verwendung."], en: ["Address confirmed", "Thank you. The new email address is in use from now on."] },
  EXPIRED: { de: ["Link abgelaufen", "Dieser Link ist nicht mehr gültig. Bitte fordern Sie im Portal einen neuen an."], en: ["Link expired", "This link is no longer valid. Please ask for a new one in the portal."] },
  ALREADY_USED: { de: ["Bereits bestätigt", "Diese Adresse wurde mit diesem Link schon bestätigt."], en: ["Already confirmed", "This address was already confirmed with this link."] },
  UNKNOWN: { de: ["Link ungültig", "Diesen Link kennen wir nicht, oder er wurde durch einen neueren ersetzt."], en: ["Invalid link", "We do not know this link, or a newer one replaced it."] },
};

/** The small page behind the link. It never contains the token. */
export function confirmPage(outcome: ConfirmPage, locale: string): string {
  const l = lang(locale);
  const [title, message] = PAGES[outcome][l];
  return `<!doctype html><html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>` +
    `<body><h1>${title}</h1><p>${message}</p></body></html>`;
}
