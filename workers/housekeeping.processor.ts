import { Job, Queue } from "bullmq";
import { DataSource } from "typeorm";
import { OutboxRelay } from "../src/notifications/outbox";
import { Config } from "../src/config";
import { DunningService } from "../src/invoices/dunning.service";
import { IdempotencyKeys } from "../src/idempotency/idempotency-keys";
import { EmailVerificationService } from "../src/verifications/email-verification.service";

export const HOUSEKEEPING_JOBS = {
  outboxSweep: { name: "outbox-sweep", everyMs: 60_000 },
  expireVerifications: { name: "expire-verifications", everyMs: 60_000 },
  invoiceReminders: { name: "invoice-reminders", everyMs: 3_600_000 },
  expiredIdempotencyKeys: { name: "expired-idempotency-keys", everyMs: 3_600_000 },
} as const;

/** Registers the repeating jobs; upsert keeps one schedule however many processes start. */
export async function scheduleHousekeeping(queue: Queue): Promise<void> {
  for (const job of Object.values(HOUSEKEEPING_JOBS)) {
    await queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name });
  }
}

export function housekeepingProcessor(deps: { db: DataSource; relay: OutboxRelay; config: Config }) {
  return async (job: Job) => {
    switch (job.name) {
      case HOUSEKEEPING_JOBS.outboxSweep.name:
        return { dispatched: await deps.relay.sweep() };
      case HOUSEKEEPING_JOBS.expireVerifications.name:
        return { expired: await EmailVerificationService.expireDue(deps.db) };
      case HOUSEKEEPING_JOBS.invoiceReminders.name:
        return { dunned: await DunningService.run(deps.db, deps.relay, deps.config) };
      case HOUSEKEEPING_JOBS.expiredIdempotencyKeys.name:
        return { purged: await IdempotencyKeys.purgeExpired(deps.db) };
      default:
        throw new Error(`unknown housekeeping job ${job.name}`);
    }
  };
}
