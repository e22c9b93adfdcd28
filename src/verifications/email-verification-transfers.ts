import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above verifications (merges), in the caller's unit of work: only this module writes email_verifications.
export const EmailVerificationTransfers = {
  /** Every email change of one customer, pending or done, becomes the other's. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE email_verifications SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },
};
