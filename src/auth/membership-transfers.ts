import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above auth (merges), in the caller's unit of work: only this module writes memberships.
export const MembershipTransfers = {
  /** The logins of one customer become logins of the other; a user of both keeps its role there. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query(
      "INSERT IGNORE INTO memberships (user_id, customer_id, role) SELECT user_id, ?, role FROM memberships WHERE customer_id = ?",
      [toCustomerId, fromCustomerId],
    );
    await uow.tx.query("DELETE FROM memberships WHERE customer_id = ?", [fromCustomerId]);
  },
};
