import { letter, Locale, RenderedMail } from "./template";

export interface WebhookDisabledData {
  /** The subscription's target. */
  url: string;
  /** Deliveries that failed for good in a row. */
  failures: number;
}

/** To a webhook subscription's owner: Konto stopped sending after repeated failures. */
export function renderWebhookDisabled(data: WebhookDisabledData, locale: Locale): RenderedMail {
  const [subject, greeting, body] =
    locale === "en"
      ? [
          "Webhook subscription disabled",
          "Hello,",
          `the last ${data.failures} deliveries to ${data.url} failed after every retry, so the subscription was disabled and no more events are sent to it. Fix the receiver, then enable the subscription again (webhookSubscriptionUpdate with enabled: true) and replay the deliveries you missed.`,
        ]
      : [
          "Webhook-Abonnement deaktiviert",
          "Guten Tag,",
          `die letzten ${data.failures} Zustellungen an ${data.url} sind auch nach allen Wiederholungen fehlgeschlagen. Das Abonnement wurde deaktiviert, es werden keine Ereignisse mehr gesendet. Beheben Sie den Fehler beim Empfänger, aktivieren Sie das Abonnement wieder (webhookSubscriptionUpdate mit enabled: true) und senden Sie verpasste Zustellungen erneut.`,
        ];
  return letter(locale, subject, greeting, body);
}
