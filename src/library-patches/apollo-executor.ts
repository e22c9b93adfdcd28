// Patches: Apollo Server's executor, replaced by graphql-jit through Apollo's `gateway` option,
// meant for Apollo Federation's gateway: a "gateway" that only hands over our own schema
// (onSchemaLoadOrUpdate) and an executor (load) that Apollo calls for every operation after it
// parsed and validated it. With it, variables coerced by graphql-js's `getVariableValues` before
// graphql-jit sees them, and graphql-jit's errors copied into graphql-js errors.
// Written against @apollo/server 5.5.1 (types from @apollo/server-gateway-interface 2.0.0, which
// it depends on), graphql 16.15.0 and graphql-jit 0.8.9 (package.json).
// Why: graphql-jit runs the operations (README, "Performance"); Apollo 5 has no executor option.
// Caller: createApollo (src/http/graphql.ts), unless PERF_LEVERS_OFF=jit.
// Contract tests: test/library-patches.test.ts, "apollo-executor: …".

import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
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
