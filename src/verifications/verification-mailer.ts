import { DataSource } from "typeorm";
import { randomToken, sha256 } from "../auth/tokens";
import { Config } from "../config";
import { MailDeliveryService } from "../outbox/mail-delivery.service";
import { EmailVerificationPurpose, EmailVerificationStatus } from "./email-verification.entity";
import { confirmationMail } from "./verification-mails";

/**
 * The worker side of the topic "verification": makes the token, stores its hash, sends the link.
 * A stale job (cancelled, superseded, expired, sent already) does nothing.
 */
export class VerificationMailer {
  constructor(
    private readonly db: DataSource,
    private readonly deliveries: MailDeliveryService,
    private readonly config: Config,
  ) {}

  async process(outboxId: string, final: boolean): Promise<{ sent: number }> {
    const [outbox] = await this.db.query("SELECT payload FROM outbox WHERE id = ?", [outboxId]);
    const { verificationId } = (typeof outbox?.payload === "string" ? JSON.parse(outbox.payload) : outbox?.payload ?? {}) as { verificationId?: number };
    const [v] = await this.db.query(
      `SELECT v.id, v.purpose, v.new_email, v.status, v.expires_at, c.locale FROM email_verifications v
       LEFT JOIN customers c ON c.id = v.customer_id WHERE v.id = ?`,
      [verificationId ?? 0],
    );
    if (!v || v.status !== EmailVerificationStatus.PENDING || v.expires_at.getTime() <= Date.now()) return { sent: 0 };
    const key = `verification:${outboxId}`;
    if (await this.deliveries.wasSent(key, v.new_email)) return { sent: 0 };

    // A retry before the send replaces the unsent token: only the link that went out works.
    const token = randomToken();
    await this.db.query("UPDATE email_verifications SET token_hash = ?, last_sent_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'PENDING'", [
      sha256(token),
      v.id,
    ]);
    const message = confirmationMail({
      to: v.new_email,
      purpose: v.purpose as EmailVerificationPurpose,
      link: `${this.config.publicUrl}/verify-email?token=${token}`,
      expiresAt: v.expires_at,
      locale: v.locale ?? "de",
    });
    try {
      const result = await this.deliveries.deliver(outboxId, { key, messages: [message] });
      await this.db.query("UPDATE email_verifications SET delivery_state = 'SENT', delivery_error = NULL WHERE id = ?", [v.id]);
      return { sent: result.sent };
    } catch (error) {
      // After the last attempt the failure shows on the pending verification.
      await this.db.query("UPDATE email_verifications SET delivery_state = ?, delivery_error = ? WHERE id = ?", [
        final ? "FAILED" : "QUEUED",
        error instanceof Error ? error.message.slice(0, 500) : "unknown error",
        v.id,
      ]);
      throw error;
    }
  }
}
