import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderPasswordChanged } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";

/** Security notices about a login's password, to the login's own address. */
export function passwordNotificationHandlers(deps: NotificationDeps): Pick<Handlers, "password-changed"> {
  const { db, ledger } = deps;
  return {
    async "password-changed"({ outboxId, payload, final }) {
      // The time of the change is the time of its outbox row; the language that of the login's first customer.
      const [user] = await db.query(
        `SELECT u.email, o.created_at,
           (SELECT c.locale FROM memberships m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = u.id ORDER BY m.id LIMIT 1) AS locale
         FROM users u JOIN outbox o ON o.id = ? WHERE u.id = ?`,
        [outboxId, payload.userId],
      );
      if (!user) return { skipped: 1 };
      const data = { email: user.email, how: payload.how, at: user.created_at };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`password-changed:${outboxId}`, user.email),
            to: user.email,
            render: () => renderPasswordChanged(data, localeOf(user.locale)),
          },
        ],
        final,
      );
    },
  };
}
