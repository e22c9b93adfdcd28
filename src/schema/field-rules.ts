import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { defaultFieldResolver, GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { AuthorizationError } from "type-graphql";
import { authChecker, Rule } from "../access/auth-checker";
import { AuthorizedRules } from "../library-patches/type-graphql";
import { Context } from "../platform/context";

/**
 * The rules of every guarded field: GraphQL type name → field name → rules (any of them). The
 * schema is built with type-graphql unaware of them (buildWithoutAuthorizedMiddleware in
 * src/library-patches/type-graphql.ts, which says why) and withFieldRules checks them instead.
 */
export type FieldRules = AuthorizedRules<Rule>;

/**
 * Puts the rule check in front of every guarded field's resolver, synchronously: the same
 * authChecker as type-graphql's, before arguments are converted and validated, and a refusal is
 * the error it throws (or AuthorizationError, as type-graphql's authMode "error"). Awaiting it as
 * type-graphql's middleware does measured no different (README, "Performance"), so there is one way.
 */
export function withFieldRules(schema: GraphQLSchema, rules: FieldRules): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const roles = rules.get(typeName)?.get(fieldName);
      if (!roles) return field;
      const inner: GraphQLFieldResolver<unknown, Context> = field.resolve ?? defaultFieldResolver;
      const resolve: GraphQLFieldResolver<unknown, Context> = (root, args, context, info) => {
        if (!authChecker({ root, args, context, info }, roles)) throw new AuthorizationError();
        return inner(root, args, context, info);
      };
      return { ...field, resolve };
    },
  });
}
