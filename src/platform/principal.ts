/** A customer user's role at one customer. */
export enum CustomerRole {
  ADMIN = "ADMIN",
  BILLING = "BILLING",
  TECHNICAL = "TECHNICAL",
  READ_ONLY = "READ_ONLY",
}

/** A member of the provider's staff: SUPPORT, or ADMIN who may do everything. */
export enum StaffRole {
  SUPPORT = "SUPPORT",
  ADMIN = "ADMIN",
}

/**
 * Who calls, from the access token (no database read per request). A change of roles or a
 * revocation makes the token refused on its next request (access/revocations.ts); a refresh then
 * carries the new roles.
 */
export type Principal =
  | { kind: "anonymous" }
  | {
      kind: "customer";
      /** null for the customer-number login (the account's own password). */
      userId: number | null;
      roles: ReadonlyMap<number, CustomerRole>;
      label: string;
      /** The session (login) the token belongs to; null for tokens of no session (API clients). */
      sessionId: number | null;
    }
  | { kind: "reseller"; resellerId: number; userId: number | null; clientId: number | null; label: string; sessionId: number | null }
  | { kind: "staff"; userId: number; role: StaffRole; label: string; sessionId: number | null };

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** Who the caller is, in words, as stored beside a change (at most 300 characters). */
export const principalLabel = (principal: Principal): string =>
  (principal.kind === "anonymous" ? "anonymous" : principal.label).slice(0, 300);
