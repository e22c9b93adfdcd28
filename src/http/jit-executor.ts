import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import { ExecutionResult, GraphQLSchema } from "graphql";
import { CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";

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
    const key = `${request.queryHash}:${request.operationName ?? ""}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compileQuery(schema, request.document, request.operationName ?? undefined);
      // Not compilable (e.g. an unknown operation name): the same errors graphql-js would give.
      if (!isCompiledQuery(result)) return result as ExecutionResult;
      query = result;
      compiled.set(key, query);
    }
    return query.query(undefined, request.context, request.request.variables ?? {}) as Promise<ExecutionResult> | ExecutionResult;
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
