/** What a subscription can ask to be told about. */
export enum WebhookEventType {
  CUSTOMER_CREATED = "CUSTOMER_CREATED",
  CUSTOMER_UPDATED = "CUSTOMER_UPDATED",
  CONTACT_CHANGED = "CONTACT_CHANGED",
  EMAIL_VERIFICATION_CONFIRMED = "EMAIL_VERIFICATION_CONFIRMED",
  INVOICE_ISSUED = "INVOICE_ISSUED",
  PAYMENT_RECORDED = "PAYMENT_RECORDED",
  MAINTENANCE_ANNOUNCED = "MAINTENANCE_ANNOUNCED",
  PRODUCT_CHANGED = "PRODUCT_CHANGED",
}

/** The event's `type` in the body, as Standard Webhooks examples write it (`customer.updated`). */
export const BODY_TYPES: Record<WebhookEventType, string> = {
  CUSTOMER_CREATED: "customer.created",
  CUSTOMER_UPDATED: "customer.updated",
  CONTACT_CHANGED: "contact.changed",
  EMAIL_VERIFICATION_CONFIRMED: "email_verification.confirmed",
  INVOICE_ISSUED: "invoice.issued",
  PAYMENT_RECORDED: "payment.recorded",
  MAINTENANCE_ANNOUNCED: "maintenance.announced",
  PRODUCT_CHANGED: "product.changed",
};

export const bodyTypeOf = (type: string): string => BODY_TYPES[type as WebhookEventType] ?? type;

export enum WebhookSubscriptionStatus {
  ACTIVE = "ACTIVE",
  /** Disabled by its owner, or by Konto after WEBHOOK_DISABLE_AFTER deliveries in a row failed. */
  DISABLED = "DISABLED",
}

export enum WebhookDeliveryStatus {
  PENDING = "PENDING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
}
