import { FastifyRequest } from "fastify";
import { DataSource } from "typeorm";
import { AuthRuntime } from "../auth/runtime";
import { Config } from "../config";
import { OutboxRelay } from "../notifications/outbox";
import { ANONYMOUS, Context, Principal } from "../platform/context";
import { Loaders } from "../platform/loaders";
import { Logger } from "../platform/logger";
import { scopedDataSource } from "../platform/request-scope";

export interface RouteDeps {
  db: DataSource;
  config: Config;
  log: Logger;
  relay: OutboxRelay;
  auth: AuthRuntime;
}

/** A service context for a plain HTTP route (no GraphQL). */
export function routeContext(request: FastifyRequest, deps: RouteDeps, principal: Principal = ANONYMOUS): Context {
  const scope = { requestId: request.id, sqlStatements: 0 };
  const db = scopedDataSource(deps.db, scope);
  return {
    requestId: request.id,
    scope,
    principal,
    db,
    loaders: new Loaders(db),
    log: deps.log,
    config: deps.config,
    outbox: deps.relay,
    auth: deps.auth,
    ip: request.ip,
  };
}
