// Patches: Apollo Server's executor and the request context it hands a gateway.
// 1. The executor, replaced by graphql-jit through Apollo's `gateway` option,
//    meant for Apollo Federation's gateway: a "gateway" that only hands over our own schema
//    (onSchemaLoadOrUpdate) and an executor (load) that Apollo calls for every operation after it
//    parsed and validated it. With it, variables coerced by graphql-js's `getVariableValues` before
//    graphql-jit sees them, and graphql-jit's errors copied into graphql-js errors.
//    Written against @apollo/server 5.5.1 (types from @apollo/server-gateway-interface 2.0.0, which
//    it depends on), graphql 16.15.0 and graphql-jit 0.8.9 (package.json).
//    Why: graphql-jit runs the operations (README, "Performance"); Apollo 5 has no executor option.
//    Caller: createApollo (src/http/graphql.ts), unless PERF_LEVERS_OFF=jit.
//    Contract tests: test/library-patches.test.ts, "apollo-executor: …".
//
// 2. useGatewayRequestContextClasses replaces makeGatewayGraphQLRequestContext, which Apollo's
//    request pipeline (requestPipeline.js) reads from the exports of its internal
//    dist/cjs/utils/makeGatewayGraphQLRequestContext.js at every call, found by file path since
//    the package exports only its entry points. It relies on the fields of Apollo's request
//    context that the original copies (request, response.http, contextValue, queryHash, document,
//    source, operationName, operation, errors, metrics, overallCachePolicy, requestIsBatched) and
//    on the server's logger and cache and internals' includeStacktraceInErrorResponses.
//    Why: the original builds `response.http` as an object literal with a getter and a setter,
//    new closures over the request context at every call. V8 then allocates property layout for
//    each such object in the old generation, pointing at those closures, so that everything the
//    request context reaches (Konto's context, its loaders, their rows) survives every young
//    collection until the next full one. Measured on the Dashboard (README, "Performance"): each
//    young collection promoted 2.4–3.7 MB and took 8 ms, against 0.3 MB and 3 ms with classes whose
//    accessors sit on the prototype; with a bare Apollo and a constant executor the number of
//    requests per second doubled. Caller: jitGateway.

