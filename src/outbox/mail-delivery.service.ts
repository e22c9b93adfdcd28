import { createHash } from "node:crypto";
import { DataSource } from "typeorm";
import { Logger } from "../platform/logger";
import { Metrics } from "../platform/metrics";
import { Mailer, MailMessage } from "../platform/mailer";
import { RecordedMail } from "./outbox.service";

export interface DeliveryResult {
  sent: number;
  skipped: number;
}

/** One key per message and recipient; the unique index on it is what stops a second send. */
export function deliveryKey(messageKey: string, recipient: string): string {
  const key = `${messageKey}:${recipient.trim().toLowerCase()}`;
  // The column holds 191 characters; long keys keep their start and a hash of the whole.
  return key.length <= 191 ? key : `${key.slice(0, 126)}#${createHash("sha256").update(key).digest("hex")}`;
}

export class MailDeliveryService {
  constructor(
    private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /**
   * Sends each message to its recipient unless a delivery record says it was sent already.
   * A failure is recorded on the row and rethrown so that BullMQ retries with backoff.
   */
  async deliver(outboxId: string | null, mail: RecordedMail): Promise<DeliveryResult> {
    const result: DeliveryResult = { sent: 0, skipped: 0 };
    for (const message of mail.messages) {
      (await this.deliverOne(outboxId, mail.key, message, mail.invoiceId ?? null)) ? result.sent++ : result.skipped++;
    }
    return result;
  }

  private async deliverOne(outboxId: string | null, messageKey: string, message: MailMessage, invoiceId: number | null): Promise<boolean> {
    const key = deliveryKey(messageKey, message.to);
    await this.db.query(
      `INSERT INTO mail_deliveries (delivery_key, outbox_id, invoice_id, recipient, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'SENDING', 1, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE attempts = IF(status = 'SENT', attempts, attempts + 1)`,
      [key, outboxId, invoiceId, message.to],
    );
    const [row] = await this.db.query("SELECT status FROM mail_deliveries WHERE delivery_key = ?", [key]);
    if (row.status === "SENT") return false;
    try {
      const messageId = await this.mailer.send({ ...message, messageId: message.messageId ?? `<${key.replace(/[^\w.-]/g, ".")}@konto>` });
      await this.db.query("UPDATE mail_deliveries SET status = 'SENT', message_id = ?, error = NULL WHERE delivery_key = ?", [messageId, key]);
      this.metrics?.mailSent.inc({ kind: messageKey.split(":")[0] });
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message.slice(0, 500) : "unknown error";
      await this.db.query("UPDATE mail_deliveries SET status = 'FAILED', error = ? WHERE delivery_key = ?", [reason, key]);
      this.metrics?.mailFailed.inc({ kind: messageKey.split(":")[0] });
      this.log.warn({ deliveryKey: key, err: error }, "mail delivery failed");
      throw error;
    }
  }

  /** Whether this message already reached this recipient (a retry must then do nothing). */
  async wasSent(messageKey: string, recipient: string): Promise<boolean> {
    const [row] = await this.db.query("SELECT status FROM mail_deliveries WHERE delivery_key = ?", [deliveryKey(messageKey, recipient)]);
    return row?.status === "SENT";
  }

  /** Delivers what an outbox row of topic "mail" recorded. */
  async deliverOutbox(outboxId: string): Promise<DeliveryResult> {
    const [row] = await this.db.query("SELECT topic, payload FROM outbox WHERE id = ?", [outboxId]);
    if (!row) {
      this.log.warn({ outboxId }, "outbox row gone; nothing to deliver");
      return { sent: 0, skipped: 0 };
    }
    const payload = typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload;
    return this.deliver(outboxId, payload as RecordedMail);
  }
}
