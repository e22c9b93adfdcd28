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

/** SMTP through nodemailer, with pooled connections so a fan-out does not reconnect per message. */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    poolSize = 5,
  ) {
    const url = new URL(smtpUrl);
    url.searchParams.set("pool", "true");
    url.searchParams.set("maxConnections", String(poolSize));
    // nodemailer's default of 100 messages per connection would reconnect every 100 notices.
    url.searchParams.set("maxMessages", "10000");
    this.transport = nodemailer.createTransport(url.toString());
  }

  async send(message: MailMessage): Promise<string> {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    return info.messageId;
  }

  close(): void {
    this.transport.close();
  }
}
