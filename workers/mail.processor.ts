import { Job } from "bullmq";
import { MailDeliveryService } from "../src/outbox/mail-delivery.service";

/** Mail jobs carry only the outbox id; the row holds what to send. */
export function mailProcessor(deliveries: MailDeliveryService) {
  return async (job: Job<{ outboxId: string }>) => deliveries.deliverOutbox(job.data.outboxId);
}
