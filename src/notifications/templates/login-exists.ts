import { letter, Locale, RenderedMail } from "./template";

export interface LoginExistsData {
  /** The address someone tried to register, which already has a login (and the recipient). */
  email: string;
}

/** A registration for an address that already has a login: its owner hears so, nobody else learns it. */
export function renderLoginExists(data: LoginExistsData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? ["Your login", "Hello,", `${data.email} already has a login. If you forgot its password, reset it in the portal.`]
      : [
          "Ihr Login",
          "Guten Tag,",
          `für ${data.email} gibt es schon einen Login. Wenn Sie Ihr Passwort vergessen haben, setzen Sie es im Portal zurück.`,
        ];
  return letter(locale, subject, greeting, body);
}
