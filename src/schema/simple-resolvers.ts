import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { GraphQLSchema } from "graphql";
import { getMetadataStorage } from "type-graphql";

/**
 * `simpleResolvers` for the whole schema: type-graphql gives every plain `@Field` a resolver that
 * runs the (empty) middleware chain and returns `root[name]`. graphql-js and graphql-jit read the
 * property themselves when a field has no resolver, and graphql-jit then inlines it instead of
 * calling a closure with a resolve-info object per field and row.
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
    const interfaceFields = storage.interfaceTypes.filter((i) => objectType.interfaceClasses?.includes(i.target)).flatMap((i) => i.fields ?? []);
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
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => (plain.get(typeName)?.has(fieldName) ? { ...field, resolve: undefined } : field),
  });
}
