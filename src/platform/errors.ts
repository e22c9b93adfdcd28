import { GraphQLError, GraphQLFormattedError } from "graphql";
import { Logger } from "./logger";

/** Codes a caller may see in `errors[].extensions.code`. Anything else is masked. */
export enum ErrorCode {
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  RATE_LIMITED = "RATE_LIMITED",
  GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED",
  GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED",
  BAD_REQUEST = "BAD_REQUEST",
  PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND",
  PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED",
  OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
}

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));

/** A refusal meant for the caller; its message and code reach the client unchanged. */
export class KontoError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }
}

export const badInput = (message: string, extensions?: Record<string, unknown>) =>
  new KontoError(ErrorCode.BAD_USER_INPUT, message, extensions);

/**
 * Apollo's formatError: errors with a public code pass; everything else becomes
 * INTERNAL_SERVER_ERROR with the request id, and the original goes to the log only.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: Logger,
  requestId: string | undefined,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const publicError =
    typeof code === "string" &&
    PUBLIC_CODES.has(code) &&
    // A resolver that throws a plain Error still gets a code from Apollo; only our own errors
    // and GraphQL's parse/validation errors (no original error) are safe to show as they are.
    (!(error instanceof GraphQLError) || !error.originalError || error.originalError instanceof GraphQLError);
  if (publicError) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, requestId } };
  }
  log.error({ err: original, requestId, path: formatted.path }, "unexpected error");
  return {
    message: "Internal server error",
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
  };
}
