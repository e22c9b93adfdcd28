import { letter, Locale, RenderedMail, utcMinutes } from "./template";

export interface RecoveryCodeUsedData {
  /** The login as its owner knows it: the email of a personal login, or the customer number. */
  login: string;
  /** Unused recovery codes left after this one. */
  left: number;
  at: Date;
}

/** Security notice: a recovery code stood in for the second factor; someone who stole the codes is noticed. */
export function renderRecoveryCodeUsed(data: RecoveryCodeUsedData, locale: Locale): RenderedMail {
  const when = utcMinutes(data.at);
  return locale === "en"
    ? letter(
        locale,
        "A recovery code was used",
        "Hello,",
        `a recovery code of your login ${data.login} was used to sign in on ${when}; ${data.left} unused recovery ${data.left === 1 ? "code is" : "codes are"} left. ${data.left <= 3 ? "Generate new recovery codes in the portal soon. " : ""}If this was not you, change your password in the portal and contact us.`,
      )
    : letter(
        locale,
        "Ein Wiederherstellungscode wurde verwendet",
        "Guten Tag,",
        `mit einem Wiederherstellungscode Ihres Logins ${data.login} wurde am ${when} angemeldet; ${data.left === 1 ? "es ist noch 1 unbenutzter Code" : `es sind noch ${data.left} unbenutzte Codes`} übrig. ${data.left <= 3 ? "Erzeugen Sie bald neue Wiederherstellungscodes im Portal. " : ""}Wenn Sie das nicht waren, ändern Sie Ihr Passwort im Portal und melden Sie sich bei uns.`,
      );
}
