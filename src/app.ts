import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import Fastify, { FastifyInstance } from "fastify";
import { DataSource } from "typeorm";
import { RunningWorkers, startWorkers } from "../workers";
import { Config } from "./config";
import { registerGraphqlRoute, createApollo } from "./http/graphql";
import { registerAuthRoutes, registerPanelRoutes, registerVerificationRoute } from "./http/auth-routes";
import { registerHealthRoutes } from "./http/health";
import { secureResponse } from "./http/security-headers";
import { registerMetricsRoute, registerQueueDashboard } from "./http/ops-routes";
import { Metrics } from "./platform/metrics";
import { registerInvoiceRoutes } from "./http/invoice-routes";
import { registerDocumentRoutes } from "./http/document-routes";
import { registerDevMailboxRoutes } from "./http/dev-mailbox-routes";
import { configurePasswordHashing } from "./access/passwords";
import { AuthRuntime, createAuthRuntime } from "./access/runtime";
import { SessionService } from "./auth/sessions";
import { OutboxRelay } from "./notifications/outbox";
import { Context } from "./platform/context";
import { openDatabase } from "./database";
import { Logger } from "./platform/logger";
import { closeQueues, createQueues, Queues } from "./platform/queues";
import { closeRedis, createRedis, RedisClient } from "./platform/redis";
import { OwnWrites, ReplicaRouter } from "./platform/replicas";
import { buildKontoSchema } from "./schema/build";
import { seedIfEmpty } from "./seed/demo-data";
import { LOGIN_EMAIL_TARGET } from "./auth/login-emails";
import { CONTACT_EMAIL_TARGET } from "./contacts/contact-emails";
import { CUSTOMER_EMAIL_TARGETS } from "./customers/customer-emails";
import { registerEmailTarget } from "./verifications/email-targets";
import { TrustedDocumentStore } from "./trusted-documents/trusted-document-store";
import { TrustedDocumentService } from "./trusted-documents/trusted-documents.service";
import { onAuditedChange } from "./unit-of-work/unit-of-work";
import { raiseWebhookEvent } from "./webhooks/webhook-events";

export interface App {
  config: Config;
  log: Logger;
  db: DataSource;
  redis: RedisClient;
  queues: Queues;
  relay: OutboxRelay;
  auth: AuthRuntime;
  /** Registered GraphQL documents and the APQ cache, shared by every process through Redis. */
  documents: TrustedDocumentStore;
  metrics: Metrics;
  http: FastifyInstance;
  /** The base URL the server listens on, e.g. http://127.0.0.1:4000. */
  url: string;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;
// W3C trace context: version-traceid-parentid-flags; the trace id ties our logs to the caller's.
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The caller's x-request-id, else the trace id of its traceparent, else a new one. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID.test(given)) return given;
  const trace = typeof headers.traceparent === "string" ? TRACEPARENT.exec(headers.traceparent) : null;
  return trace ? trace[1] : randomUUID();
}

/** BullMQ loses jobs when Redis evicts keys; say so at start-up (managed Redis may refuse CONFIG). */
async function warnUnlessNoeviction(redis: RedisClient, log: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    if (policy !== "noeviction")
      log.warn({ policy }, "Redis maxmemory-policy should be noeviction: with eviction, queued jobs can be lost");
  } catch (err) {
    log.debug({ err }, "could not read Redis maxmemory-policy");
  }
}
const DEMO_CUSTOMERS = 50;

/**
 * Each module that owns an address confirmed by a link says how it is put in use; the webhooks
 * listen to audited changes.
 */
function registerModuleHooks(): void {
  for (const [purpose, target] of [...CUSTOMER_EMAIL_TARGETS, CONTACT_EMAIL_TARGET, LOGIN_EMAIL_TARGET])
    registerEmailTarget(purpose, target);
  // Every audited change may be a webhook event (src/webhooks/webhook-events.ts).
  onAuditedChange(raiseWebhookEvent);
}

/**
 * Starts everything `npm start` runs in one process: database (created and migrated), demo data
 * outside production, the HTTP server, and the BullMQ workers unless WORKERS_IN_PROCESS=false.
 */
