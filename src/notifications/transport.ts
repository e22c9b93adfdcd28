import nodemailer, { Transporter } from "nodemailer";
import type { Address, MailMessage, SentMessageInfo } from "nodemailer";
import { DataSource } from "typeorm";
import { Config } from "../config";
import { DevMailAttachmentInput, storeDevMail } from "./dev-mailbox";
import { smtpTransport } from "./mailer";

/**
 * The transport every email leaves through. With SMTP_URL: a pooled SMTP transport, so that a
 * fan-out does not reconnect per message. Without (never in production): the development
 * mailbox, which stores each message in MySQL so that the API and separately started workers all
 * show the same mail at /dev/mailbox, and nothing tries a relay that is not there.
 */
export function createMailTransport(config: Config, db: DataSource): Transporter {
  if (config.smtpUrl) return smtpTransport(config.smtpUrl, config.smtpPoolSize);
  if (config.production) throw new Error("production needs SMTP_URL: the development mailbox is not for real mail");
  return nodemailer.createTransport({
    name: "konto-dev-mailbox",
    version: "1",
    send(mail: MailMessage<SentMessageInfo>, callback: (error: Error | null, info?: SentMessageInfo) => void) {
      storeInDevMailbox(db, mail).then(
        (info) => callback(null, info),
        (error: Error) => callback(error),
      );
    },
    // Nothing to close; without it nodemailer's Mailer.close() would log a missing method.
    close() {},
  });
}

async function storeInDevMailbox(db: DataSource, mail: MailMessage<SentMessageInfo>): Promise<SentMessageInfo> {
  const envelope = mail.message.getEnvelope();
  const messageId = mail.data.messageId || mail.message.messageId();
  const attachments: DevMailAttachmentInput[] = [];
  const given = mail.data.attachments ?? [];
  for (let index = 0; index < given.length; index++) {
    // Resolves a Buffer, a string in its `encoding`, or a stream to the attachment's bytes.
    const content = await mail.resolveContent(given, index, {
      disableFileAccess: mail.data.disableFileAccess,
      disableUrlAccess: mail.data.disableUrlAccess,
    });
    const attachment = given[index];
    attachments.push({
      filename: typeof attachment.filename === "string" ? attachment.filename : null,
      contentType: attachment.contentType || "application/octet-stream",
      content: Buffer.isBuffer(content) ? content : Buffer.from(String(content ?? ""), "utf8"),
    });
  }
  await storeDevMail(db, {
    messageId,
    to: envelope.to,
    from: addressText(mail.data.from),
    subject: mail.data.subject ?? null,
    text: await textOf(mail, "text"),
    html: await textOf(mail, "html"),
    attachments,
  });
  return { envelope, messageId, accepted: envelope.to, rejected: [], pending: [], response: "stored in the development mailbox" };
}

/** The text or HTML part as a string, whatever form (string, Buffer, stream) it was given in. */
async function textOf(mail: MailMessage<SentMessageInfo>, key: "text" | "html"): Promise<string | null> {
  if (!mail.data[key]) return null;
  const content = await mail.resolveContent(mail.data, key, {
    disableFileAccess: mail.data.disableFileAccess,
    disableUrlAccess: mail.data.disableUrlAccess,
  });
  return Buffer.isBuffer(content) ? content.toString("utf8") : String(content);
}

type AddressInput = string | Address | AddressInput[] | undefined;

/** A From value as one line, e.g. `Konto <no-reply@konto.localhost>`. */
function addressText(value: AddressInput): string | null {
  if (!value) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(addressText).filter(Boolean).join(", ") || null;
  if (value.address) return value.name ? `${value.name} <${value.address}>` : value.address;
  return value.name ?? null;
}
