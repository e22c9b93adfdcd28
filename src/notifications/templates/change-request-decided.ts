import { html, layout, Locale, RenderedMail } from "./template";

export interface ChangeRequestDecidedData {
  approved: boolean;
  customerNumber: string;
  /** Staff's note on an approval (optional) or the reason of a rejection. */
  reason: string | null;
}

/** Tells the customer's main email how staff decided a change request. */
export function renderChangeRequestDecided(data: ChangeRequestDecidedData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const reason = data.reason ?? "";
  const subject = en
    ? `Change request ${data.approved ? "approved" : "rejected"}`
    : `Änderungsantrag ${data.approved ? "genehmigt" : "abgelehnt"}`;
  const greeting = en ? "Hello," : "Guten Tag,";
  const decision = en
    ? `your change request for customer ${data.customerNumber} was ${data.approved ? "approved and is in effect" : "rejected"}.`
    : `Ihr Änderungsantrag zur Kundennummer ${data.customerNumber} wurde ${data.approved ? "genehmigt und ist wirksam" : "abgelehnt"}.`;
  // An approval mentions a note only if staff wrote one; a rejection always gives its reason.
  const reasonLine = data.approved ? (reason ? `${en ? "Note" : "Hinweis"}: ${reason}` : "") : `${en ? "Reason" : "Begründung"}: ${reason}`;
  const text = data.approved
    ? `${greeting}\n\n${decision}\n${reasonLine ? `\n${reasonLine}\n` : ""}`
    : `${greeting}\n\n${decision}\n${reasonLine}\n`;
  return {
    subject,
    text,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${decision}</p>
        ${reasonLine ? html`<p>${reasonLine}</p>` : ""}`,
    ),
  };
}
