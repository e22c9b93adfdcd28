import { html, layout, Locale, paragraphs, RenderedMail, utcMinutes } from "./template";

export interface MaintenanceNoticeData {
  /** 1 is the first notice; a higher revision is a follow-up (a new window, or the cancellation). */
  revision: number;
  cancelled: boolean;
  titleDe: string;
  titleEn: string;
  messageDe: string;
  messageEn: string;
  startsAt: Date;
  endsAt: Date;
  /** The recipient's products the maintenance affects. */
  products: { identifier: string; plan: string }[];
  providerName: string;
}

/** A maintenance notice or its follow-up; the announcement is written in both languages and the template picks one. */
export function renderMaintenanceNotice(data: MaintenanceNoticeData, locale: Locale): RenderedMail {
  const en = locale === "en";
  const title = en ? data.titleEn : data.titleDe;
  const message = en ? data.messageEn : data.messageDe;
  const prefix = data.revision === 1 ? "" : data.cancelled ? (en ? "Cancelled: " : "Abgesagt: ") : en ? "Rescheduled: " : "Verschoben: ";
  const window = `${utcMinutes(data.startsAt)} – ${utcMinutes(data.endsAt)}`;
  const cancellation = en
    ? `The maintenance "${title}" (${window}) will not take place.`
    : `Die Wartung „${title}“ (${window}) findet nicht statt.`;
  const windowLabel = en ? "Window" : "Zeitraum";
  const productsLabel = en ? "Your affected products" : "Ihre betroffenen Produkte";
  const products = data.products.map((p) => `${p.identifier} (${p.plan})`);

  const textBody = data.cancelled ? cancellation : `${message}\n\n${windowLabel}: ${window}`;
  const htmlBody = data.cancelled
    ? html`<p>${cancellation}</p>`
    : html`${paragraphs(message)}
        <p>${windowLabel}: ${window}</p>`;
  return {
    subject: `${prefix}${title}`,
    text: `${textBody}\n\n${productsLabel}:\n${products.map((p) => `  - ${p}`).join("\n")}\n\n${data.providerName}\n`,
    html: layout(
      locale,
      html`${htmlBody}
        <p>${productsLabel}:</p>
        <ul>
          ${products.map((p) => html`<li>${p}</li>`)}
        </ul>`,
      data.providerName,
    ),
  };
}