import path from "node:path";
import type { BaseContext, GraphQLRequestContext, HeaderMap, HTTPGraphQLHead } from "@apollo/server";
import type {
  GatewayExecutor,
  GatewayGraphQLRequest,
  GatewayGraphQLRequestContext,
  GatewayHTTPRequest,
  GatewayHTTPResponse,
  GatewayInterface,
  GatewaySchemaHash,
} from "@apollo/server-gateway-interface";
import { ExecutionResult, getVariableValues, GraphQLError, GraphQLSchema, SourceLocation } from "graphql";
import { CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";

/**
 * graphql-jit's errors are look-alikes with read-only properties, which Apollo's error formatting
 * cannot handle. As graphql-js errors they reach formatError (masking, request id) as before.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  if (error instanceof GraphQLError && error.constructor === GraphQLError) return error;
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined });
  (copy as { locations?: readonly SourceLocation[] }).locations = error.locations;
  return copy;
}

/**
 * graphql-jit as Apollo's executor. Apollo 5 has no executor option, but its `gateway` hook
 * takes one: the "gateway" here only hands over our own schema and runs each operation through
 * a compiled query. Apollo still parses, validates (with the query limits) and caches documents;
 * the compiled queries live in an LRU keyed by the document's hash and operation name, so a
 * client sending ever-new documents cannot grow memory.
 */
export function jitGateway(schema: GraphQLSchema, cacheSize: number): GatewayInterface {
  useGatewayRequestContextClasses();
  const compiled = new LRUCache<string, CompiledQuery>({ max: cacheSize });
  const executor: GatewayExecutor = async (request) => {
    // Variables are coerced by graphql-js, so that a bad one gets the same error (and Apollo's
    // BAD_USER_INPUT) as without the jit, and input fields get their defaults, which graphql-jit
    // leaves out. The jit then sees values that are valid already.
    const variables = request.request.variables ?? {};
    const coerced = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const key = `${request.queryHash}:${request.operationName ?? ""}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compileQuery(schema, request.document, request.operationName ?? undefined);
      // Not compilable (e.g. an unknown operation name): the same errors graphql-js would give.
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      compiled.set(key, query);
    }
    const result = await query.query(undefined, request.context, coerced.coerced);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: "" });
      return () => undefined;
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}

type FetcherHeaders = GatewayHTTPRequest["headers"];

/** Fetch's Headers over Apollo's HeaderMap, as Apollo's own FetcherHeadersForHeaderMap. */
class GatewayHeaders implements FetcherHeaders {
  constructor(private readonly map: HeaderMap) {}
  append(name: string, value: string): void {
    const existing = this.map.get(name);
    this.map.set(name, existing === undefined ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name);
  }
  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  set(name: string, value: string): void {
    this.map.set(name, value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** The answer's HTTP head as a gateway sees it: `status` reads and writes Apollo's own head. */
class GatewayResponseHead implements GatewayHTTPResponse {
  readonly headers: FetcherHeaders;
  constructor(private readonly head: HTTPGraphQLHead) {
    this.headers = new GatewayHeaders(head.headers);
  }
  get status(): number | undefined {
    return this.head.status;
  }
  set status(status: number | undefined) {
    this.head.status = status;
  }
}

interface ApolloServerParts {
  logger: GatewayGraphQLRequestContext["logger"];
  cache: GatewayGraphQLRequestContext["cache"];
}

/** What Apollo's makeGatewayGraphQLRequestContext makes, with the accessors on a prototype. */
function gatewayRequestContext(
  context: GraphQLRequestContext<BaseContext>,
  server: ApolloServerParts,
  internals: { includeStacktraceInErrorResponses?: boolean },
): GatewayGraphQLRequestContext {
  const source = context.request;
  const request: GatewayGraphQLRequest = {};
  if ("query" in source) request.query = source.query;
  if ("operationName" in source) request.operationName = source.operationName;
  if ("variables" in source) request.variables = source.variables;
  if ("extensions" in source) request.extensions = source.extensions;
  if (source.http) {
    const { method, search, headers } = source.http;
    const question = search !== "" && !search.startsWith("?") ? "?" : "";
    request.http = { method, url: `https://unknown-url.invalid/${question}${search}`, headers: new GatewayHeaders(headers) };
  }
  return {
    request,
    response: { http: new GatewayResponseHead(context.response.http) },
    logger: server.logger,
    schema: context.schema,
    schemaHash: "schemaHash no longer exists since Apollo Server 4" as GatewaySchemaHash,
    context: context.contextValue,
    cache: server.cache,
    queryHash: context.queryHash!,
    document: context.document!,
    source: context.source!,
    operationName: context.operationName ?? null,
    operation: context.operation!,
    errors: context.errors,
    metrics: context.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: context.overallCachePolicy,
    requestIsBatched: context.requestIsBatched,
  };
}

/** Apollo's internal module that makes a gateway's request context; not exported by its package, hence found by file. */
const GATEWAY_CONTEXT_MODULE = "utils/makeGatewayGraphQLRequestContext.js";

/** Makes Apollo build each gateway request context with gatewayRequestContext (header comment, 2.). */
export function useGatewayRequestContextClasses(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const internal = require(path.join(path.dirname(require.resolve("@apollo/server")), GATEWAY_CONTEXT_MODULE)) as {
    makeGatewayGraphQLRequestContext?: unknown;
  };
  if (typeof internal.makeGatewayGraphQLRequestContext !== "function")
    throw new Error(`@apollo/server's ${GATEWAY_CONTEXT_MODULE} no longer exports makeGatewayGraphQLRequestContext`);
  internal.makeGatewayGraphQLRequestContext = gatewayRequestContext;
}
