import { DataSource } from "typeorm";
import { Config } from "../config";
import { Loaders } from "./loaders";
import { Logger } from "./logger";
import { Principal } from "./principal";
import { RequestScope } from "./request-scope";

export { ANONYMOUS, principalLabel } from "./principal";
export type { Principal } from "./principal";

/**
 * The services a request context carries from modules above platform/ (the outbox, the
 * authentication runtime). Each such module adds its member here by declaration merging, so the
 * context is typed in full while platform/ imports none of them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ContextServices {}

/** What every resolver and service gets first: identity, per-request loaders, logging. */
export interface Context extends ContextServices {
  requestId: string;
  /** The request's counters; `db` is the request's view of the DataSource that counts into it. */
  scope: RequestScope;
  principal: Principal;
  db: DataSource;
  loaders: Loaders;
  log: Logger;
  config: Config;
  /** The caller's address, for rate limits and IP allowlists. */
  ip: string;
  /** The caller's User-Agent, shown in its list of sessions. */
  userAgent: string | null;
}
