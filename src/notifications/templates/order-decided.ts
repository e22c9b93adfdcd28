import { letter, Locale, RenderedMail } from "./template";

export interface OrderDecidedData {
  customerNumber: string;
  orderNumber: number;
  kind: "NEW_PRODUCT" | "PLAN_CHANGE";
  planName: string;
  identifier: string;
  approved: boolean;
  /** A note on the approval (optional) or the reason of the rejection. */
  reason: string | null;
  /** For an approved plan change: from when the new price applies (YYYY-MM-DD). */
  priceFrom: string | null;
}

/** Tells the customer's main email and the user who ordered how staff or the reseller decided an order. */
export function renderOrderDecided(data: OrderDecidedData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const subject = en
    ? `Order ${data.orderNumber} ${data.approved ? "approved" : "rejected"}`
    : `Bestellung ${data.orderNumber} ${data.approved ? "freigegeben" : "abgelehnt"}`;
  const what = en
    ? data.kind === "PLAN_CHANGE"
      ? `the change of ${data.identifier} to ${data.planName}`
      : `${data.planName} for ${data.identifier}`
    : data.kind === "PLAN_CHANGE"
      ? `den Tarifwechsel von ${data.identifier} auf ${data.planName}`
      : `${data.planName} für ${data.identifier}`;
  const decision = en
    ? `your order ${data.orderNumber} (customer ${data.customerNumber}), ${what}, was ${data.approved ? "approved" : "rejected"}.`
    : `Ihre Bestellung ${data.orderNumber} (Kundennummer ${data.customerNumber}), ${what}, wurde ${data.approved ? "freigegeben" : "abgelehnt"}.`;
  const price =
    data.approved && data.priceFrom
      ? en
        ? ` The new price applies from ${data.priceFrom}.`
        : ` Der neue Preis gilt ab ${data.priceFrom}.`
      : "";
  const reason = data.reason ? ` ${data.approved ? (en ? "Note" : "Hinweis") : en ? "Reason" : "Begründung"}: ${data.reason}` : "";
  return letter(locale, subject, en ? "Hello," : "Guten Tag,", `${decision}${price}${reason}`);
}
