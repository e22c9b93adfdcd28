import { z } from "zod";
import { QueueName } from "../platform/queues";

/**
 * Every side effect that leaves the process, by topic. A topic names its queue, the typed payload
 * its outbox row carries (ids, never secrets or mail text: the handler reads the rows) and the
 * templates it renders. Services emit `(topic, payload)` in their transaction; the generic
 * processor checks the payload against this schema and calls the topic's handler, which the
 * compiler requires for every topic (workers/handlers.ts).
 */
const id = z.number().int().positive();

export const TOPICS = {
  /** A confirmation link for a pending email change (all purposes, registrations included). */
  "email-verification": { queue: "mail", payload: z.object({ verificationId: id }), templates: ["email-confirmation"] },
  /** Tells the old address that a confirmed change replaced it. */
  "email-replaced": { queue: "mail", payload: z.object({ verificationId: id }), templates: ["email-replaced"] },
  /** "I forgot my username": what the requester typed; the handler looks the customer up. */
  "username-reminder": { queue: "mail", payload: z.object({ customerNumber: z.string().max(40) }), templates: ["username-reminder"] },
  /** "I forgot my password": what the requester typed; the handler looks the login up. */
  "password-reset": { queue: "mail", payload: z.object({ email: z.string().max(254) }), templates: ["password-reset"] },
  /** "I forgot the customer password" (or never had one): what the requester typed; the handler looks the customer up. */
  "customer-password-reset": {
    queue: "mail",
    payload: z.object({ customerNumber: z.string().max(40) }),
    templates: ["customer-password-reset"],
  },
  /** Security notice: the customer password was set, changed or reset; to the customer's main email. */
  "customer-password-changed": {
    queue: "mail",
    payload: z.object({ customerId: id, how: z.enum(["set", "changed", "reset"]) }),
    templates: ["customer-password-changed"],
  },
  /** Security notice: a login's password was changed or reset; to the login's email. */
  "password-changed": {
    queue: "mail",
    payload: z.object({ userId: id, how: z.enum(["changed", "reset"]) }),
    templates: ["password-changed"],
  },
  /**
   * Security notice: a login's second factors changed (TOTP, recovery codes, passkeys, a staff
   * reset); to the login's email, or the customer's main email for the customer-number login.
   */
  "second-factor-changed": {
    queue: "mail",
    payload: z.object({
      subjectKind: z.enum(["USER", "CUSTOMER"]),
      subjectId: id,
      change: z.enum(["totp-enrolled", "totp-removed", "recovery-codes-regenerated", "passkey-added", "passkey-removed", "reset-by-staff"]),
    }),
    templates: ["second-factor-changed"],
  },
  /** Security notice: a recovery code was used to sign in, with how many are left; to the login's address as above. */
  "recovery-code-used": {
    queue: "mail",
    payload: z.object({ subjectKind: z.enum(["USER", "CUSTOMER"]), subjectId: id, left: z.number().int().min(0) }),
    templates: ["recovery-code-used"],
  },
  /** A self-registration; the row holds the password hash. */
  registration: { queue: "mail", payload: z.object({ registrationId: id }), templates: ["login-exists"] },
  /** An invitation to join a customer's portal: a single-use link to the invited address. */
  "user-invitation": { queue: "mail", payload: z.object({ invitationId: id }), templates: ["user-invitation"] },
  /**
   * A change to a customer's portal users, to the user it concerns and to the customer's main
   * email ("invited": to the main email only; the invitee has the invitation).
   */
  "user-membership-changed": {
    queue: "mail",
    payload: z.object({
      customerId: id,
      change: z.enum(["added", "removed", "role", "disabled", "enabled", "invited"]),
      userId: id.optional(),
      invitationId: id.optional(),
    }),
    templates: ["user-membership-changed"],
  },
  /** A staff decision on a change request, to the customer. */
  "change-request-decided": { queue: "mail", payload: z.object({ changeRequestId: id }), templates: ["change-request-decided"] },
  /** A support request: to the support team, and a confirmation to the customer. */
  "support-request": { queue: "mail", payload: z.object({ supportRequestId: id }), templates: ["support-request", "support-confirmation"] },
  /** A staff decision on merging two customer numbers, to both customers. */
  "merge-decided": { queue: "mail", payload: z.object({ mergeRequestId: id }), templates: ["merge-decided"] },
  /** An order confirmed (and approved at once where the catalog says so), to the customer's main email and the user who ordered. */
  "order-placed": { queue: "mail", payload: z.object({ orderId: id }), templates: ["order-placed"] },
  /** A decision on an order by staff or the reseller, to the same two addresses. */
  "order-decided": { queue: "mail", payload: z.object({ orderId: id }), templates: ["order-decided"] },
  /** An invoice or credit note as PDF to its recipients, or again to one address on request. */
  "invoice-email": {
    queue: "invoice-email",
    payload: z.object({ invoiceId: id, kind: z.enum(["issue", "resend"]), to: z.string().max(254).optional() }),
    templates: ["invoice"],
  },
  /** A reminder for an overdue invoice, to the customer's main email. */
  "payment-reminder": {
    queue: "mail",
    // Without a level: a reminder recorded before dunning had levels (level 1).
    payload: z.object({ invoiceId: id, level: z.number().int().min(1).max(9).optional() }),
    templates: ["payment-reminder"],
  },
  /** Issues a batch of an invoice run's items; each invoice's email is its own invoice-email work. */
  "invoice-run-batch": {
    queue: "invoice-email",
    payload: z.object({ runId: id, itemIds: z.array(id).min(1).max(100) }),
    templates: [],
  },
  /** Works out the recipients of an announcement revision and records their notice batches. */
  "maintenance-fanout": { queue: "maintenance", payload: z.object({ announcementId: id, revision: id }), templates: [] },
  /** One batch of maintenance notices (NOTICE_BATCH_SIZE), each notice a row of its own. */
  "maintenance-notices": {
    queue: "maintenance",
    payload: z.object({ noticeIds: z.array(z.string().regex(/^\d+$/)).min(1).max(1000) }),
    templates: ["maintenance-notice"],
  },
  /** One signed POST of a webhook event to one subscription (webhook_deliveries); retried with backoff. */
  "webhook-delivery": { queue: "webhook", payload: z.object({ deliveryId: id }), templates: [] },
  /** Tells a subscription's owner that Konto disabled it after deliveries kept failing. */
  "webhook-disabled": { queue: "mail", payload: z.object({ subscriptionId: id }), templates: ["webhook-disabled"] },
} as const satisfies Record<string, { queue: QueueName; payload: z.ZodType; templates: readonly string[] }>;

export type Topic = keyof typeof TOPICS;
export type PayloadOf<T extends Topic> = z.infer<(typeof TOPICS)[T]["payload"]>;

export const isTopic = (name: string): name is Topic => Object.prototype.hasOwnProperty.call(TOPICS, name);

/** The queues that carry outbox work, each started once by the workers. */
export const TOPIC_QUEUES: QueueName[] = [...new Set(Object.values(TOPICS).map((t) => t.queue))];

/** Records a topic in the caller's transaction; returns the outbox id. */
export type Emit = <T extends Topic>(topic: T, payload: PayloadOf<T>) => Promise<string>;

export const outboxJobId = (outboxId: string | number) => `outbox-${outboxId}`;

/** What a job carries: the outbox row to work on, and the request that caused it (for logs). Never a payload. */
export interface OutboxJobData {
  outboxId: string;
  requestId: string | null;
}
