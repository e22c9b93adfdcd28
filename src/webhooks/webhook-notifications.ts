import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderWebhookDisabled } from "../notifications/templates";
import { jsonColumn } from "../platform/rows";
import { ANONYMOUS } from "../platform/principal";
import { unitOfWork } from "../unit-of-work/unit-of-work";
import { webhookBody } from "./webhook-events";
import { postSigned } from "./webhook-sender";
import { messageIdOf, signingSecrets } from "./webhook.service";
import { WebhookDeliveryStatus, WebhookSubscriptionStatus } from "./webhook.enums";

/** An attempt that failed and will be tried again (BullMQ's backoff); the delivery row keeps the reason. */
class WebhookAttemptFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookAttemptFailed";
  }
}

/**
 * The worker side of webhooks: one signed POST per delivery row, each attempt counted on the row.
 * A delivery that failed for good counts against its subscription; WEBHOOK_DISABLE_AFTER of them
 * in a row disable it and email its owner, in the same transaction.
 */
export function webhookHandlers(deps: NotificationDeps): Pick<Handlers, "webhook-delivery" | "webhook-disabled"> {
  const { db, config, ledger } = deps;
  return {
    async "webhook-delivery"({ payload, final }) {
      const [row] = await db.query(
        `SELECT d.id, d.status, d.event_id, e.type, e.data, e.created_at, s.id AS subscription_id, s.url, s.status AS subscription_status,
                s.secret_encrypted, s.previous_secret_encrypted, s.previous_secret_expires_at
           FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN webhook_subscriptions s ON s.id = d.subscription_id
          WHERE d.id = ?`,
        [payload.deliveryId],
      );
      // Deleted with its subscription, or finished by an earlier run of the same job.
      if (!row || row.status !== WebhookDeliveryStatus.PENDING) return { skipped: 1 };
      if (row.subscription_status !== WebhookSubscriptionStatus.ACTIVE) {
        await db.query(
          "UPDATE webhook_deliveries SET status = 'FAILED', error = 'the subscription is disabled' WHERE id = ? AND status = 'PENDING'",
          [row.id],
        );
        return { skipped: 1 };
      }
      const result = await postSigned({
        url: row.url,
        messageId: messageIdOf(row.event_id),
        body: webhookBody({ type: row.type, data: jsonColumn(row.data) as Record<string, unknown>, created_at: row.created_at }),
        secrets: signingSecrets(config.webhooks.encryptionKeys, { ...row, id: row.subscription_id }),
        timeoutMs: config.webhooks.timeoutMs,
        production: config.production,
      });
      if (result.ok) {
        await db.query(
          `UPDATE webhook_deliveries SET status = 'SUCCEEDED', attempts = attempts + 1, response_status = ?, error = NULL,
             last_attempt_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
          [result.status, row.id],
        );
        await db.query("UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures > 0", [
          row.subscription_id,
        ]);
        return { sent: 1 };
      }
      const attempt = [result.status, result.error, row.id];
      if (!final) {
        await db.query(
          "UPDATE webhook_deliveries SET attempts = attempts + 1, response_status = ?, error = ?, last_attempt_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
          attempt,
        );
        throw new WebhookAttemptFailed(result.error ?? "failed");
      }
      await unitOfWork({ db, outbox: deps.relay, principal: ANONYMOUS }, async (uow) => {
        await uow.tx.query(
          `UPDATE webhook_deliveries SET status = 'FAILED', attempts = attempts + 1, response_status = ?, error = ?,
             last_attempt_at = CURRENT_TIMESTAMP(3) WHERE id = ?`,
          attempt,
        );
        await uow.tx.query("UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1 WHERE id = ?", [
          row.subscription_id,
        ]);
        const disabled = await uow.tx.query(
          `UPDATE webhook_subscriptions SET status = 'DISABLED', disabled_at = CURRENT_TIMESTAMP(3)
            WHERE id = ? AND status = 'ACTIVE' AND consecutive_failures >= ?`,
          [row.subscription_id, config.webhooks.disableAfter],
        );
        if (disabled.affectedRows) await uow.emit("webhook-disabled", { subscriptionId: row.subscription_id });
      });
      return { failed: 1 };
    },

    async "webhook-disabled"({ outboxId, payload, final }) {
      const [s] = await db.query("SELECT id, url, owner_email, consecutive_failures, status FROM webhook_subscriptions WHERE id = ?", [
        payload.subscriptionId,
      ]);
      if (!s || s.status !== WebhookSubscriptionStatus.DISABLED || !s.owner_email) return { skipped: 1 };
      const data = { url: s.url, failures: Number(s.consecutive_failures) };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`webhook-disabled:${s.id}:${outboxId}`, s.owner_email),
            to: s.owner_email,
            // Resellers and staff have no locale of their own: the provider's language, German.
            render: () => renderWebhookDisabled(data, "de"),
          },
        ],
        final,
      );
    },
  };
}
