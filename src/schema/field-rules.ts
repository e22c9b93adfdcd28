import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { AuthorizationError, getMetadataStorage } from "type-graphql";
import { authChecker, Rule } from "../access/auth-checker";
import { Context } from "../platform/context";

/** The rules of every guarded field: GraphQL type name → field name → rules (any of them). */
export type FieldRules = ReadonlyMap<string, ReadonlyMap<string, Rule[]>>;

/**
 * Builds the schema with type-graphql unaware of the @Authorized rules, and returns the rules per
 * GraphQL field, for withFieldRules to check.
 *
 * type-graphql checks a rule in an async middleware: a chain of async functions and promises per
 * call. On a reseller's page of 50 customers, contacts and products alone are 100 such calls;
 * without them Konto used about 11 % less CPU there. The rules stay in type-graphql's metadata
 * (restored after the build) for the deny-by-default check and the permission snapshot.
 */
export async function buildWithoutRuleMiddleware(build: () => Promise<GraphQLSchema>): Promise<{ schema: GraphQLSchema; rules: FieldRules }> {
  const storage = getMetadataStorage();
  const authorized = storage.authorizedFields.splice(0);
  let schema: GraphQLSchema;
  try {
    schema = await build();
  } finally {
    storage.authorizedFields.push(...authorized);
  }
  return { schema, rules: rulesByField() };
}

function rulesByField(): FieldRules {
  const storage = getMetadataStorage();
  const rules = new Map<string, Map<string, Rule[]>>();
  const add = (type: string, field: string, roles: Rule[]) => {
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
    const typed = roles as Rule[];
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

/**
 * Puts the rule check in front of every guarded field's resolver: synchronously (the default), or
 * awaited as type-graphql's middleware does (PERF_LEVERS_OFF=sync-rules). Either way the check is
 * the same authChecker, before arguments are converted and validated, and a refusal is the error
 * it throws (or AuthorizationError, as type-graphql's authMode "error").
 */
export function withFieldRules(schema: GraphQLSchema, rules: FieldRules, mode: "sync" | "async"): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const roles = rules.get(typeName)?.get(fieldName);
      if (!roles) return field;
      const inner: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      const resolve: GraphQLFieldResolver<unknown, Context> =
        mode === "sync"
          ? (root, args, context, info) => {
              if (!authChecker({ root, args, context, info }, roles)) throw new AuthorizationError();
              return inner(root, args, context, info);
            }
          : async (root, args, context, info) => {
              if (!(await authChecker({ root, args, context, info }, roles))) throw new AuthorizationError();
              return inner(root, args, context, info);
            };
      return { ...field, resolve };
    },
  });
}
