import type { EntityManager } from "typeorm";
import { hashPassword } from "../access/passwords";
import { CustomerRole, UserKind } from "../users/user.enums";

/** The password of every demo login (README). Demo data only; never seeded in production. */
export const DEMO_PASSWORD = "Konto-Demo-2026";

const CUSTOMER_LOGINS: { customerNumber: string; email: string; name: string; role: CustomerRole }[] = [
  { customerNumber: "1000001", email: "admin@alpenblick.at", name: "Katharina Gruber", role: CustomerRole.ADMIN },
  { customerNumber: "1000001", email: "buchhaltung@alpenblick.at", name: "Markus Leitner", role: CustomerRole.BILLING },
  { customerNumber: "1000001", email: "technik@alpenblick.at", name: "Lukas Hofer", role: CustomerRole.TECHNICAL },
  { customerNumber: "1000001", email: "lesen@alpenblick.at", name: "Florian Eder", role: CustomerRole.READ_ONLY },
  { customerNumber: "1000002", email: "admin@isarwerk.de", name: "Isarwerk Admin", role: CustomerRole.ADMIN },
];

/**
 * Logins for the showcase customers, the customer password of 1000001 and a user of the reseller
 * that manages 1000002. One hash serves every demo login: scrypt is slow on purpose.
 */
export async function seedDemoLogins(tx: EntityManager): Promise<number> {
  const customers: { id: number; customer_number: string; reseller_id: number | null }[] = await tx.query(
    "SELECT id, customer_number, reseller_id FROM customers WHERE customer_number IN ('1000001', '1000002')",
  );
  if (!customers.length) return 0;
  const hash = await hashPassword(DEMO_PASSWORD);
  const byNumber = new Map(customers.map((c) => [c.customer_number, c]));
  let created = 0;
  for (const login of CUSTOMER_LOGINS) {
    const customer = byNumber.get(login.customerNumber);
    if (!customer) continue;
    const result = await tx.query(
      "INSERT INTO users (kind, email, display_name, password_hash, password_changed_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3))",
      [UserKind.CUSTOMER, login.email, login.name, hash],
    );
    await tx.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [result.insertId, customer.id, login.role]);
    created++;
  }
  await tx.query("UPDATE customers SET customer_password_hash = ? WHERE customer_number = '1000001'", [hash]);
  const resellerId = byNumber.get("1000002")?.reseller_id;
  if (resellerId) {
    const [reseller] = await tx.query("SELECT email, name FROM resellers WHERE id = ?", [resellerId]);
    await tx.query(
      "INSERT INTO users (kind, email, display_name, password_hash, reseller_id, reseller_role, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))",
      [UserKind.RESELLER, reseller.email, `${reseller.name} Partner`, hash, resellerId, CustomerRole.ADMIN],
    );
    created++;
  }
  return created;
}