export async function startApp(config: Config, log: Logger): Promise<App> {
  configurePasswordHashing(config.passwordHashCost);
  registerModuleHooks();
  const db = await openDatabase(config, log);
  if (!config.production && config.seed === "auto" && (await seedIfEmpty(db, { customers: DEMO_CUSTOMERS }))) {
    log.info({ customers: DEMO_CUSTOMERS }, "empty database seeded with demo data");
  }
  // Reads of query operations go to replicas that keep up (README, "Scale-out guide").
  const replicas = config.databaseReplicaUrls.length
    ? new ReplicaRouter(db, config.databaseReplicaUrls.length, config.databaseReplicas, log)
    : undefined;
  await replicas?.start();
  const redis = createRedis(config, "api");
  redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const ownWrites = replicas ? new OwnWrites(redis, config.queuePrefix, config.databaseReplicas.ownWritesWindowMs, log) : undefined;
  const queues = createQueues(redis, config.queuePrefix, config.webhooks);
  const relay = new OutboxRelay(db, queues, log);
  const metrics = new Metrics();
  metrics.watch(db, queues);
  void warnUnlessNoeviction(redis, log);

  let shuttingDown = false;
  const http = Fastify({
    logger: false,
    genReqId: (req) => requestIdOf(req.headers),
    // Keep-alive sockets that are idle close at once on shutdown; busy ones finish their request.
    forceCloseConnections: "idle",
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
  });
  http.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
    secureResponse(reply);
    // During shutdown a keep-alive socket would hold the server open after its last answer.
    if (shuttingDown) void reply.header("connection", "close");
  });

  const auth = await createAuthRuntime(config, redis, log);
  // "Last used" of a session: written at most once a minute per session, never on the request's path.
  auth.revocations.onSessionUsed = (sessionId) =>
    void SessionService.touch(db, sessionId).catch((err) => log.warn({ err, sessionId }, "could not note the session as used"));
  const schema = await buildKontoSchema({ simpleResolvers: config.levers["simple-resolvers"] });
  const documents = new TrustedDocumentStore(redis, config.queuePrefix);
  if (config.trustedDocuments.file) {
    const added = await TrustedDocumentService.registerFile(documents, schema, config.trustedDocuments.file);
    log.info({ file: config.trustedDocuments.file, added }, "trusted documents registered");
  }
  const apollo: ApolloServer<Context> = await createApollo(schema, config, log, documents, ownWrites);
  const deps = { db, config, log, relay, auth, documents };
  registerGraphqlRoute(http, apollo, { ...deps, metrics });
  registerMetricsRoute(http, { metrics, config });
  await registerQueueDashboard(http, { queues, config, auth });
  registerAuthRoutes(http, deps);
  registerVerificationRoute(http, deps);
  registerPanelRoutes(http, deps);
  registerInvoiceRoutes(http, deps);
  await registerDocumentRoutes(http, deps);
  // Development only and without login: in production these paths do not exist.
  if (!config.production) registerDevMailboxRoutes(http, { db, config });
  registerHealthRoutes(http, { db, redis, isShuttingDown: () => shuttingDown });

  const workers: RunningWorkers | undefined = config.workersInProcess
    ? await startWorkers({ config, db, redis, queues, relay, log, metrics })
    : undefined;

  const address = await http.listen({ host: config.host, port: config.port });
  const url = address.replace("[::]", "127.0.0.1").replace("0.0.0.0", "127.0.0.1");
  log.info({ url: `${url}/graphql`, workers: !!workers }, "konto listening");

  return {
    config,
    log,
    db,
    redis,
    queues,
    relay,
    auth,
    documents,
    metrics,
    http,
    url,
    async stop() {
      shuttingDown = true;
      // Stop accepting, let in-flight requests finish, then jobs, then the pools.
      await http.close();
      await apollo.stop();
      await workers?.close();
      await closeQueues(queues);
      await auth.revocations.stop();
      await closeRedis(redis);
      replicas?.stop();
      await db.destroy();
    },
  };
}
