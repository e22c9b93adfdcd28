import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For merges, in the caller's unit of work: only this module writes orders.
export const OrderTransfers = {
  /** Every order of one customer (pending ones too) becomes the other's. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE orders SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },
};
