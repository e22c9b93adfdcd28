import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { Locale, OrderPlacedData, RenderedMail, renderOrderDecided, renderOrderPlaced } from "../notifications/templates";
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
  /** Reads the order and mails what `render` makes of it, once to each recipient. */
  const mail = async (
    outboxId: string | null,
    final: boolean,
    orderId: number,
    message: "order-placed" | "order-decided",
    render: (o: Row, common: OrderPlacedData, locale: Locale) => RenderedMail | null,
  ) => {
    const o = await read(orderId);
    const locale = localeOf(o?.locale);
    const common = o && {
      customerNumber: o.customer_number,
      orderNumber: o.id,
      kind: o.kind,
      planName: locale === "en" ? o.name_en : o.name_de,
      identifier: o.identifier ?? "",
      approved: o.status === OrderStatus.APPROVED,
    };
    const rendered = o && common && render(o, common, locale);
    if (!o || !rendered) return { skipped: 1 };
    const items = recipients(o).map((to) => ({ key: deliveryKey(`${message}:${o.id}`, to), to, render: () => rendered }));
    return ledger.deliver(outboxId, items, final);
  };
  return {
    "order-placed": ({ outboxId, payload, final }) =>
      mail(outboxId, final, payload.orderId, "order-placed", (_o, common, locale) => renderOrderPlaced(common, locale)),
    "order-decided": ({ outboxId, payload, final }) =>
      mail(outboxId, final, payload.orderId, "order-decided", (o, common, locale) =>
        // Only a decision is mailed; an order still pending or cancelled meanwhile is not.
        o.status === OrderStatus.APPROVED || o.status === OrderStatus.REJECTED
          ? renderOrderDecided(
              {
                ...common,
                reason: o.reason ?? null,
                priceFrom: common.approved && o.kind === "PLAN_CHANGE" ? (o.price_from ?? null) : null,
              },
              locale,
            )
          : null,
      ),
  };
}
