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

/** An invariant over several of a customer's rows, each with its counter on the customer row. */
export type CustomerInvariant = "contacts" | "memberships";
const INVARIANT_COUNTERS: Record<CustomerInvariant, string> = { contacts: "contacts_version", memberships: "memberships_version" };

export const CustomerMaster = {
  /**
   * Writes the customer's counter of `invariant` in the caller's unit of work, before a change
   * checked against that invariant: two such changes on different Galera nodes then conflict at certification,
   * and the second runs again and sees the first (migrations/1766000000000-CustomerRuleVersions.ts).
   * On one server it also serialises them on the customer row.
   */
  async claimInvariant(uow: UnitOfWork, customerId: number, invariant: CustomerInvariant): Promise<void> {
    uow.tx.defer(`UPDATE customers SET ${INVARIANT_COUNTERS[invariant]} = ${INVARIANT_COUNTERS[invariant]} + 1 WHERE id = ?`, [customerId]);
  },

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

  /** An approved closure: the customer is CLOSED (no login, no new work) from now on. */
  async close(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      "UPDATE customers SET status = ?, closed_at = CURRENT_TIMESTAMP(3), customer_password_hash = NULL, customer_pin = NULL, version = version + 1 WHERE id = ?",
      [CustomerStatus.CLOSED, customerId],
    );
  },

  /**
   * Erases a closed customer's personal data from its row: what remains is its number, kind, a
   * business's legal identity (company, legal form, VAT id: not personal data) and country, which
   * the invoices kept for the retention period refer to. Returns the email addresses it had.
   */
  async eraseClosed(uow: UnitOfWork, customerId: number): Promise<string[]> {
    const [row] = await uow.tx.query("SELECT email, online_invoice_email, newsletter_email FROM customers WHERE id = ? FOR UPDATE", [
      customerId,
    ]);
    await uow.tx.query(
      `UPDATE customers SET company_name = IF(kind = 'BUSINESS', company_name, NULL), legal_form = IF(kind = 'BUSINESS', legal_form, NULL),
         vat_id = IF(kind = 'BUSINESS', vat_id, NULL), salutation = NULL, first_name = NULL, last_name = NULL,
         street = '', postal_code = '', city = '', email = '', phone = NULL, mobile = NULL,
         billing_name = NULL, billing_street = NULL, billing_postal_code = NULL, billing_city = NULL, billing_country_code = NULL,
         payment_method = 'BANK_TRANSFER', sepa_iban = NULL, sepa_bic = NULL, sepa_account_holder = NULL, sepa_mandate_reference = NULL,
         sepa_mandate_date = NULL, sepa_scheme = NULL, online_invoice_enabled = 0, online_invoice_email = NULL, online_invoice_enabled_at = NULL,
         newsletter_enabled = 0, newsletter_email = NULL, newsletter_consent_at = NULL, customer_pin = NULL, customer_password_hash = NULL,
         ip_allowlist = NULL, version = version + 1
       WHERE id = ? AND status = ?`,
      [customerId, CustomerStatus.CLOSED],
    );
    await uow.tx.query("DELETE FROM customer_password_resets WHERE customer_id = ?", [customerId]);
    return [row?.email, row?.online_invoice_email, row?.newsletter_email].filter(Boolean);
  },
};
