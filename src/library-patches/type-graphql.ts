// Patches: type-graphql's schema build and its output, through its global metadata storage
// (getMetadataStorage: exported, but its shape is type-graphql's internal one).
// Written against type-graphql 2.0.0-rc.4 with graphql 16.15.0 and graphql-jit 0.8.9 (package.json).
// Contract tests: test/library-patches.test.ts, "type-graphql: …".
//
// What it relies on: the storage lists `objectTypes` and `interfaceTypes` (name, target,
// interfaceClasses, and after a build `fields`), `fields` (name, schemaName, target, simple,
// and after a build `middlewares`), `fieldResolvers` (methodName, schemaName, target,
// getObjectType), `queries` and `mutations` (methodName, schemaName, target), `authorizedFields`
// (target, fieldName, roles) and `authorizedResolver`; buildSchema works on a shallow clone made
// when it starts, so it reads `authorizedFields` then and fills the shared field definitions.
//
// 1. withSimpleResolvers removes type-graphql's resolver from every plain `@Field`, which runs
//    the (empty) middleware chain and returns `root[name]`. graphql-js and graphql-jit read the
//    property themselves, and graphql-jit then inlines it instead of calling a closure with a
//    resolve-info object per field and row. Caller: buildKontoSchema (src/schema/build.ts),
//    unless PERF_LEVERS_OFF=simple-resolvers.
// 2. buildWithoutAuthorizedMiddleware builds the schema with `authorizedFields` emptied and
//    restored afterwards, and maps the rules to GraphQL fields. Why: type-graphql checks a rule
//    in an async middleware, a chain of async functions and promises per call; on a reseller's
//    page of 50 customers, contacts and products alone are 100 such calls, and without them
//    Konto used about 11 % less CPU there. The rules stay in the metadata for the
//    deny-by-default check and the permission snapshot (src/schema/permissions.ts); withFieldRules
//    (src/schema/field-rules.ts) checks them. Caller: buildKontoSchema.
// 3. useSyncResolveType: type-graphql wraps an interface's resolveType in an async function;
//    graphql-jit needs the type name at once. Caller: buildKontoSchema (the Node interface).
// 4. useDirectParams replaces getParams, which type-graphql's resolvers read from the exports of
//    its internal build/cjs/resolvers/helpers.js at every call; it uses convertArgsToInstance and
//    convertArgToInstance (resolvers/convert-args.js), convertToType (helpers/types.js) and the
//    parameter metadata's index, kind, propertyName, getType, validateSettings and validateFn.
//    Found by file path, since type-graphql's package exports only its index. Caller:
//    buildKontoSchema. Why and what: at the function.

import path from "node:path";
import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { GraphQLInterfaceType, GraphQLSchema, GraphQLTypeResolver } from "graphql";
import { getMetadataStorage } from "type-graphql";

/** type-graphql's global metadata: every decorated class of the process. */
export const typeGraphqlMetadata = getMetadataStorage;

/**
 * `simpleResolvers` for the whole schema: a plain `@Field` loses its resolver.
 *
 * A field keeps its resolver when it has a middleware, a field resolver, a GraphQL name other
 * than its property name, or `simple: false` (a value that may be a promise, which graphql-jit
 * does not await for a field without resolver): those are not plain reads. A field with a rule
 * gets its check from withFieldRules afterwards, around whatever resolver it has.
 */
export function withSimpleResolvers(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  const plain = new Map<string, Set<string>>();
  for (const objectType of storage.objectTypes) {
    const interfaceFields = storage.interfaceTypes
      .filter((i) => objectType.interfaceClasses?.includes(i.target))
      .flatMap((i) => i.fields ?? []);
    const names = new Set<string>();
    for (const field of [...interfaceFields, ...(objectType.fields ?? [])]) {
      const resolved = storage.fieldResolvers.some((r) => r.getObjectType?.() === field.target && r.methodName === field.name);
      if (resolved || field.simple === false || field.middlewares?.length || field.name !== field.schemaName) {
        names.delete(field.schemaName);
        continue;
      }
      names.add(field.schemaName);
    }
    plain.set(objectType.name, names);
  }
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) =>
      plain.get(typeName)?.has(fieldName) ? { ...field, resolve: undefined } : field,
  });
}

