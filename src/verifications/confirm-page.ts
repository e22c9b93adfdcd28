import { localeOf } from "../notifications/templates/template";

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

/** The small page behind the link. It never contains the token. */
export function confirmPage(outcome: ConfirmPage, locale: string): string {
  const l = localeOf(locale);
  const [title, message] = PAGES[outcome][l];
  return (
    `<!doctype html><html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>` +
    `<body><h1>${title}</h1><p>${message}</p></body></html>`
  );
}
