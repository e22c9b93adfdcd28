import { letter, Locale, RenderedMail, utcMinutes } from "./template";

export interface SecondFactorChangedData {
  /** The login: its email, or the customer number of the customer-number login. */
  account: string;
  /** What changed, e.g. "passkey-added"; an unknown change is told in general words. */
  change: string;
  at: Date;
}

const CHANGES: Record<string, { de: string; en: string }> = {
  "passkey-added": { de: "ein Passkey hinzugefügt", en: "a passkey was added" },
  "passkey-removed": { de: "ein Passkey entfernt", en: "a passkey was removed" },
};
const GENERAL = { de: "die Anmeldung mit zweitem Faktor geändert", en: "the second factors were changed" };

/** Security notice to the login's address: a change of its second factors is noticed even when someone else made it. */
export function renderSecondFactorChanged(data: SecondFactorChangedData, locale: Locale): RenderedMail {
  const when = utcMinutes(data.at);
  const what = CHANGES[data.change] ?? GENERAL;
  const [subject, greeting, body] =
    locale === "en"
      ? [
          "The sign-in of your login was changed",
          "Hello,",
          `for your login ${data.account}, ${what.en} on ${when}. If this was not you, change your password, check your second factors in the portal and contact us.`,
        ]
      : [
          "Die Anmeldung Ihres Logins wurde geändert",
          "Guten Tag,",
          `für Ihren Login ${data.account} wurde am ${when} ${what.de}. Wenn Sie das nicht waren, ändern Sie Ihr Passwort, prüfen Sie Ihre zweiten Faktoren im Portal und melden Sie sich bei uns.`,
        ];
  return letter(locale, subject, greeting, body);
}
