import { Readable } from "node:stream";
import { ApolloServer, HeaderMap } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDisableSuggestions } from "@apollo/server/plugin/disableSuggestions";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { FastifyInstance } from "fastify";
import { GraphQLError, GraphQLSchema, ValidationContext } from "graphql";
import { Config } from "../config";
import { ANONYMOUS, Context, Principal } from "../platform/context";
import { TrustedDocumentStore } from "../trusted-documents/trusted-document-store";
import { ErrorCode, KontoError, logUnexpectedErrors, maskError, withRequestId } from "../platform/errors";
import { Logger } from "../platform/logger";
import { RequestScope } from "../platform/request-scope";
import { OwnWrites, replicaRouterOf } from "../platform/replicas";
import { subjectOf } from "../access/tokens";
import { inSpan } from "../platform/telemetry";
import { Metrics } from "../platform/metrics";
import { jitGateway } from "../library-patches/apollo-executor";
import { callerFromBearer, ContextDeps, createContext } from "./request-context";
import { pageHeaders } from "./security-headers";

// Apollo Sandbox, the landing page outside production (in production there is none): its
// script, styles and frame come from Apollo's CDN.
const LANDING_PAGE_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline' https://embeddable-sandbox.cdn.apollographql.com; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://apollo-server-landing-page.cdn.apollographql.com; frame-src https://sandbox.embed.apollographql.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/**
 * With TRUSTED_DOCUMENTS_ONLY: a document that is not registered is refused before it runs,
 * unless staff or a reseller API client (client credentials) sends it; they may send ad-hoc
 * queries within the cost limits.
 */
async function assertTrusted(documents: TrustedDocumentStore, principal: Principal, queryHash: string | undefined): Promise<void> {
  if (principal.kind === "staff" || (principal.kind === "reseller" && principal.clientId !== null)) return;
  if (await documents.isRegistered(queryHash)) return;
  throw new KontoError(
    ErrorCode.OPERATION_NOT_REGISTERED,
    "Only registered operations are accepted here: send one of the portal's registered documents",
    {
      http: { status: 400 },
    },
  );
}

/** Whether a query may read replicas: not for a caller who wrote within the window (read-your-writes). */
async function replicaReadsFor(ownWrites: OwnWrites, { principal, db }: Context): Promise<boolean> {
  if (principal.kind === "anonymous" || !(await ownWrites.wroteRecently(subjectOf(principal)))) return true;
  const router = replicaRouterOf(db);
  if (router) router.ownWriteQueries++;
  return false;
}

