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
      auth?: Authentication;
    }
  | {
      kind: "reseller";
      resellerId: number;
      userId: number | null;
      clientId: number | null;
      label: string;
      sessionId: number | null;
      auth?: Authentication;
    }
  | { kind: "staff"; userId: number; role: StaffRole; label: string; sessionId: number | null; auth?: Authentication };

/**
 * How the caller authenticated, from the token (claims amr, acr, auth_time): methods per RFC 8176
 * ("pwd", "otp", "hwk"), the level, and when; step-up compares `time` with STEP_UP_MAX_AGE.
 * `enrolOnly`: a second factor is required and none is enrolled: nothing but enrolment is allowed.
 */
export interface Authentication {
  methods: string[];
  level: "aal1" | "aal2";
  /** Seconds since the epoch. */
  time: number;
  enrolOnly?: boolean;
}

export const ANONYMOUS: Principal = { kind: "anonymous" };

/** Who the caller is, in words, as stored beside a change (at most 300 characters). */
export const principalLabel = (principal: Principal): string =>
  (principal.kind === "anonymous" ? "anonymous" : principal.label).slice(0, 300);
