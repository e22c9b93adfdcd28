import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above maintenance (merges), in the caller's unit of work: only this module writes maintenance_products.
export const MaintenanceTransfers = {
  /** The maintenance windows of one customer's products become the other's, with the products. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE maintenance_products SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /** Maintenance notices sent to these addresses forget them (account closure). */
  async eraseRecipients(uow: UnitOfWork, emails: string[]): Promise<void> {
    if (!emails.length) return;
    await uow.tx.query("UPDATE maintenance_notices SET recipient = CONCAT('erased-', id) WHERE recipient IN (?)", [emails]);
  },
};
