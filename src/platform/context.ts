import { DataSource } from "typeorm";
import { Config } from "../config";
import type { OutboxRelay } from "../outbox/outbox.service";
import { Loaders } from "./loaders";
import { Logger } from "./logger";

/** Who calls. Until logins exist every caller is anonymous and reads are open (see README). */
export type Principal = { kind: "anonymous" };

/** What every resolver and service gets first: identity, per-request loaders, logging. */
export interface Context {
  requestId: string;
  principal: Principal;
  db: DataSource;
  loaders: Loaders;
  log: Logger;
  config: Config;
  /** Records side effects in the caller's transaction and hands them to the workers after commit. */
  outbox: OutboxRelay;
}
