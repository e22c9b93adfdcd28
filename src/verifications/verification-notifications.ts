import { linkToken, newLinkSecret } from "../access/tokens";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderEmailConfirmation, renderEmailReplaced } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { EmailVerificationStatus } from "./email-verification.enums";

/**
 * The worker side of the verification topics. The link of a confirmation is derived from the
 * verification's secret, so a retried job sends the same working link; a resend the user asked
 * for made a new secret in its transaction, which replaced the old link.
 */
export function verificationHandlers(deps: NotificationDeps): Pick<Handlers, "email-verification" | "email-replaced"> {
  const { db, config, ledger } = deps;
  return {
    async "email-verification"({ outboxId, payload, final }) {
      const [v] = await db.query(
        `SELECT v.id, v.purpose, v.new_email, v.status, v.expires_at, v.token_seed, v.token_key_id, c.locale FROM email_verifications v
         LEFT JOIN customers c ON c.id = v.customer_id WHERE v.id = ?`,
        [payload.verificationId],
      );
      // A stale job (cancelled, superseded, expired, confirmed) sends nothing.
      if (!v || v.status !== EmailVerificationStatus.PENDING || v.expires_at.getTime() <= Date.now()) return { skipped: 1 };
      // The link is made only when the message is really to be sent: a run that finds it SENT
      // already must not touch the secret of the link that went out.
      const link = async () => {
        let token = v.token_seed && v.token_key_id ? linkToken(config.linkTokenKeys, v.token_seed, v.token_key_id) : null;
        if (!token) {
          // Its key was retired (or the row predates derived links): a new secret, as no link of it can work.
          const secret = newLinkSecret(config.linkTokenKeys);
          await db.query(
            "UPDATE email_verifications SET token_seed = ?, token_key_id = ?, token_hash = ? WHERE id = ? AND status = 'PENDING'",
            [secret.seed, secret.keyId, secret.hash, v.id],
          );
          token = secret.token;
        }
        return `${config.publicUrl}/verify-email?token=${token}`;
      };
      const outcome = await ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`verification:${outboxId}`, v.new_email),
            to: v.new_email,
            render: async () =>
              renderEmailConfirmation(
                { address: v.new_email, purpose: v.purpose, link: await link(), expiresAt: v.expires_at },
                localeOf(v.locale),
              ),
          },
        ],
        final,
      );
      const state =
        outcome.sent || outcome.skipped
          ? "SENT"
          : outcome.rejected || outcome.failedBefore || (final && outcome.deferred)
            ? "FAILED"
            : "QUEUED";
      await db.query(
        "UPDATE email_verifications SET delivery_state = ?, delivery_error = ?, last_sent_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
        [state, state === "SENT" ? null : (outcome.errors[0] ?? null), v.id],
      );
      return outcome;
    },

    async "email-replaced"({ outboxId, payload, final }) {
      const [v] = await db.query(
        `SELECT v.id, v.purpose, v.new_email, v.previous_email, c.locale FROM email_verifications v
         LEFT JOIN customers c ON c.id = v.customer_id WHERE v.id = ? AND v.status = 'CONFIRMED'`,
        [payload.verificationId],
      );
      if (!v?.previous_email) return { skipped: 1 };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`email-replaced:${v.id}`, v.previous_email),
            to: v.previous_email,
            render: () =>
              renderEmailReplaced({ oldEmail: v.previous_email, newEmail: v.new_email, purpose: v.purpose }, localeOf(v.locale)),
          },
        ],
        final,
      );
    },
  };
}
