import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above verifications (merges), in the caller's unit of work: only this module writes email_verifications.
export const EmailVerificationTransfers = {
  /** Every email change of one customer, pending or done, becomes the other's. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE email_verifications SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /** A closed customer's email changes go (account closure); returns the addresses they named. */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<string[]> {
    const rows = await uow.tx.query<{ new_email: string; previous_email: string | null }[]>(
      "SELECT new_email, previous_email FROM email_verifications WHERE customer_id = ?",
      [customerId],
    );
    await uow.tx.query("DELETE FROM email_verifications WHERE customer_id = ?", [customerId]);
    return rows.flatMap((r) => [r.new_email, r.previous_email ?? ""]).filter(Boolean);
  },
};
