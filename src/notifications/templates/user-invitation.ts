import { html, layout, Locale, RenderedMail, utcMinutes } from "./template";
import { PortalRole, roleName } from "./user-membership-changed";

export interface UserInvitationData {
  customerName: string;
  customerNumber: string;
  role: PortalRole;
  /** Who invited, as the audit log names them. */
  invitedBy: string;
  /** The single-use link; valid until expiresAt (INVITATION_TTL_MS). */
  link: string;
  expiresAt: Date;
  /** Whether the address already has a login: then the link asks for its password instead of a new one. Only the mailbox's owner reads this. */
  existingLogin: boolean;
}

/** An invitation to a customer's portal: a single-use link to accept it. */
export function renderUserInvitation(data: UserInvitationData, locale: Locale): RenderedMail {
  const customer = `${data.customerName} (${data.customerNumber})`;
  const until = utcMinutes(data.expiresAt);
  const [subject, greeting, intro, action, ignore] =
    locale === "en"
      ? [
          `Invitation to the customer portal of ${data.customerName}`,
          "Hello,",
          `${data.invitedBy} invites you to the customer portal of ${customer} with the role ${roleName(data.role, locale)}.`,
          data.existingLogin
            ? `You already have a login with this address: open this link and sign in or give its password to accept (valid until ${until}, once):`
            : `Open this link to choose your password and accept (valid until ${until}, once):`,
          "If you do not want to join, ignore this message.",
        ]
      : [
          `Einladung zum Kundenportal von ${data.customerName}`,
          "Guten Tag,",
          `${data.invitedBy} lädt Sie zum Kundenportal von ${customer} mit der Rolle ${roleName(data.role, locale)} ein.`,
          data.existingLogin
            ? `Sie haben mit dieser Adresse schon einen Login: Öffnen Sie diesen Link und melden Sie sich an oder geben Sie sein Passwort an, um anzunehmen (gültig bis ${until}, nur einmal):`
            : `Öffnen Sie diesen Link, um Ihr Passwort zu wählen und anzunehmen (gültig bis ${until}, nur einmal):`,
          "Wenn Sie nicht beitreten möchten, ignorieren Sie diese Nachricht.",
        ];
  return {
    subject,
    text: `${greeting}\n\n${intro}\n\n${action}\n${data.link}\n\n${ignore}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${intro}</p>
        <p>${action}<br /><a href="${data.link}">${data.link}</a></p>
        <p>${ignore}</p>`,
    ),
  };
}
