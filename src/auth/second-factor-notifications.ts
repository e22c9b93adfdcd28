import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderSecondFactorChanged } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";

/**
 * Security notices about a login's second factors: to the personal login's email, or for the
 * customer-number login to the customer's main email. The time is that of the outbox row.
 */
export function secondFactorHandlers(deps: NotificationDeps): Pick<Handlers, "second-factor-changed"> {
  const { db, ledger } = deps;
  return {
    async "second-factor-changed"({ outboxId, payload, final }) {
      const [recipient] =
        payload.subjectKind === "USER"
          ? await db.query(
              // The language is that of the login's first customer.
              `SELECT u.email, u.email AS account, o.created_at,
                 (SELECT c.locale FROM memberships m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = u.id ORDER BY m.id LIMIT 1) AS locale
               FROM users u JOIN outbox o ON o.id = ? WHERE u.id = ?`,
              [outboxId, payload.subjectId],
            )
          : await db.query(
              `SELECT c.email, c.customer_number AS account, c.locale, o.created_at
               FROM customers c JOIN outbox o ON o.id = ? WHERE c.id = ?`,
              [outboxId, payload.subjectId],
            );
      if (!recipient?.email) return { skipped: 1 };
      const data = { account: recipient.account, change: payload.change, at: recipient.created_at };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`second-factor-changed:${outboxId}`, recipient.email),
            to: recipient.email,
            render: () => renderSecondFactorChanged(data, localeOf(recipient.locale)),
          },
        ],
        final,
      );
    },
  };
}
