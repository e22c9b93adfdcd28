import { html, layout, Locale, RenderedMail } from "./template";

export interface PasswordResetData {
  /** The single-use reset link; it is valid for one hour (PASSWORD_RESET_TTL_MS). */
  link: string;
}

/** "I forgot my password": a single-use link to set a new one. */
export function renderPasswordReset(data: PasswordResetData, locale: Locale): RenderedMail {
  const [subject, greeting, intro, ignore] =
    locale === "en"
      ? [
          "Reset your password",
          "Hello,",
          "use this link to set a new password (valid for one hour, once):",
          "If you did not ask for this, ignore this message; your password stays as it is.",
        ]
      : [
          "Passwort zurücksetzen",
          "Guten Tag,",
          "mit diesem Link setzen Sie Ihr Passwort neu (gültig eine Stunde, nur einmal):",
          "Wenn Sie das nicht angefordert haben, ignorieren Sie diese Nachricht; Ihr Passwort bleibt unverändert.",
        ];
  return {
    subject,
    text: `${greeting}\n\n${intro}\n${data.link}\n\n${ignore}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${intro}<br /><a href="${data.link}">${data.link}</a></p>
        <p>${ignore}</p>`,
    ),
  };
}
