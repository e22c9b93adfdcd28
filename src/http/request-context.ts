import { FastifyRequest } from "fastify";
import { DataSource } from "typeorm";
import { AuthRuntime } from "../access/runtime";
import { Config } from "../config";
import { OutboxRelay } from "../notifications/outbox";
import { ANONYMOUS, Context, Principal } from "../platform/context";
import { unauthenticated } from "../access/access";
import { Loaders } from "../platform/loaders";
import { Logger } from "../platform/logger";
import { RequestScope, scopedDataSource } from "../platform/request-scope";
import { TrustedDocumentStore } from "../trusted-documents/trusted-document-store";

export interface ContextDeps {
  db: DataSource;
  config: Config;
  log: Logger;
  relay: OutboxRelay;
  auth: AuthRuntime;
  documents: TrustedDocumentStore;
}

/**
 * The one place a request's service context is made, for GraphQL and the plain HTTP routes alike:
 * its own view of the DataSource (so its statements are counted), fresh loaders, and the caller.
 */
export function createContext(
  request: FastifyRequest,
  deps: ContextDeps,
  principal: Principal = ANONYMOUS,
  scope: RequestScope = { requestId: request.id, sqlStatements: 0 },
): Context {
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
    documents: deps.documents,
    ip: request.ip,
    userAgent: request.headers?.["user-agent"]?.slice(0, 400) ?? null,
  };
}

/**
 * The caller of a request by its bearer token, and the check that its access was not taken back:
 * `live()` is its outcome (it rejects with UNAUTHENTICATED, or SERVICE_UNAVAILABLE while it cannot
 * be checked); asking for it sends the check to Redis at once if it is still gathering with others
 * (Revocations.check). Anonymous without a token; a malformed or forged token is refused at once.
 */
export async function callerFromBearer(
  authorization: string | undefined,
  auth: AuthRuntime,
): Promise<{ principal: Principal; live: (() => Promise<void>) | undefined }> {
  if (!authorization) return { principal: ANONYMOUS, live: undefined };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw unauthenticated();
  const verified = await auth.tokens.verify(match[1]);
  const live = auth.revocations.check(verified);
  // A token this process already knows to be taken back runs nothing, not even a query.
  if (auth.revocations.refusedLocally(verified)) await live();
  return { principal: verified.principal, live };
}

/** The caller of a request by its bearer token, once its access is known to stand (callerFromBearer). */
export async function principalFromBearer(authorization: string | undefined, auth: AuthRuntime): Promise<Principal> {
  const { principal, live } = await callerFromBearer(authorization, auth);
  await live?.();
  return principal;
}
