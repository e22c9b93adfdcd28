import { Config } from "../config";
import { MailMessage } from "../platform/mailer";

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The notice (revision 1) or its follow-up (a new window, or the cancellation), in the recipient's language. */
export function noticeMail(
  n: {
    recipient: string; locale: string; revision: number; announcement_status: string; title_de: string; title_en: string; message_de: string;
    message_en: string; starts_at: Date; ends_at: Date; products: { type: string; plan: string; identifier: string }[];
  },
  config: Config,
): MailMessage {
  const en = n.locale === "en";
  const title = en ? n.title_en : n.title_de;
  const cancelled = n.announcement_status === "CANCELLED";
  const prefix = n.revision === 1 ? "" : cancelled ? (en ? "Cancelled: " : "Abgesagt: ") : en ? "Rescheduled: " : "Verschoben: ";
  const products = n.products.map((p) => `  - ${p.identifier} (${p.plan})`).join("\n");
  const window = `${when(n.starts_at)} – ${when(n.ends_at)}`;
  const body = cancelled
    ? en ? `The maintenance "${title}" (${window}) will not take place.` : `Die Wartung „${title}“ (${window}) findet nicht statt.`
    : `${en ? n.message_en : n.message_de}\n\n${en ? "Window" : "Zeitraum"}: ${window}`;
  return {
    to: n.recipient,
    subject: `${prefix}${title}`,
    text: `${body}\n\n${en ? "Your affected products" : "Ihre betroffenen Produkte"}:\n${products}\n\n${config.provider.name}\n`,
  };
}
