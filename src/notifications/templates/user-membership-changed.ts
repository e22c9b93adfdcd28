import { letter, Locale, RenderedMail } from "./template";

/** A portal user's role at a customer, as the templates name it (CustomerRole's values). */
export type PortalRole = "ADMIN" | "BILLING" | "TECHNICAL" | "READ_ONLY";

const ROLE_NAMES: Record<PortalRole, Record<Locale, string>> = {
  ADMIN: { de: "Administrator", en: "administrator" },
  BILLING: { de: "Buchhaltung", en: "billing" },
  TECHNICAL: { de: "Technik", en: "technical" },
  READ_ONLY: { de: "Nur lesen", en: "read only" },
};

export const roleName = (role: PortalRole, locale: Locale): string => ROLE_NAMES[role][locale];

export type MembershipChange = "added" | "removed" | "role" | "disabled" | "enabled" | "invited";

export interface UserMembershipChangedData {
  change: MembershipChange;
  customerName: string;
  customerNumber: string;
  /** The login (or, for "invited", the invited address) the change concerns. */
  userEmail: string;
  /** The role now (added, role, invited); null when there is none any more. */
  role: PortalRole | null;
  /** Whether the recipient is the user it concerns (else the customer's main email). */
  toUser: boolean;
}

type Lines = { subject: string; body: string };

function english(d: UserMembershipChangedData, customer: string, role: string): Lines {
  const who = d.toUser ? "Your login" : `The login ${d.userEmail}`;
  switch (d.change) {
    case "added":
      return { subject: `New portal user at ${d.customerName}`, body: `${who} now has access to ${customer} with the role ${role}.` };
    case "removed":
      return { subject: `Portal access removed at ${d.customerName}`, body: `${who} no longer has access to ${customer}.` };
    case "role":
      return { subject: `Portal role changed at ${d.customerName}`, body: `${who} now has the role ${role} at ${customer}.` };
    case "disabled":
      return { subject: `Portal login disabled at ${d.customerName}`, body: `${who} was disabled by ${customer}; it cannot sign in.` };
    case "enabled":
      return { subject: `Portal login enabled at ${d.customerName}`, body: `${who} was enabled again by ${customer}.` };
    case "invited":
      return {
        subject: `Portal invitation sent for ${d.customerName}`,
        body: `${d.userEmail} was invited to ${customer} with the role ${role}.`,
      };
  }
}

function german(d: UserMembershipChangedData, customer: string, role: string): Lines {
  const who = d.toUser ? "Ihr Login" : `Der Login ${d.userEmail}`;
  switch (d.change) {
    case "added":
      return {
        subject: `Neuer Portalbenutzer bei ${d.customerName}`,
        body: `${who} hat jetzt Zugriff auf ${customer} mit der Rolle ${role}.`,
      };
    case "removed":
      return { subject: `Portalzugriff entfernt bei ${d.customerName}`, body: `${who} hat keinen Zugriff mehr auf ${customer}.` };
    case "role":
      return { subject: `Portalrolle geändert bei ${d.customerName}`, body: `${who} hat jetzt die Rolle ${role} bei ${customer}.` };
    case "disabled":
      return {
        subject: `Portallogin gesperrt bei ${d.customerName}`,
        body: `${who} wurde von ${customer} gesperrt und kann sich nicht anmelden.`,
      };
    case "enabled":
      return { subject: `Portallogin entsperrt bei ${d.customerName}`, body: `${who} wurde von ${customer} wieder freigegeben.` };
    case "invited":
      return {
        subject: `Portaleinladung für ${d.customerName}`,
        body: `${d.userEmail} wurde zu ${customer} mit der Rolle ${role} eingeladen.`,
      };
  }
}

/** A change to a customer's portal users: to the user it concerns and to the customer's main email. */
export function renderUserMembershipChanged(data: UserMembershipChangedData, locale: Locale): RenderedMail {
  const customer = `${data.customerName} (${data.customerNumber})`;
  const role = data.role ? roleName(data.role, locale) : "-";
  const { subject, body } = locale === "en" ? english(data, customer, role) : german(data, customer, role);
  const note =
    locale === "en"
      ? "If you did not expect this, contact the administrator of your customer account."
      : "Wenn Sie das nicht erwartet haben, wenden Sie sich an die Administration Ihres Kundenkontos.";
  return letter(locale, subject, locale === "en" ? "Hello," : "Guten Tag,", `${body} ${note}`);
}
