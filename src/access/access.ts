import { Context, Principal } from "../platform/context";
import { ErrorCode, KontoError } from "../platform/errors";
import { CustomerRole, StaffRole } from "../users/user.enums";

/** What a principal is to one customer. Resellers act as ADMIN of the customers they manage. */
export type CustomerAccess = CustomerRole | "RESELLER" | "STAFF_SUPPORT" | "STAFF_ADMIN";

/** The parts of a customer that access decisions need; both are on every customer row. */
export interface CustomerRef {
  dbId: number;
  resellerId: number | null;
}

export function accessTo(principal: Principal, customer: CustomerRef): CustomerAccess | null {
  switch (principal.kind) {
    case "anonymous":
      return null;
    case "customer":
      return principal.roles.get(customer.dbId) ?? null;
    case "reseller":
      return customer.resellerId === principal.resellerId ? "RESELLER" : null;
    case "staff":
      return principal.role === StaffRole.ADMIN ? "STAFF_ADMIN" : "STAFF_SUPPORT";
  }
}

const { ADMIN, BILLING, TECHNICAL, READ_ONLY } = CustomerRole;
const SCOPED: CustomerAccess[] = [ADMIN, BILLING, TECHNICAL, READ_ONLY, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"];
const NOT_READ_ONLY: CustomerAccess[] = [ADMIN, BILLING, TECHNICAL, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"];

/**
 * Who may do what with a customer. Every rule is listed here and in the permission snapshot
 * (schema/permissions.txt); a change to this table is a change of who sees what.
 */
export const CUSTOMER_RULES = {
  /** The customer itself: number, names, address, contact channels, status. */
  read: SCOPED,
  /** Booked products. READ_ONLY is the restricted login: products and usage only. */
  products: SCOPED,
  contacts: NOT_READ_ONLY,
  /** Invoices, payment method, billing address, online-invoice settings. TECHNICAL reads only. */
  billing: NOT_READ_ONLY,
  /** Newsletter, IP allowlist, pending email changes. */
  settings: NOT_READ_ONLY,
  /** The phone-authentication PIN: the customer's own ADMIN users, nobody else. */
  pin: [ADMIN],
  /**
   * Setting the customer password (the customer-number login): the customer's own ADMIN users and
   * that login itself. Resellers and staff never learn or choose it; they point to the forgot flow.
   */
  customerPassword: [ADMIN],
  /** The audit log of the customer. */
  audit: [ADMIN, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Requiring a second factor of every login of the customer. */
  securityPolicy: [ADMIN, "RESELLER", "STAFF_ADMIN"],
  /** Seeing and ending the sessions of the customer-number login. */
  sessions: [ADMIN, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Changing contacts' phone passwords. */
  manageContacts: [ADMIN, "RESELLER", "STAFF_ADMIN"],
  /** Creating, changing and deleting contacts. */
  editContacts: [ADMIN, TECHNICAL, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Changing the customer's main email and newsletter. */
  editMaster: [ADMIN, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Changing billing settings: online invoice, payment method, billing address; resending invoices. */
  editBilling: [ADMIN, BILLING, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** The full IBAN; everyone else in scope sees it masked. */
  fullIban: [ADMIN, BILLING, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Booking, changing, suspending and cancelling products. */
  manageProducts: ["RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** The customer's portal users and invitations: inviting, roles, removing, disabling. */
  manageUsers: [ADMIN, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** The invoice format (PDF, ZUGFeRD, XRechnung) and buyer reference: who handles the customer's bills. */
  editInvoiceSettings: [ADMIN, BILLING, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Issuing and cancelling invoices: the provider's and the reseller's billing systems. */
  issueInvoices: ["RESELLER", "STAFF_ADMIN"],
  /** The customer's orders (contractual: not the READ_ONLY login). */
  orders: NOT_READ_ONLY,
  /** Ordering products and plan changes, and cancelling a pending order; TECHNICAL only where the catalog allows it. */
  order: [ADMIN, TECHNICAL],
  /** Signing in to a product's control panel. */
  panelSignIn: [ADMIN, TECHNICAL, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /** Seeing the data-processing agreement's status and acceptance certificates, data exports and closure requests. */
  dataProtection: [ADMIN, "RESELLER", "STAFF_SUPPORT", "STAFF_ADMIN"],
  /**
   * Accepting the data-processing agreement, exporting all of the customer's data and asking to
   * close the account: the customer's own ADMIN users only (it is the customer's contract and data).
   */
  dataProtectionAdmin: [ADMIN],
} satisfies Record<string, CustomerAccess[]>;

export type CustomerRule = keyof typeof CUSTOMER_RULES;

export function may(principal: Principal, rule: CustomerRule, customer: CustomerRef): boolean {
  const access = accessTo(principal, customer);
  return access !== null && (CUSTOMER_RULES[rule] as CustomerAccess[]).includes(access);
}

export const unauthenticated = () =>
  new KontoError(ErrorCode.UNAUTHENTICATED, "Sign in first: send an access token as Authorization: Bearer …", { http: { status: 401 } });
export const forbidden = (message = "You may not do this") => new KontoError(ErrorCode.FORBIDDEN, message);

/** Throws UNAUTHENTICATED for anonymous callers and FORBIDDEN when the rule does not allow it. */
export function assertMay<C extends CustomerRef>(ctx: Context, rule: CustomerRule, customer: C | null | undefined): asserts customer is C {
  if (ctx.principal.kind === "anonymous") throw unauthenticated();
  // An unknown customer gets the same answer as someone else's: ids must not be probed.
  if (!customer || !may(ctx.principal, rule, customer)) throw forbidden("This customer is not yours to see or change");
}

/**
 * SQL that limits the customers table (alias-free) to the caller's scope; lists are filtered
 * in the query, never fetched and then trimmed.
 */
export function customerScope(principal: Principal): { sql: string; params: unknown[] } {
  switch (principal.kind) {
    case "anonymous":
      return { sql: "FALSE", params: [] };
    case "customer":
      return principal.roles.size ? { sql: "id IN (?)", params: [[...principal.roles.keys()]] } : { sql: "FALSE", params: [] };
    case "reseller":
      return { sql: "reseller_id = ?", params: [principal.resellerId] };
    case "staff":
      return { sql: "TRUE", params: [] };
  }
}

/** The one customer a customer login belongs to; null for staff, resellers and users of several customers. */
export function soleCustomerOf(principal: Principal): number | null {
  if (principal.kind !== "customer" || principal.roles.size !== 1) return null;
  return principal.roles.keys().next().value ?? null;
}
