import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderMergeDecided } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { MergeStatus } from "./merge.enums";

/** The worker side of merges: the decision goes to the main email of both customers, each in its language. */
export function mergeHandlers(deps: NotificationDeps): Pick<Handlers, "merge-decided"> {
  const { db, ledger } = deps;
  return {
    async "merge-decided"({ outboxId, payload, final }) {
      const [m] = await db.query(
        `SELECT m.id, m.status, m.reason, a.customer_number AS target_number, a.email AS target_email, a.locale AS target_locale,
                b.customer_number AS source_number, b.email AS source_email, b.locale AS source_locale
         FROM merge_requests m JOIN customers a ON a.id = m.target_customer_id JOIN customers b ON b.id = m.source_customer_id WHERE m.id = ?`,
        [payload.mergeRequestId],
      );
      if (!m || (m.status !== MergeStatus.APPROVED && m.status !== MergeStatus.REJECTED)) return { skipped: 1 };
      const data = {
        approved: m.status === MergeStatus.APPROVED,
        targetCustomerNumber: m.target_number,
        sourceCustomerNumber: m.source_number,
        reason: m.reason ?? null,
      };
      const sides = [
        { number: m.target_number, email: m.target_email, locale: m.target_locale },
        { number: m.source_number, email: m.source_email, locale: m.source_locale },
      ];
      return ledger.deliver(
        outboxId,
        sides.map((side) => ({
          key: deliveryKey(`merge:${m.id}:${side.number}`, side.email),
          to: side.email,
          render: () => renderMergeDecided({ ...data, recipientCustomerNumber: side.number }, localeOf(side.locale)),
        })),
        final,
      );
    },
  };
}
