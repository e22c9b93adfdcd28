import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { linkToken, sha256 } from "../access/tokens";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderCustomerPasswordChanged, renderCustomerPasswordReset } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { AuditedCustomer, UnitOfWork } from "../unit-of-work/unit-of-work";

/** How long an emailed customer-password link works: one hour, like a login's password reset. */
export const CUSTOMER_PASSWORD_RESET_TTL_MS = 3600 * 1000;

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

/** How a customer password came to be: first set, changed with the current one, or reset with an emailed link. */
export type CustomerPasswordChange = "set" | "changed" | "reset";

/**
 * The customer password (the customer-number login) as the customers module keeps it: the hash on
 * the customers row and the emailed reset links (customer_password_resets). Sessions are auth's:
 * the caller ends them in the same unit of work.
 */
export const CustomerPasswords = {
  /** The current hash or null; read before the transaction, to check the current password in a prepare step. */
  async currentHash(db: DataSource, customerId: number): Promise<string | null> {
    const [row] = await db.query("SELECT customer_password_hash FROM customers WHERE id = ?", [customerId]);
    return row?.customer_password_hash ?? null;
  },

  /**
   * Locks the customer's row and tells whether its hash is still `expected` (what the prepare step
   * checked the current password against): a change that raced this one must not be overwritten unseen.
   */
  async unchangedSince(tx: Transaction, customerId: number, expected: string | null): Promise<boolean> {
    const [row] = await tx.query("SELECT customer_password_hash FROM customers WHERE id = ? FOR UPDATE", [customerId]);
    return (row?.customer_password_hash ?? null) === expected;
  },

  /** Stores a new hash (from AuthService.newPasswordHash), audits it and tells the customer's main email. */
  async store(uow: UnitOfWork, customer: AuditedCustomer, hash: string, how: CustomerPasswordChange): Promise<void> {
    await uow.tx.query("UPDATE customers SET customer_password_hash = ? WHERE id = ?", [hash, customer.dbId]);
    await uow.audit(`customer.password.${how}`, {}, customer);
    await uow.emit("customer-password-changed", { customerId: customer.dbId, how });
  },

  /** Replaces a hash made with older parameters, at a successful login (the password is unchanged: no audit, no email). */
  async rehash(tx: Transaction, customerId: number, hash: string): Promise<void> {
    await tx.query("UPDATE customers SET customer_password_hash = ? WHERE id = ?", [hash, customerId]);
  },

  /** Uses up an emailed link: the customer it was for, or null when it is unknown, used or expired. */
  async redeemReset(tx: Transaction, token: string): Promise<AuditedCustomer | null> {
    const [reset] = await tx.query(
      `SELECT r.id, r.expires_at, r.used_at, c.id AS customer_id, c.reseller_id, c.customer_number, c.merged_into_id
       FROM customer_password_resets r JOIN customers c ON c.id = r.customer_id WHERE r.token_hash = ? FOR UPDATE`,
      [sha256(token)],
    );
    // A customer merged into another since the link was sent has no login of its own any more.
    if (!reset || reset.used_at || reset.merged_into_id || reset.expires_at.getTime() <= Date.now()) return null;
    await tx.query("UPDATE customer_password_resets SET used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [reset.id]);
    return { dbId: reset.customer_id, resellerId: reset.reseller_id, customerNumber: reset.customer_number };
  },
};

/** The worker side: the reset handler looks the number up and decides, so the request's reply and timing never differ. */
export function customerPasswordHandlers(deps: NotificationDeps): Pick<Handlers, "customer-password-reset" | "customer-password-changed"> {
  const { db, config, ledger } = deps;
  return {
    async "customer-password-reset"({ outboxId, payload, final }) {
      // A merged number is a login no more, and a closed customer cannot log in.
      const [customer] = await db.query(
        "SELECT id, customer_number, email, locale FROM customers WHERE customer_number = ? AND merged_into_id IS NULL AND status <> 'CLOSED'",
        [payload.customerNumber],
      );
      if (!customer?.email) return { skipped: 1 };
      // Derived from the request's outbox id under the link key and stored only when the message is
      // really sent (as the login's password reset does): every retry sends the same link.
      const link = async () => {
        const token = linkToken(config.linkTokenKeys, Buffer.from(`customer-password-reset:${outboxId}`), config.linkTokenKeys.currentId)!;
        await db.query(
          `INSERT INTO customer_password_resets (customer_id, outbox_id, token_hash, expires_at) VALUES (?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE token_hash = VALUES(token_hash)`,
          [customer.id, outboxId, sha256(token), new Date(Date.now() + CUSTOMER_PASSWORD_RESET_TTL_MS)],
        );
        return `${config.portalUrl}/reset-customer-password?token=${token}`;
      };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`customer-password-reset:${outboxId}`, customer.email),
            to: customer.email,
            render: async () =>
              renderCustomerPasswordReset({ customerNumber: customer.customer_number, link: await link() }, localeOf(customer.locale)),
          },
        ],
        final,
      );
    },

    async "customer-password-changed"({ outboxId, payload, final }) {
      // The time of the change is the time of its outbox row.
      const [customer] = await db.query(
        "SELECT c.customer_number, c.email, c.locale, o.created_at FROM customers c JOIN outbox o ON o.id = ? WHERE c.id = ?",
        [outboxId, payload.customerId],
      );
      if (!customer?.email) return { skipped: 1 };
      const data = { customerNumber: customer.customer_number, how: payload.how, at: customer.created_at };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`customer-password-changed:${outboxId}`, customer.email),
            to: customer.email,
            render: () => renderCustomerPasswordChanged(data, localeOf(customer.locale)),
          },
        ],
        final,
      );
    },
  };
}
