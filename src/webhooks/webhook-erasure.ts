import { UnitOfWork } from "../unit-of-work/unit-of-work";

// Account closure, for the data-protection module, in its unit of work: only this module writes the webhook log.
export const WebhookErasure = {
  /**
   * A closed customer's webhook events lose their data (the log keeps type, time and delivery
   * outcomes); an event still waiting for a delivery keeps it until it was sent.
   */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      `UPDATE webhook_events e SET e.data = JSON_OBJECT('erased', TRUE)
       WHERE e.customer_id = ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'PENDING')`,
      [customerId],
    );
  },
};
