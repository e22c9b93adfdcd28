import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";

/** Whether a customer requires a second factor of all its logins (customers.second_factor_required). */
export const SecondFactorRequirement = {
  async of(db: DataSource | Transaction, customerId: number): Promise<boolean> {
    const [row] = await db.query("SELECT second_factor_required FROM customers WHERE id = ?", [customerId]);
    return !!Number(row?.second_factor_required);
  },

  async set(tx: Transaction, customerId: number, required: boolean): Promise<void> {
    await tx.query("UPDATE customers SET second_factor_required = ? WHERE id = ?", [required ? 1 : 0, customerId]);
  },
};
