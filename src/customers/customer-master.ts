import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { CustomerStatus } from "./customer.enums";
import { customerFromRow, CUSTOMERS, PAYMENT_COLUMNS } from "./customer.service";
import { CustomerNode } from "./customer.types";

// Writes of a customer's row for modules above customers (change requests, merges), each in the
// caller's unit of work: only this module writes the customers table.

/** Main-data columns a merge may take from the customer merged in: address, phones, email, bank. */
export const MERGEABLE_COLUMNS = ["street", "postal_code", "city", "phone", "mobile", "email", ...PAYMENT_COLUMNS] as const;
export type MergeableColumn = (typeof MERGEABLE_COLUMNS)[number];

/** Legal data a staff member approved: a company name replaces; an empty legal form or VAT id removes it. */
export interface LegalDataChange {
  companyName?: string | null;
  legalForm?: string | null;
  vatId?: string | null;
}

export const CustomerMaster = {
  /**
   * The customer a row of the caller refers to (by a foreign key, so it exists), read in the unit
   * of work; with `forUpdate` it stays locked until commit. Never the secrets.
   */
  async read(uow: UnitOfWork, customerId: number, { forUpdate = false } = {}): Promise<CustomerNode> {
    const [row] = await uow.tx.query(
      `SELECT ${CUSTOMERS.columns.join(", ")} FROM customers WHERE id = ?${forUpdate ? " FOR UPDATE" : ""}`,
      [customerId],
    );
    if (!row) throw new Error(`customer ${customerId} does not exist`);
    return customerFromRow(row);
  },

  async applyLegalData(uow: UnitOfWork, customerId: number, change: LegalDataChange): Promise<void> {
    const sets: [string, unknown][] = [];
    if (change.companyName) sets.push(["company_name", change.companyName]);
    if (change.legalForm !== undefined && change.legalForm !== null) sets.push(["legal_form", change.legalForm || null]);
    if (change.vatId !== undefined && change.vatId !== null) sets.push(["vat_id", change.vatId || null]);
    if (!sets.length) return;
    await uow.tx.query(`UPDATE customers SET ${sets.map(([column]) => `${column} = ?`).join(", ")}, version = version + 1 WHERE id = ?`, [
      ...sets.map(([, value]) => value),
      customerId,
    ]);
  },

  /** Copies these main-data columns of customer `fromId` onto customer `toId`. */
  async takeOver(uow: UnitOfWork, toId: number, fromId: number, columns: MergeableColumn[]): Promise<void> {
    // The names go into the SQL: only those of the list, whatever a caller's cast says.
    const known = columns.filter((c) => (MERGEABLE_COLUMNS as readonly string[]).includes(c));
    if (!known.length) return;
    await uow.tx.query(
      `UPDATE customers a JOIN customers b ON b.id = ? SET ${known.map((c) => `a.${c} = b.${c}`).join(", ")}, a.version = a.version + 1 WHERE a.id = ?`,
      [fromId, toId],
    );
  },

  /**
   * Closes a customer merged into another: its number (and the numbers merged into it before)
   * find the other one from now on, and its password and PIN stop working.
   */
  async closeMergedInto(uow: UnitOfWork, merged: CustomerNode, intoId: number): Promise<void> {
    await uow.tx.query("UPDATE customer_aliases SET customer_id = ? WHERE customer_id = ?", [intoId, merged.dbId]);
    await uow.tx.query("INSERT INTO customer_aliases (customer_number, customer_id) VALUES (?, ?)", [merged.customerNumber, intoId]);
    await uow.tx.query(
      "UPDATE customers SET status = ?, merged_into_id = ?, customer_password_hash = NULL, customer_pin = NULL WHERE id = ?",
      [CustomerStatus.CLOSED, intoId, merged.dbId],
    );
  },
};
