import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderChangeRequestDecided } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { ChangeRequestStatus } from "./change-request.enums";

/** The worker side of change requests: the decision goes to the customer's main email. */
export function changeRequestHandlers(deps: NotificationDeps): Pick<Handlers, "change-request-decided"> {
  const { db, ledger } = deps;
  return {
    async "change-request-decided"({ outboxId, payload, final }) {
      const [r] = await db.query(
        `SELECT r.id, r.status, r.reason, c.customer_number, c.email, c.locale FROM change_requests r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?`,
        [payload.changeRequestId],
      );
      if (!r || r.status === ChangeRequestStatus.PENDING) return { skipped: 1 };
      const data = { customerNumber: r.customer_number, approved: r.status === ChangeRequestStatus.APPROVED, reason: r.reason ?? null };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`change-request:${r.id}`, r.email),
            to: r.email,
            render: () => renderChangeRequestDecided(data, localeOf(r.locale)),
          },
        ],
        final,
      );
    },
  };
}
