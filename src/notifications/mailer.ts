import nodemailer, { Transporter } from "nodemailer";

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
  return nodemailer.createTransport(url.toString());
}

/** Sends messages through one transport: SMTP, or the development mailbox. */
export class Mailer {
  constructor(
    private readonly transport: Transporter,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<string> {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    return info.messageId;
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * A receiving server's final no (SMTP 5xx: unknown mailbox, rejected): sending again cannot help.
 * 4xx replies and network errors are worth another try later.
 */
export function isPermanentRejection(error: unknown): boolean {
  const code = (error as { responseCode?: unknown })?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}
