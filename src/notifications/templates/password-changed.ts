import { letter, Locale, RenderedMail, utcMinutes } from "./template";

export interface PasswordChangedData {
  /** The login's address (and the recipient). */
  email: string;
  /** Changed with the current password, or reset with an emailed link. */
  how: "changed" | "reset";
  at: Date;
}

/** Security notice to a login's address: a change of its password is noticed even when someone else made it. */
export function renderPasswordChanged(data: PasswordChangedData, locale: Locale): RenderedMail {
  const when = utcMinutes(data.at);
  const [subject, greeting, body] =
    locale === "en"
      ? [
          "Your password was changed",
          "Hello,",
          `the password of your login ${data.email} was ${data.how === "reset" ? "reset with an emailed link" : "changed"} on ${when}; your other sessions have been ended. If this was not you, reset your password in the portal and contact us.`,
        ]
      : [
          "Ihr Passwort wurde geändert",
          "Guten Tag,",
          `das Passwort Ihres Logins ${data.email} wurde am ${when} ${data.how === "reset" ? "über einen E-Mail-Link neu gesetzt" : "geändert"}; Ihre anderen Sitzungen wurden beendet. Wenn Sie das nicht waren, setzen Sie Ihr Passwort im Portal zurück und melden Sie sich bei uns.`,
        ];
  return letter(locale, subject, greeting, body);
}
