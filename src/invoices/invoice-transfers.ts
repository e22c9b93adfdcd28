import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above invoices (merges), in the caller's unit of work: only this module writes invoices and payments.
export const InvoiceTransfers = {
  /** Every invoice and payment of one customer becomes the other's; issued invoices keep their addresses. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE invoices SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
    await uow.tx.query("UPDATE payments SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },
};
