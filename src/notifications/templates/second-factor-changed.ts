import { letter, Locale, RenderedMail, utcMinutes } from "./template";

/** What changed about a login's second factors; the TOTP, passkey and staff-reset work all tell it with this one message. */
export type SecondFactorChange =
  "totp-enrolled" | "totp-removed" | "recovery-codes-regenerated" | "passkey-added" | "passkey-removed" | "reset-by-staff";

export interface SecondFactorChangedData {
  /** The login as its owner knows it: the email of a personal login, or the customer number. */
  login: string;
  change: SecondFactorChange;
  at: Date;
}

const WHAT: Record<SecondFactorChange, { de: [string, string]; en: [string, string] }> = {
  "totp-enrolled": {
    de: ["Zweiter Faktor eingerichtet", "wurde eine Authenticator-App (TOTP) als zweiter Faktor eingerichtet"],
    en: ["Second factor enrolled", "an authenticator app (TOTP) was enrolled as a second factor"],
  },
  "totp-removed": {
    de: ["Zweiter Faktor entfernt", "wurde die Authenticator-App (TOTP) als zweiter Faktor entfernt"],
    en: ["Second factor removed", "the authenticator app (TOTP) was removed as a second factor"],
  },
  "recovery-codes-regenerated": {
    de: ["Neue Wiederherstellungscodes", "wurden neue Wiederherstellungscodes erzeugt; die bisherigen gelten nicht mehr"],
    en: ["New recovery codes", "new recovery codes were generated; the previous ones no longer work"],
  },
  "passkey-added": {
    de: ["Passkey hinzugefügt", "wurde ein Passkey hinzugefügt"],
    en: ["Passkey added", "a passkey was added"],
  },
  "passkey-removed": {
    de: ["Passkey entfernt", "wurde ein Passkey entfernt"],
    en: ["Passkey removed", "a passkey was removed"],
  },
  "reset-by-staff": {
    de: ["Zweiter Faktor zurückgesetzt", "hat unser Support-Team die zweiten Faktoren zurückgesetzt"],
    en: ["Second factor reset", "our support team reset the second factors"],
  },
};

/** Security notice to the login's address: a change to its second factors is noticed even when someone else made it. */
export function renderSecondFactorChanged(data: SecondFactorChangedData, locale: Locale): RenderedMail {
  const when = utcMinutes(data.at);
  const [title, what] = WHAT[data.change][locale];
  return locale === "en"
    ? letter(
        locale,
        `Your login: ${title.toLowerCase()}`,
        "Hello,",
        `for your login ${data.login}, ${what} on ${when}. If this was not you, change your password in the portal and contact us.`,
      )
    : letter(
        locale,
        `Ihr Login: ${title}`,
        "Guten Tag,",
        `für Ihren Login ${data.login} ${what} (${when}). Wenn Sie das nicht waren, ändern Sie Ihr Passwort im Portal und melden Sie sich bei uns.`,
      );
}
