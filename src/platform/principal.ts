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
 * Who calls, from the access token (no database read per request). Roles change at the next
 * refresh, at most ACCESS_TOKEN_TTL later.
 */
export type Principal =
  | { kind: "anonymous" }
  | {
      kind: "customer";
      /** null for the customer-number login (the account's own password). */
      userId: number | null;
      roles: ReadonlyMap<number, CustomerRole>;
      label: string;
      familyId: string | null;
    }
  | { kind: "reseller"; resellerId: number; userId: number | null; clientId: number | null; label: string; familyId: string | null }
  | { kind: "staff"; userId: number; role: StaffRole; label: string; familyId: string | null };

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** Who the caller is, in words, as stored beside a change (at most 300 characters). */
export const principalLabel = (principal: Principal): string =>
  (principal.kind === "anonymous" ? "anonymous" : principal.label).slice(0, 300);
