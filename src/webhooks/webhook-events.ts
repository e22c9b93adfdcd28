import { toGlobalId } from "../platform/global-id";
import { Row } from "../platform/rows";
import { AuditedCustomer, UnitOfWork } from "../unit-of-work/unit-of-work";
import { bodyTypeOf, WebhookEventType } from "./webhook.enums";

/** What a webhook says happened: its type, the customer it concerns (null: maintenance) and ids only. */
export interface WebhookEvent {
  type: WebhookEventType;
  customer: AuditedCustomer | null;
  data: Record<string, unknown>;
}

type Details = Record<string, unknown>;

/** A global id from what an audit entry holds: a database id, or a global id already. */
const gid = (type: string, value: unknown): string | null => {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) return toGlobalId(type, value);
  return typeof value === "string" && value ? value : null;
};

const ref = (type: string, value: unknown) => {
  const id = gid(type, value);
  return id ? { id } : null;
};

/**
 * Which audited changes are webhook events. Every change of the write path is audited in its
 * transaction (the unit of work), so this table is the one place events are raised: a new
 * mutation whose audit action is listed here sends webhooks without code of its own.
 */
const EVENTS: Record<string, (d: Details) => { type: WebhookEventType; data: Details }> = {
  "customer.created": () => ({ type: WebhookEventType.CUSTOMER_CREATED, data: {} }),
  "customer.updated": (d) => ({ type: WebhookEventType.CUSTOMER_UPDATED, data: { fields: d.fields ?? [] } }),
  "customer.notifications.changed": () => ({ type: WebhookEventType.CUSTOMER_UPDATED, data: { fields: ["notifications"] } }),
  "customer.paymentMethod.changed": () => ({ type: WebhookEventType.CUSTOMER_UPDATED, data: { fields: ["paymentMethod"] } }),
  "customer.billingAddress.changed": () => ({ type: WebhookEventType.CUSTOMER_UPDATED, data: { fields: ["billingAddress"] } }),
  "changeRequest.approved": () => ({ type: WebhookEventType.CUSTOMER_UPDATED, data: { fields: ["changeRequest"] } }),
  "contact.created": (d) => ({ type: WebhookEventType.CONTACT_CHANGED, data: { contact: ref("Contact", d.contactId), change: "created" } }),
  "contact.updated": (d) => ({ type: WebhookEventType.CONTACT_CHANGED, data: { contact: ref("Contact", d.contactId), change: "updated" } }),
  "contact.deleted": (d) => ({ type: WebhookEventType.CONTACT_CHANGED, data: { contact: ref("Contact", d.contactId), change: "deleted" } }),
  "email.change.confirmed": (d) => ({ type: WebhookEventType.EMAIL_VERIFICATION_CONFIRMED, data: { purpose: d.purpose ?? null } }),
  "invoice.issued": (d) => ({ type: WebhookEventType.INVOICE_ISSUED, data: { invoice: ref("Invoice", d.invoiceId) } }),
  // A cancellation issues a credit note: an invoice document of its own.
  "invoice.cancelled": (d) => ({
    type: WebhookEventType.INVOICE_ISSUED,
    data: { invoice: ref("Invoice", d.creditNoteId), cancels: ref("Invoice", d.invoiceId) },
  }),
  "payment.recorded": (d) => ({
    type: WebhookEventType.PAYMENT_RECORDED,
    data: { amount: { amount: d.amount ?? null, currency: "EUR" }, invoice: ref("Invoice", d.invoiceId) },
  }),
  "maintenance.announced": (d) => ({
    type: WebhookEventType.MAINTENANCE_ANNOUNCED,
    data: { announcement: ref("MaintenanceAnnouncement", d.announcementId) },
  }),
  "product.created": (d) => ({ type: WebhookEventType.PRODUCT_CHANGED, data: { product: ref("Product", d.productId), change: "created" } }),
  "product.updated": (d) => ({ type: WebhookEventType.PRODUCT_CHANGED, data: { product: ref("Product", d.productId), change: "updated" } }),
};

/** `product.<status>` (suspended, cancelled, active, …) are product changes too. */
const PRODUCT_STATUS = /^product\.([a-z_]+)$/;

export function webhookEventOf(action: string, details: Details | undefined, customer: AuditedCustomer | null): WebhookEvent | null {
  const make = EVENTS[action];
  const d = details ?? {};
  if (make) return { ...make(d), customer };
  const status = PRODUCT_STATUS.exec(action);
  if (status && d.productId !== undefined) {
    return { type: WebhookEventType.PRODUCT_CHANGED, customer, data: { product: ref("Product", d.productId), change: status[1] } };
  }
  return null;
}

/** The body a receiver gets, always the same bytes for the same event (replays included). */
export function webhookBody(row: { type: string; data: Details; created_at: Date }): string {
  return JSON.stringify({ type: bodyTypeOf(row.type), timestamp: new Date(row.created_at).toISOString(), data: row.data });
}

/**
 * Raises the webhook event of an audited change, in the change's transaction: one event row and
 * one delivery (with its outbox work) per active subscription that asked for the type and may
 * read the customer. A reseller's subscription sees its own customers only; a staff integration
 * sees every customer. Maintenance concerns many customers: a reseller is told when one of its
 * customers' products is affected. Nothing is written when nobody subscribed.
 */
export async function raiseWebhookEvent(uow: UnitOfWork, action: string, details: Details | undefined, customer: AuditedCustomer | null) {
  const event = webhookEventOf(action, details, customer);
  if (!event) return;
  const announcementId = event.type === WebhookEventType.MAINTENANCE_ANNOUNCED ? Number(details?.announcementId) : null;
  const scope = customer
    ? { sql: "s.reseller_id IS NULL OR s.reseller_id = ?", params: [customer.resellerId ?? 0] }
    : announcementId
      ? {
          sql: `s.reseller_id IS NULL OR s.reseller_id IN (SELECT DISTINCT c.reseller_id FROM maintenance_products mp
                JOIN customers c ON c.id = mp.customer_id WHERE mp.announcement_id = ? AND c.reseller_id IS NOT NULL)`,
          params: [announcementId],
        }
      : { sql: "s.reseller_id IS NULL", params: [] };
  const subscriptions: Row[] = await uow.tx.query(
    `SELECT s.id FROM webhook_subscriptions s WHERE s.status = 'ACTIVE' AND FIND_IN_SET(?, s.events) AND (${scope.sql}) ORDER BY s.id`,
    [event.type, ...scope.params],
  );
  if (!subscriptions.length) return;
  const data = customer
    ? { customer: { id: toGlobalId("Customer", customer.dbId), customerNumber: customer.customerNumber }, ...event.data }
    : event.data;
  const inserted = await uow.tx.query("INSERT INTO webhook_events (type, customer_id, data) VALUES (?, ?, ?)", [
    event.type,
    customer?.dbId ?? null,
    JSON.stringify(data),
  ]);
  for (const s of subscriptions) await addDelivery(uow, s.id, Number(inserted.insertId), event.type, null);
}

/** A delivery of an event to one subscription, and the outbox work that sends it. */
export async function addDelivery(uow: UnitOfWork, subscriptionId: number, eventId: number, type: string, replayOf: number | null) {
  const delivery = await uow.tx.query(
    "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, replay_of) VALUES (?, ?, ?, ?)",
    [subscriptionId, eventId, type, replayOf],
  );
  const deliveryId = Number(delivery.insertId);
  await uow.emit("webhook-delivery", { deliveryId });
  return deliveryId;
}
