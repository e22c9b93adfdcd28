import { letter, Locale, RenderedMail } from "./template";

export interface PaymentReminderData {
  number: string;
  /** The gross amount, formatted with its currency (formatMoney). */
  amount: string;
  dueDate: string;
  providerName: string;
  /** The dunning level, from 1; reminders recorded before levels existed are level 1. */
  level?: number;
  /** The last level: the final notice. */
  final?: boolean;
  /** The dunning fee of this level, formatted, with the number of the invoice that bills it. */
  fee?: { amount: string; invoiceNumber: string } | null;
}

/** A dunning letter for an invoice that is past due and still open: a reminder, a numbered reminder, or the final notice. */
export function renderPaymentReminder(data: PaymentReminderData, locale: Locale): RenderedMail {
  const level = data.level ?? 1;
  const en = locale === "en";
  const title = data.final
    ? en
      ? "Final notice"
      : "Letzte Mahnung"
    : level === 1
      ? en
        ? "Payment reminder"
        : "Zahlungserinnerung"
      : en
        ? `Reminder ${level}`
        : `${level}. Mahnung`;
  const fee = data.fee
    ? en
      ? ` A dunning fee of ${data.fee.amount} is billed with invoice ${data.fee.invoiceNumber}.`
      : ` Für diese Mahnung stellen wir eine Mahngebühr von ${data.fee.amount} mit der Rechnung ${data.fee.invoiceNumber} in Rechnung.`
    : "";
  const [subject, greeting, body] = en
    ? [
        `${title}: invoice ${data.number}`,
        "Hello,",
        `invoice ${data.number} over ${data.amount} was due on ${data.dueDate} and is still open. ${
          data.final ? "Please pay it within 7 days." : "Please pay it soon."
        }${fee}`,
      ]
    : [
        `${title}: Rechnung ${data.number}`,
        "Guten Tag,",
        `die Rechnung ${data.number} über ${data.amount} war am ${data.dueDate} fällig und ist noch offen. ${
          data.final ? "Bitte begleichen Sie sie innerhalb von 7 Tagen." : "Bitte begleichen Sie sie zeitnah."
        }${fee}`,
      ];
  return letter(locale, subject, greeting, body, data.providerName);
}