/** The `@Authorized` rules of every guarded GraphQL field: type name → field name → rules (any of them). */
export type AuthorizedRules<R> = ReadonlyMap<string, ReadonlyMap<string, R[]>>;

/**
 * Builds the schema with type-graphql unaware of the `@Authorized` rules (no rule middleware, no
 * authChecker needed), and returns the rules per GraphQL field. `R` is the type of the rules the
 * decorators were given.
 */
export async function buildWithoutAuthorizedMiddleware<R>(
  build: () => Promise<GraphQLSchema>,
): Promise<{ schema: GraphQLSchema; rules: AuthorizedRules<R> }> {
  const storage = getMetadataStorage();
  const authorized = storage.authorizedFields.splice(0);
  let schema: GraphQLSchema;
  try {
    schema = await build();
  } finally {
    storage.authorizedFields.push(...authorized);
  }
  return { schema, rules: rulesByField<R>() };
}

function rulesByField<R>(): AuthorizedRules<R> {
  const storage = getMetadataStorage();
  const rules = new Map<string, Map<string, R[]>>();
  const add = (type: string, field: string, roles: R[]) => {
    if (!rules.has(type)) rules.set(type, new Map());
    if (rules.get(type)!.has(field)) throw new Error(`${type}.${field} has two @Authorized rules; keep one`);
    rules.get(type)!.set(field, roles);
  };
  const isOrExtends = (target: Function, base: Function) => target === base || target.prototype instanceof base;
  // Fail closed on what this mapping does not handle: rules on a whole resolver class, and rules on
  // interface fields (type-graphql copies those into every implementing type).
  if (storage.authorizedResolver.length) throw new Error("@Authorized on a resolver class is not supported; put it on its fields");
  for (const { target, fieldName, roles } of storage.authorizedFields) {
    if (storage.interfaceTypes.some((i) => i.target === target)) {
      throw new Error(`@Authorized on ${target.name}.${fieldName}: rules on interface fields are not supported`);
    }
    const typed = roles as R[];
    // A property of object types (also of those that extend the class).
    const objectTypes = storage.objectTypes.filter((t) => isOrExtends(t.target, target));
    const property = objectTypes.length ? storage.fields.find((f) => f.target === target && f.name === fieldName) : undefined;
    if (property) {
      for (const type of objectTypes) add(type.name, property.schemaName, typed);
      continue;
    }
    const operation = (kind: "Query" | "Mutation", list: typeof storage.queries) => {
      const found = list.find((op) => op.target === target && op.methodName === fieldName);
      if (found) add(kind, found.schemaName, typed);
      return !!found;
    };
    if (operation("Query", storage.queries) || operation("Mutation", storage.mutations)) continue;
    const resolver = storage.fieldResolvers.find((r) => r.target === target && r.methodName === fieldName);
    const type = resolver && storage.objectTypes.find((t) => t.target === resolver.getObjectType?.());
    // Fail closed: a rule that matches no field would leave that field unguarded.
    if (!resolver || !type) throw new Error(`@Authorized on ${target.name}.${fieldName} matches no field of the schema`);
    add(type.name, resolver.schemaName, typed);
  }
  return rules;
}

/** Gives an interface of the built schema a resolveType that answers at once. */
export function useSyncResolveType<S>(schema: GraphQLSchema, interfaceName: string, resolveType: GraphQLTypeResolver<S, unknown>): void {
  (schema.getType(interfaceName) as GraphQLInterfaceType).resolveType = resolveType;
}

