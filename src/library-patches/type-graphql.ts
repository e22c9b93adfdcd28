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
