import { html, layout, Locale, RenderedMail } from "./template";

export interface UsernameReminderData {
  customerNumber: string;
  /** The email addresses of the customer's enabled logins. */
  loginEmails: string[];
  /** The customer has a customer password, so the customer number is a login too. */
  customerNumberIsLogin: boolean;
}

/** "I forgot my username": every login of a customer, sent to the customer's stored email. */
export function renderUsernameReminder(data: UsernameReminderData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const logins = [...data.loginEmails];
  if (data.customerNumberIsLogin) logins.push(`${en ? "customer number" : "Kundennummer"} ${data.customerNumber}`);
  const [subject, greeting, intro, none, ignore] = en
    ? [
        "Your logins",
        "Hello,",
        `customer number ${data.customerNumber} has these logins:`,
        "(none yet)",
        "If you did not ask for this, you can ignore this message.",
      ]
    : [
        "Ihre Logins",
        "Guten Tag,",
        `für die Kundennummer ${data.customerNumber} gibt es diese Logins:`,
        "(noch keiner)",
        "Wenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren.",
      ];
  const textList = logins.length ? logins.map((login) => `  - ${login}`).join("\n") : `  ${none}`;
  const htmlList = logins.length
    ? html`<ul>
        ${logins.map((login) => html`<li>${login}</li>`)}
      </ul>`
    : html`<p>${none}</p>`;
  return {
    subject,
    text: `${greeting}\n\n${intro}\n${textList}\n\n${ignore}\n`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${intro}</p>
        ${htmlList}
        <p>${ignore}</p>`,
    ),
  };
}