/** type-graphql's internal helpers that getParams uses; not exported by its package, hence found by file. */
function typeGraphqlInternal<T>(file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(path.dirname(require.resolve("type-graphql")), file)) as T;
}

type ParamKind = "args" | "arg" | "context" | "root" | "info" | "custom";
interface ParamMetadata {
  index: number;
  kind: ParamKind;
  propertyName?: string;
  getType?: () => unknown;
  validateSettings?: unknown;
  validateFn?: unknown;
}
interface ResolverCall {
  root: Record<string, unknown>;
  args: Record<string, unknown>;
  context: Record<string, unknown>;
  info: unknown;
}
type ValidateFn = (value: unknown, type: unknown, data: ResolverCall) => unknown;
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
type GetParams = (params: ParamMetadata[], data: ResolverCall, globalValidate: unknown, globalValidateFn?: ValidateFn) => unknown;

/**
 * 4. useDirectParams: type-graphql's getParams, run for every resolver call (a reseller's page of
 *    50 customers makes over 100), sorts the parameter list, validates every argument in an async
 *    function and joins the values with Promise.all, though Konto's validateFn is synchronous:
 *    about a tenth of what a reseller's page allocates. This one sorts each list once and calls
 *    the validateFn directly (a promise only when it answers with one); the values, conversions and
 *    errors are type-graphql's, except that a refusal is thrown instead of returned as a rejected
 *    promise, which the executors and refusalsAsUserErrors treat alike. A call with
 *    type-graphql's own validation (no validateFn), per-argument validation settings or a custom
 *    parameter decorator goes to the original. Caller: buildKontoSchema (src/schema/build.ts), before the schema is built.
 */
export function useDirectParams(): void {
  const helpers = typeGraphqlInternal<{ getParams: GetParams }>("resolvers/helpers.js");
  const convert = typeGraphqlInternal<{
    convertArgsToInstance: (param: ParamMetadata, args: ResolverCall["args"]) => unknown;
    convertArgToInstance: (param: ParamMetadata, args: ResolverCall["args"]) => unknown;
  }>("resolvers/convert-args.js");
  const { convertToType } = typeGraphqlInternal<{ convertToType: (type: unknown, value: unknown) => unknown }>("helpers/types.js");
  const original = helpers.getParams;
  if ((original as { direct?: boolean }).direct) return;
  const sorted = new WeakSet<ParamMetadata[]>();
  const direct: GetParams = (params, data, globalValidate, globalValidateFn) => {
    if (!sorted.has(params)) {
      if (!globalValidateFn || params.some((p) => p.kind === "custom" || p.validateFn !== undefined || p.validateSettings !== undefined))
        return original(params, data, globalValidate, globalValidateFn);
      params.sort((a, b) => a.index - b.index);
      sorted.add(params);
    }
    const values: unknown[] = new Array(params.length);
    let waiting = false;
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      switch (param.kind) {
        case "args":
        case "arg": {
          const value =
            param.kind === "args" ? convert.convertArgsToInstance(param, data.args) : convert.convertArgToInstance(param, data.args);
          const checked = globalValidateFn!(value, param.getType!(), data);
          // A validateFn that answers with a promise is awaited, as type-graphql would.
          if (isThenable(checked)) {
            values[i] = checked.then(() => value);
            waiting = true;
          } else values[i] = value;
          break;
        }
        case "context":
          values[i] = param.propertyName ? data.context[param.propertyName] : data.context;
          break;
        case "root": {
          const root = param.propertyName ? data.root[param.propertyName] : data.root;
          values[i] = param.getType ? convertToType(param.getType(), root) : root;
          break;
        }
        case "info":
          values[i] = data.info;
          break;
        default:
          return original(params, data, globalValidate, globalValidateFn);
      }
    }
    return waiting ? Promise.all(values) : values;
  };
  (direct as { direct?: boolean }).direct = true;
  helpers.getParams = direct;
}
