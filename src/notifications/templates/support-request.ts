import { html, layout, Locale, paragraphs, RenderedMail } from "./template";

export interface SupportRequestData {
  reference: string;
  subject: string;
  message: string;
  customerNumber: string;
  customerName: string;
  /** Who opened the request, as the audit log names a principal. */
  requestedBy: string;
  /** The contact to call back, if the customer picked one. */
  callbackContact: { firstName: string; lastName: string; phone: string | null; email: string } | null;
  productId: number | null;
}

/** A customer's support request, to the support team's mailbox. */
export function renderSupportRequest(data: SupportRequestData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const contact = data.callbackContact;
  const callback = contact ? `${contact.firstName} ${contact.lastName}, ${contact.phone ?? contact.email}` : "-";
  const fields: [string, string][] = [
    [en ? "Customer" : "Kunde", `${data.customerName} (${data.customerNumber})`],
    [en ? "From" : "Von", data.requestedBy],
    [en ? "Callback" : "Rückruf", callback],
    [en ? "Product" : "Produkt", data.productId === null ? "-" : String(data.productId)],
  ];
  return {
    // The reference leads so that replies thread by it; the customer number lets support sort at a glance.
    subject: `[${data.reference}] ${data.subject} (${en ? "customer" : "Kunde"} ${data.customerNumber})`,
    text: `${fields.map(([label, value]) => `${label}: ${value}`).join("\n")}\n\n${data.message}\n`,
    html: layout(
      locale,
      html`<p>${fields.map(([label, value], i) => html`${i ? html`<br />` : ""}${label}: ${value}`)}</p>
        ${paragraphs(data.message)}`,
    ),
  };
}
