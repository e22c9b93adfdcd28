import { RequestScope } from "./request-scope";
import { DataSource } from "typeorm";
import { Config } from "../config";
import type { CustomerRole, StaffRole } from "../users/user.entity";
import type { AuthRuntime } from "../auth/runtime";
import type { OutboxRelay } from "../notifications/outbox";
import { Loaders } from "./loaders";
import { Logger } from "./logger";

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

/** What every resolver and service gets first: identity, per-request loaders, logging. */
export interface Context {
  requestId: string;
  /** The request's counters; `db` is the request's view of the DataSource that counts into it. */
  scope: RequestScope;
  principal: Principal;
  db: DataSource;
  loaders: Loaders;
  log: Logger;
  config: Config;
  /** Records side effects in the caller's transaction and hands them to the workers after commit. */
  outbox: OutboxRelay;
  auth: AuthRuntime;
  /** The caller's address, for rate limits and IP allowlists. */
  ip: string;
}
