import { GraphQLError, GraphQLFormattedError } from "graphql";
import { Logger } from "./logger";

/** Codes a caller may see in `errors[].extensions.code`. Anything else is masked. */
export enum ErrorCode {
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  RATE_LIMITED = "RATE_LIMITED",
  /** A dependency the answer needs (Redis for the revocation check) is down: try again shortly. */
  SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE",
  /** A sensitive field needs a recent sign-in (step-up): authReauthenticate, then ask again. */
  REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED",
  /** A second factor is required and none is enrolled: only enrolment (and signing out) is allowed. */
  SECOND_FACTOR_ENROLMENT_REQUIRED = "SECOND_FACTOR_ENROLMENT_REQUIRED",
  GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED",
  GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED",
  BAD_REQUEST = "BAD_REQUEST",
  PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND",
  PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED",
  /** TRUSTED_DOCUMENTS_ONLY: the document is not one of the registered ones. */
  OPERATION_NOT_REGISTERED = "OPERATION_NOT_REGISTERED",
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
 * Whether an error may be shown as it is: a public code, and our own error or one of GraphQL's
 * parse and validation errors. A resolver that throws a plain Error still gets a code from
 * Apollo; its message is not for the caller.
 */
function isPublic(error: unknown, code: unknown): boolean {
  return (
    typeof code === "string" &&
    PUBLIC_CODES.has(code) &&
    (!(error instanceof GraphQLError) || !error.originalError || error.originalError instanceof GraphQLError)
  );
}

/** Originals already logged with their request id by logUnexpectedErrors. */
const logged = new WeakSet<object>();
const originalOf = (error: unknown): unknown => (error instanceof GraphQLError ? (error.originalError ?? error) : error);

/**
 * Apollo's formatError: errors with a public code pass; everything else becomes
 * INTERNAL_SERVER_ERROR, and the original goes to the log: from logUnexpectedErrors with the
 * request id, or here, for failures outside the request pipeline (the context function), which
 * Apollo's request hooks never see. withRequestId then adds the request id to the response.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError {
  if (isPublic(error, formatted.extensions?.code)) {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = originalOf(error);
  if (!(typeof original === "object" && original !== null && logged.has(original)))
    log.error({ err: original, path: formatted.path }, "unexpected error");
  return { message: "Internal server error", path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** The originals of the errors maskError hides, with the request id (an Apollo didEncounterErrors hook). */
export function logUnexpectedErrors(errors: readonly GraphQLError[], log: Logger, requestId: string | undefined): void {
  for (const error of errors) {
    if (isPublic(error, error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR)) continue;
    const original = originalOf(error) as object;
    logged.add(original);
    log.error({ err: original, requestId, path: error.path }, "unexpected error");
  }
}

/**
 * Adds the request id to every error of a response body; a body without errors is returned as it
 * is. Apollo writes `errors` first, so looking at the start is enough (a large page without
 * errors is not scanned).
 */
export function withRequestId(body: string, requestId: string): string {
  if (!body.startsWith('{"errors":[')) return body;
  const parsed = JSON.parse(body) as { errors?: { extensions?: Record<string, unknown> }[] };
  if (!Array.isArray(parsed.errors)) return body;
  for (const error of parsed.errors) error.extensions = { ...error.extensions, requestId };
  return JSON.stringify(parsed) + (body.endsWith("\n") ? "\n" : "");
}
