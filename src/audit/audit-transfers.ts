import { Transaction } from "../platform/transactions";

// For modules above audit (merges), in the caller's unit of work: only this module writes audit_log.
// The unit of work is typed by its transaction alone: unit-of-work/ imports audit/, not the reverse.
export const AuditTransfers = {
  /** The audit log of one customer continues as the other's. */
  async moveToCustomer(uow: { tx: Transaction }, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE audit_log SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },
};
