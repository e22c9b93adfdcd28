import { UnitOfWork } from "../unit-of-work/unit-of-work";

// For modules above products (merges, account closure), in the caller's unit of work: only this module writes products.
export const ProductTransfers = {
  /** Every product of one customer becomes the other's; each keeps its installation address. */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE products SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /**
   * A closed customer's products forget where they were installed (often a home address); they
   * stay, with their identifiers, as what the invoices kept for the retention period were for.
   */
  async eraseInstallationAddresses(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      `UPDATE products SET installation_street = NULL, installation_postal_code = NULL, installation_city = NULL, installation_country_code = NULL
       WHERE customer_id = ?`,
      [customerId],
    );
  },
};
