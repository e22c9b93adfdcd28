import { Queue } from "bullmq";
import type { RedisClient } from "./redis";

/** Every BullMQ queue of Konto. Job ids are `outbox-<id>` for outbox work, so a second add is a no-op. */
export const QUEUE_NAMES = {
  mail: "mail",
  invoiceEmail: "invoice-email",
  invoiceRun: "invoice-run",
  maintenance: "maintenance",
  /** Heavy data-protection work: building exports, erasing a closed customer's data. */
  dataProtection: "data-protection",
  housekeeping: "housekeeping",
  webhook: "webhook",
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: "exponential", delay: 2000 },
  // Completed jobs are kept for an hour so that a re-add with the same id stays a no-op.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export type Queues = Record<QueueName, Queue>;

/** How often a webhook is tried, and the first wait (doubling after each failure): WEBHOOK_ATTEMPTS, WEBHOOK_RETRY_DELAY. */
export interface WebhookRetry {
  attempts: number;
  retryDelayMs: number;
}

export function createQueues(
  connection: RedisClient,
  prefix: string,
  webhook: WebhookRetry = { attempts: 8, retryDelayMs: 10_000 },
): Queues {
  const make = (name: QueueName, options = DEFAULT_JOB_OPTIONS) => new Queue(name, { connection, prefix, defaultJobOptions: options });
  return {
    mail: make(QUEUE_NAMES.mail),
    "invoice-email": make(QUEUE_NAMES.invoiceEmail),
    "invoice-run": make(QUEUE_NAMES.invoiceRun),
    maintenance: make(QUEUE_NAMES.maintenance),
    "data-protection": make(QUEUE_NAMES.dataProtection),
    housekeeping: make(QUEUE_NAMES.housekeeping),
    webhook: make(QUEUE_NAMES.webhook, {
      ...DEFAULT_JOB_OPTIONS,
      attempts: webhook.attempts,
      backoff: { type: "exponential", delay: webhook.retryDelayMs },
    }),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
