import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderDpaPublished } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { Row } from "../platform/rows";

/** The worker side of a new DPA version: every customer that accepted an earlier one, and not this, hears of it at its main email. */
export function dpaHandlers(deps: NotificationDeps): Pick<Handlers, "dpa-published"> {
  const { db, config, ledger } = deps;
  return {
    async "dpa-published"({ outboxId, payload, final }) {
      const [version] = await db.query("SELECT id, label FROM dpa_versions WHERE id = ?", [payload.dpaVersionId]);
      if (!version) return { skipped: 1 };
      const customers: Row[] = await db.query(
        `SELECT c.id, c.customer_number, c.email, c.locale FROM customers c
         WHERE c.status <> 'CLOSED' AND c.merged_into_id IS NULL AND c.email <> ''
           AND EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = c.id AND a.dpa_version_id < ?)
           AND NOT EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = c.id AND a.dpa_version_id = ?)`,
        [version.id, version.id],
      );
      return ledger.deliver(
        outboxId,
        customers.map((c) => ({
          key: deliveryKey(`dpa-published:${version.id}:${c.id}`, c.email),
          to: c.email,
          render: () =>
            renderDpaPublished(
              { customerNumber: c.customer_number, version: version.label, providerName: config.provider.name },
              localeOf(c.locale),
            ),
        })),
        final,
      );
    },
  };
}
