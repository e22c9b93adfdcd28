import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { forbidden } from "../access/access";
import { Context } from "../platform/context";
import { AuditedCustomer } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";
import { ownSubject, SessionSubject, subjectName } from "./sessions";

/** The logins that have second factors: a personal login or the customer-number login (never an API client). */
export type FactorSubjectKind = RefreshSubjectKind.USER | RefreshSubjectKind.CUSTOMER;

/** The caller's own login for managing its second factors; API clients have none (FORBIDDEN). */
export function ownFactorSubject(ctx: Context): SessionSubject & { kind: FactorSubjectKind } {
  const subject = ownSubject(ctx);
  if (!subject || subject.kind === RefreshSubjectKind.CLIENT) throw forbidden("API clients have no second factor");
  return subject as SessionSubject & { kind: FactorSubjectKind };
}

/** TOTP codes and recovery codes share one rate-limit key per login: a guess is a guess, whichever kind. */
export const secondFactorLimit = (subject: SessionSubject): string => `totp:${subject.kind}:${subject.id}`;

/** How audit entries name the login. */
export const loginDetail = (subject: SessionSubject) => ({ login: subjectName(subject) });

/**
 * The customer an audit entry of this login belongs to: the customer itself for the
 * customer-number login; none for a personal login (which may belong to several customers).
 */
export async function auditedCustomerOf(db: DataSource | Transaction, subject: SessionSubject): Promise<AuditedCustomer | null> {
  if (subject.kind !== RefreshSubjectKind.CUSTOMER) return null;
  const [row] = await db.query("SELECT id, reseller_id, customer_number FROM customers WHERE id = ?", [subject.id]);
  return row ? { dbId: row.id, resellerId: row.reseller_id, customerNumber: row.customer_number } : null;
}

/**
 * Where security notices about a login go, and how its owner knows it: the email of a personal
 * login (language of its first customer), or the customer's main email and number.
 */
export async function loginAddress(
  db: DataSource | Transaction,
  subject: { kind: string; id: number },
): Promise<{ email: string | null; login: string; locale: string | null } | null> {
  if (subject.kind === RefreshSubjectKind.CUSTOMER) {
    const [c] = await db.query("SELECT email, customer_number, locale FROM customers WHERE id = ?", [subject.id]);
    return c ? { email: c.email, login: c.customer_number, locale: c.locale } : null;
  }
  const [u] = await db.query(
    `SELECT u.email,
       (SELECT c.locale FROM memberships m JOIN customers c ON c.id = m.customer_id WHERE m.user_id = u.id ORDER BY m.id LIMIT 1) AS locale
     FROM users u WHERE u.id = ?`,
    [subject.id],
  );
  return u ? { email: u.email, login: u.email, locale: u.locale } : null;
}
