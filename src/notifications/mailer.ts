import nodemailer, { Transporter } from "nodemailer";
import { inSpan, SpanKind } from "../platform/telemetry";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable id so that a receiving system can spot a duplicate. */
  messageId?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/** The pooled SMTP transport: a fan-out does not reconnect per message. */
export function smtpTransport(smtpUrl: string, poolSize: number): Transporter {
  const url = new URL(smtpUrl);
  url.searchParams.set("pool", "true");
  url.searchParams.set("maxConnections", String(poolSize));
  // nodemailer's default of 100 messages per connection would reconnect every 100 notices.
  url.searchParams.set("maxMessages", "10000");
  // Its default socket timeout is 10 minutes: a hung server would hold a delivery long past its lease.
  return nodemailer.createTransport({ url: url.toString(), connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
}

/** Sends messages through one transport: SMTP, or the development mailbox. */
export class Mailer {
  constructor(
    private readonly transport: Transporter,
    private readonly from: string,
  ) {}

  /** One message, as a span of the job's trace (no addresses on it). */
  send(message: MailMessage): Promise<string> {
    return inSpan("smtp send", { kind: SpanKind.CLIENT, attributes: { "messaging.system": "smtp" } }, async () => {
      const info = await this.transport.sendMail({ from: this.from, ...message });
      return info.messageId;
    });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * A receiving server's final no to this message or recipient (SMTP 5xx to RCPT TO or DATA:
 * unknown mailbox, rejected content): sending it again cannot help. A 5xx to anything else (a
 * wrong SMTP password, TLS required) is our relay's setup, not the recipient's fault; it and 4xx
 * replies and network errors are worth another try later.
 */
export function isPermanentRejection(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  return typeof responseCode === "number" && responseCode >= 500 && responseCode < 600 && (code === "EENVELOPE" || code === "EMESSAGE");
}
