import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above products (merges), in the caller's unit of work: only this module writes products.
export const ProductTransfers = {
  /** Every product of one customer becomes the other's; each keeps its installation address. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE products SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },
};
