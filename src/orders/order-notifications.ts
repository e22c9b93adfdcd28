import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderOrderDecided, renderOrderPlaced } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { Row } from "../platform/rows";
import { OrderStatus } from "./order.enums";

/** The worker side of orders: the confirmation and the decision go to the customer's main email and to the user who ordered. */
export function orderHandlers(deps: NotificationDeps): Pick<Handlers, "order-placed" | "order-decided"> {
  const { db, ledger } = deps;
  const read = async (orderId: number): Promise<Row | undefined> =>
    (
      await db.query(
        `SELECT o.id, o.kind, o.status, o.identifier, o.reason, p.name_de, p.name_en, c.customer_number, c.email, c.locale,
                u.email AS user_email,
                (SELECT h.price_from FROM product_plan_changes h WHERE h.product_id = o.product_id ORDER BY h.id DESC LIMIT 1) AS price_from
         FROM orders o JOIN catalog_plans p ON p.id = o.plan_id JOIN customers c ON c.id = o.customer_id
         LEFT JOIN users u ON u.id = o.ordered_by_user_id AND u.disabled_at IS NULL
         WHERE o.id = ?`,
        [orderId],
      )
    )[0];
  /** The main email and the ordering user's, once each. */
  const recipients = (o: Row): string[] => [
    ...new Map([o.email, o.user_email].filter(Boolean).map((a: string) => [a.trim().toLowerCase(), a.trim()])).values(),
  ];
  return {
    async "order-placed"({ outboxId, payload, final }) {
      const o = await read(payload.orderId);
      if (!o) return { skipped: 1 };
      const locale = localeOf(o.locale);
      const data = {
        customerNumber: o.customer_number,
        orderNumber: o.id,
        kind: o.kind,
        planName: locale === "en" ? o.name_en : o.name_de,
        identifier: o.identifier ?? "",
        approved: o.status === OrderStatus.APPROVED,
      };
      const items = recipients(o).map((to) => ({
        key: deliveryKey(`order-placed:${o.id}`, to),
        to,
        render: () => renderOrderPlaced(data, locale),
      }));
      return ledger.deliver(outboxId, items, final);
    },
    async "order-decided"({ outboxId, payload, final }) {
      const o = await read(payload.orderId);
      if (!o || (o.status !== OrderStatus.APPROVED && o.status !== OrderStatus.REJECTED)) return { skipped: 1 };
      const locale = localeOf(o.locale);
      const approved = o.status === OrderStatus.APPROVED;
      const data = {
        customerNumber: o.customer_number,
        orderNumber: o.id,
        kind: o.kind,
        planName: locale === "en" ? o.name_en : o.name_de,
        identifier: o.identifier ?? "",
        approved,
        reason: o.reason ?? null,
        priceFrom: approved && o.kind === "PLAN_CHANGE" ? (o.price_from ?? null) : null,
      };
      const items = recipients(o).map((to) => ({
        key: deliveryKey(`order-decided:${o.id}`, to),
        to,
        render: () => renderOrderDecided(data, locale),
      }));
      return ledger.deliver(outboxId, items, final);
    },
  };
}
