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
  ) {
    const url = new URL(smtpUrl);
    url.searchParams.set("pool", "true");
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
