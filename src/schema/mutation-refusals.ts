import { getNamedType, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, isNonNullType } from "graphql";
import { ErrorCode, KontoError } from "../platform/errors";
import { Refusal, UserError, userError, UserErrorCode } from "../platform/user-error";
import { InputValidationError } from "./validate-args";

/**
 * One error channel for mutations (ARCHITECTURE.md, "API conventions"): a refusal the caller can
 * act on is a userErrors entry, never a top-level error. The unit of work answers the refusals of
 * services; this catches the ones thrown before a service runs — an argument that fails its
 * validation rules, a malformed id, a Refusal from a resolver — and answers them the same way.
 * Top-level errors stay for UNAUTHENTICATED, FORBIDDEN, documents that fail GraphQL validation
 * and faults.
 */
export function refusalsAsUserErrors(schema: GraphQLSchema): void {
  const mutations = schema.getMutationType()?.getFields() ?? {};
  for (const field of Object.values(mutations)) {
    const resolve = field.resolve;
    if (!resolve) continue;
    const refused = refusedPayload(getNamedType(field.type));
    if (!refused) throw new Error(`mutation ${field.name} has no payload with userErrors`);
    field.resolve = async (source, args, context, info) => {
      try {
        return await resolve(source, args, context, info);
      } catch (error) {
        const userErrors = userErrorsOf(error);
        if (!userErrors) throw error;
        return { ...refused, userErrors };
      }
    };
  }
}

/** The userErrors a thrown error stands for, or undefined when it is not the caller's to fix. */
export function userErrorsOf(error: unknown): UserError[] | undefined {
  if (error instanceof Refusal) return error.userErrors;
  if (error instanceof InputValidationError)
    return error.problems.map((p) => userError(UserErrorCode.INVALID_INPUT, p.message, p.field));
  if (error instanceof KontoError && error.extensions.code === ErrorCode.BAD_USER_INPUT) {
    const field = error.extensions.field;
    return [userError(UserErrorCode.INVALID_INPUT, error.message, typeof field === "string" ? [field] : [])];
  }
  return undefined;
}

/**
 * What a refused mutation answers besides userErrors: null for nullable fields, and false or ""
 * for the non-null flags and texts of error-only payloads (as the resolvers' own refusals do).
 */
function refusedPayload(type: unknown): Record<string, unknown> | undefined {
  if (!(type instanceof GraphQLObjectType) || !type.getFields().userErrors) return undefined;
  const refused: Record<string, unknown> = {};
  for (const field of Object.values(type.getFields())) {
    if (field.name === "userErrors" || !isNonNullType(field.type)) continue;
    const named = getNamedType(field.type);
    if (named instanceof GraphQLScalarType && named.name === "Boolean") refused[field.name] = false;
    else if (named instanceof GraphQLScalarType && named.name === "String") refused[field.name] = "";
    else return undefined;
  }
  return refused;
}
