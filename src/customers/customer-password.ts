import { DataSource, EntityManager } from "typeorm";
import { verifyAgainstDecoy, verifyPassword } from "../access/passwords";

/**
 * The customer (not merged into another) whose number and customer password these are, or null.
 * An unknown number costs the time of a wrong password, so the answer does not tell which it was.
 * Read outside any transaction, so that no pooled connection waits for the hash.
 */
export async function customerProvenBy(
  db: DataSource,
  customerNumber: string,
  password: string,
): Promise<{ dbId: number; customerNumber: string } | null> {
  const [row] = await db.query(
    "SELECT id, customer_number, customer_password_hash FROM customers WHERE customer_number = ? AND merged_into_id IS NULL",
    [customerNumber.trim()],
  );
  const ok = row?.customer_password_hash ? await verifyPassword(password, row.customer_password_hash) : await verifyAgainstDecoy(password);
  return ok ? { dbId: row.id, customerNumber: row.customer_number } : null;
}

/** Replaces the customer password's hash, e.g. one made with older parameters at a successful login. */
export async function storeCustomerPasswordHash(tx: EntityManager, customerId: number, hash: string): Promise<void> {
  await tx.query("UPDATE customers SET customer_password_hash = ? WHERE id = ?", [hash, customerId]);
}
