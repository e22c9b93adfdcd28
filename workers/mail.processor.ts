import { Job } from "bullmq";
import { AccountJobProcessor } from "../src/auth/recovery.service";
import { MailDeliveryService } from "../src/outbox/mail-delivery.service";
import { OutboxTopic } from "../src/outbox/outbox.service";
import { VerificationMailer } from "../src/verifications/verification-mailer";

/** Mail jobs carry only the outbox id; the job name is the outbox topic, which says what to do. */
export function mailProcessor(deliveries: MailDeliveryService, accounts: AccountJobProcessor, verifications: VerificationMailer) {
  return async (job: Job<{ outboxId: string }>) => {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const topic = job.name as OutboxTopic;
    switch (topic) {
      case "mail":
        return deliveries.deliverOutbox(job.data.outboxId);
      case "account":
        return accounts.process(job.data.outboxId);
      case "verification":
        return verifications.process(job.data.outboxId, final);
      default:
        throw new Error(`no processor for topic ${topic}`);
    }
  };
}