export async function createApollo(
  schema: GraphQLSchema,
  config: Config,
  log: Logger,
  documents: TrustedDocumentStore,
  /** With read replicas: who wrote just now, whose queries then read the primary. */
  ownWrites?: OwnWrites,
): Promise<ApolloServer<Context>> {
  const apollo = new ApolloServer<Context>({
    // graphql-jit runs the operations (README, "Performance"); graphql-js when the lever is off.
    ...(config.levers.jit ? { gateway: jitGateway(schema, config.graphql.jitCacheSize) } : { schema }),
    introspection: config.graphql.introspection,
    allowBatchedHttpRequests: false,
    // An operation's answer as JSON.stringify writes it, without the newline Apollo appends
    // (prettyJSONStringify): appending it made a second string that was copied whole (about
    // 100 KB on a reseller's page) before the answer could be written.
    stringifyResult: (result) => JSON.stringify(result),
    // Automatic persisted queries in Redis, with the registered documents: every process knows
    // what any process was sent, and a registered document is found by its hash alone.
    persistedQueries: { cache: documents.persistedQueryCache() },
    // Shutdown is ours (src/platform/process.ts): it drains HTTP, then workers, then pools.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    // Query limits run as validation rules, before any resolver does work. A refusal is reported
    // as a validation error (400, GRAPHQL_VALIDATION_FAILED); thrown, Apollo would make it a 500.
    validationRules: [
      maxDepthRule({ n: config.graphql.maxDepth, ...reportAsValidationError }),
      maxAliasesRule({ n: config.graphql.maxAliases, ...reportAsValidationError }),
      costLimitRule({ maxCost: config.graphql.maxCost, ...reportAsValidationError }),
    ],
    formatError: (formatted, error) => maskError(formatted, error, log),
    plugins: [
      {
        // Names the operation and counts its errors for the request's log line and metrics.
        async requestDidStart() {
          return {
            async didResolveOperation(rc) {
              const { scope } = rc.contextValue;
              // Only a query runs before its caller is known to still have access (its answer waits).
              if (rc.operation?.operation !== "query") await scope.callerLive?.();
              scope.operation = rc.operationName ?? rc.operation?.operation ?? null;
              scope.operationType = rc.operation?.operation;
              if (config.trustedDocuments.only) await assertTrusted(documents, rc.contextValue.principal, rc.queryHash);
              if (ownWrites && scope.operationType === "query") scope.replicaReads = await replicaReadsFor(ownWrites, rc.contextValue);
            },
            async didEncounterErrors(rc) {
              logUnexpectedErrors(rc.errors, log, rc.contextValue.requestId);
            },
            async willSendResponse(rc) {
              if (rc.response.body.kind === "single") rc.contextValue.scope.errors = rc.response.body.singleResult.errors?.length ?? 0;
              // Before the answer leaves: the caller's next query must already find the mark.
              const { principal, scope } = rc.contextValue;
              if (ownWrites && scope.operationType === "mutation" && principal.kind !== "anonymous")
                await ownWrites.noteWrite(subjectOf(principal));
            },
          };
        },
      },
      // No cache hints are used; the plugin would wrap every resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      // Apollo turns federated inline tracing on for subgraphs; traces are OpenTelemetry's here.
      ApolloServerPluginInlineTraceDisabled(),
      ...(config.graphql.introspection ? [] : [ApolloServerPluginDisableSuggestions()]),
      // Apollo's landing pages load their script from Apollo's CDN: none in production.
      ...(config.production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** Mounts Apollo at /graphql. Each request gets its own view of the DataSource, so its SQL statements are counted. */
export function registerGraphqlRoute(app: FastifyInstance, apollo: ApolloServer<Context>, deps: ContextDeps & { metrics: Metrics }): void {
  app.route({
    method: ["GET", "POST"],
    url: "/graphql",
    handler: async (request, reply) => {
      let scope: RequestScope = { requestId: request.id, sqlStatements: 0 };
      const started = performance.now();
      let principal: Principal = ANONYMOUS;
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const queryStart = request.url.indexOf("?");
      const httpGraphQLRequest = {
        method: request.method.toUpperCase(),
        headers,
        search: queryStart >= 0 ? request.url.slice(queryStart) : "",
        body: request.body,
      };
      // With tracing on, the operation is a span (named once it is known): its SQL, Redis and outbox work are its children.
      const response = await inSpan("graphql", {}, async (span) => {
        let answer = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: async () => {
            // The revocation check's round trip to Redis overlaps the operation's parsing and,
            // for a query, its execution; nothing is written and nothing answered before it passed.
            const caller = await callerFromBearer(request.headers.authorization, deps.auth);
            scope.callerLive = caller.live;
            principal = caller.principal;
            return createContext(request, deps, principal, scope);
          },
        });
        const refusal = await scope.callerLive?.().then(
          () => null,
          (error: unknown) => error,
        );
        if (refusal) {
          // What ran is dropped: the caller gets the answer of a token refused before anything ran.
          scope = { requestId: request.id, sqlStatements: 0 };
          principal = ANONYMOUS;
          answer = await apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest,
            context: () => Promise.reject(refusal),
          });
        }
        const type = scope.operationType ?? "operation";
        span?.updateName(scope.operation && scope.operation !== type ? `graphql ${type} ${scope.operation}` : `graphql ${type}`);
        span?.setAttributes({ "graphql.operation.name": scope.operation ?? "", "graphql.operation.type": scope.operationType ?? "" });
        return answer;
      });
      for (const [name, value] of response.headers) void reply.header(name, value);
      if (response.headers.get("content-type")?.startsWith("text/html")) pageHeaders(reply, LANDING_PAGE_POLICY);
      if (deps.config.exposeSqlCount) void reply.header("x-sql-statements", String(scope.sqlStatements));
      const status = response.status ?? 200;
      void reply.code(status);
      // One line and one observation per request.
      const outcome = status >= 400 ? "rejected" : scope.errors ? "error" : "ok";
      const seconds = (performance.now() - started) / 1000;
      const operation = deps.metrics.operationLabel(scope.operation);
      deps.metrics.requests.inc({ operation, outcome });
      deps.metrics.duration.observe({ operation, outcome }, seconds);
      deps.metrics.sqlPerRequest.observe(scope.sqlStatements);
      deps.log.info(
        {
          requestId: request.id,
          operation: scope.operation ?? null,
          principal: principal.kind,
          ms: Math.round(seconds * 1000),
          status,
          outcome,
          sql: scope.sqlStatements,
        },
        "graphql request",
      );
      // As bytes: a string would be joined to the response head by Node's http (a copy of the
      // whole answer, about 100 KB on a reseller's page) and measured once more for its length.
      if (response.body.kind === "complete") return Buffer.from(withRequestId(response.body.string, request.id));
      return reply.send(Readable.from(response.body.asyncIterator));
    },
  });
}
