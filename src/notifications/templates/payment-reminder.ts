import { letter, Locale, RenderedMail } from "./template";

export interface PaymentReminderData {
  number: string;
  /** The gross amount, formatted with its currency (formatMoney). */
  amount: string;
  dueDate: string;
  providerName: string;
}

/** The one reminder for an invoice that is past due and still open. */
export function renderPaymentReminder(data: PaymentReminderData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? [
          `Payment reminder: invoice ${data.number}`,
          "Hello,",
          `invoice ${data.number} over ${data.amount} was due on ${data.dueDate} and is still open. Please pay it soon.`,
        ]
      : [
          `Zahlungserinnerung: Rechnung ${data.number}`,
          "Guten Tag,",
          `die Rechnung ${data.number} über ${data.amount} war am ${data.dueDate} fällig und ist noch offen. Bitte begleichen Sie sie zeitnah.`,
        ];
  return letter(locale, subject, greeting, body, data.providerName);
}
