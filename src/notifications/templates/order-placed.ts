import { letter, Locale, RenderedMail } from "./template";

export interface OrderPlacedData {
  customerNumber: string;
  /** The order's number, as the customer quotes it. */
  orderNumber: number;
  kind: "NEW_PRODUCT" | "PLAN_CHANGE";
  planName: string;
  identifier: string;
  /** The catalog approved it at once; otherwise it waits for review. */
  approved: boolean;
}

/** Confirms an order to the customer's main email and to the user who ordered. */
export function renderOrderPlaced(data: OrderPlacedData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const what = en
    ? data.kind === "PLAN_CHANGE"
      ? `a change of ${data.identifier} to the plan ${data.planName}`
      : `${data.planName} for ${data.identifier}`
    : data.kind === "PLAN_CHANGE"
      ? `einen Tarifwechsel von ${data.identifier} auf ${data.planName}`
      : `${data.planName} für ${data.identifier}`;
  const next = en
    ? data.approved
      ? "It is approved and being set up."
      : "We review it and let you know our decision."
    : data.approved
      ? "Sie ist freigegeben und wird eingerichtet."
      : "Wir prüfen sie und teilen Ihnen unsere Entscheidung mit.";
  const subject = en ? `Your order ${data.orderNumber}` : `Ihre Bestellung ${data.orderNumber}`;
  const body = en
    ? `we received order ${data.orderNumber} of customer ${data.customerNumber}: ${what}. ${next}`
    : `wir haben die Bestellung ${data.orderNumber} zur Kundennummer ${data.customerNumber} erhalten: ${what}. ${next}`;
  return letter(locale, subject, en ? "Hello," : "Guten Tag,", body);
}
