import "reflect-metadata";
import { Field, Int, ObjectType, registerEnumType } from "type-graphql";

/** Codes of userErrors: problems with what the caller asked for, not faults. */
export enum UserErrorCode {
  INVALID_INPUT = "INVALID_INPUT",
  INVALID_CREDENTIALS = "INVALID_CREDENTIALS",
  IP_NOT_ALLOWED = "IP_NOT_ALLOWED",
  INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN",
  REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED",
  WEAK_PASSWORD = "WEAK_PASSWORD",
  NOT_FOUND = "NOT_FOUND",
  TAKEN = "TAKEN",
  CONFLICT = "CONFLICT",
  /** Confirmation links */
  EXPIRED = "EXPIRED",
  ALREADY_USED = "ALREADY_USED",
  CANCELLED = "CANCELLED",
  SUPERSEDED = "SUPERSEDED",
  UNKNOWN_TOKEN = "UNKNOWN_TOKEN",
  NOT_PENDING = "NOT_PENDING",
  COOLDOWN = "COOLDOWN",
  /** Too many attempts: wait `retryAfter` seconds. */
  RATE_LIMITED = "RATE_LIMITED",
  /** A customer always keeps one STANDARD contact. */
  LAST_STANDARD_CONTACT = "LAST_STANDARD_CONTACT",
  /** A customer always keeps one enabled ADMIN user: the last one cannot be removed, demoted or disabled. */
  LAST_ADMIN = "LAST_ADMIN",
  /** Disabling would lock the login out of other customers too (or it waits for its confirmation): remove its membership instead. */
  REMOVE_INSTEAD = "REMOVE_INSTEAD",
  /** An invitation link that is unknown, expired, used or cancelled: one answer for all. */
  INVALID_LINK = "INVALID_LINK",
  /** Only STANDARD or BILLING contacts with a confirmed email receive invoices. */
  CANNOT_RECEIVE_INVOICES = "CANNOT_RECEIVE_INVOICES",
  /** A sensitive change needs a recent sign-in: call authReauthenticate, then try again. */
  REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED",
  /** A second factor code, recovery code or passkey that does not verify. */
  INVALID_SECOND_FACTOR = "INVALID_SECOND_FACTOR",
  /** The customer requires a second factor that this login has not enrolled. */
  SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED",
  /** An idempotency key sent again with a different request: a new request needs a new key. */
  IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED",
  /** The plan named is not in the catalog, or cannot be ordered. */
  UNKNOWN_PLAN = "UNKNOWN_PLAN",
  /** The catalog does not allow this change of plan. */
  PLAN_CHANGE_NOT_ALLOWED = "PLAN_CHANGE_NOT_ALLOWED",
  /** The catalog lets only the customer's ADMIN users order this plan. */
  ADMIN_REQUIRED = "ADMIN_REQUIRED",
  /** The domain is held by another active product already. */
  DUPLICATE_DOMAIN = "DUPLICATE_DOMAIN",
  /** This product's type has no control panel configured. */
  NO_PANEL = "NO_PANEL",
}
registerEnumType(UserErrorCode, { name: "UserErrorCode" });

@ObjectType({ description: "Why a mutation did not do what was asked; nothing was changed." })
export class UserError {
  @Field(() => [String], { description: 'Path of the input field at fault, e.g. ["input", "email"]; empty when none.' })
  field: string[];

  @Field()
  message: string;

  @Field(() => UserErrorCode)
  code: UserErrorCode;

  @Field(() => Int, { nullable: true, description: "With RATE_LIMITED: the seconds to wait before trying again." })
  retryAfter?: number;
}

export const userError = (code: UserErrorCode, message: string, field: string[] = []): UserError => ({ code, message, field });

/** A payload's error-only shape, for mutations that return nothing else. */
@ObjectType()
export class MutationOutcome {
  @Field({ description: "True when the mutation did what was asked." })
  ok: boolean;

  @Field(() => [UserError])
  userErrors: UserError[];
}

/**
 * The one way to refuse what a caller asked for, for a reason the caller can act on: thrown
 * anywhere in a mutation, it rolls the unit of work back and becomes the payload's userErrors.
 */
export class Refusal extends Error {
  readonly userErrors: UserError[];

  constructor(...userErrors: [UserError, ...UserError[]]) {
    super(userErrors.map((e) => e.message).join("; "));
    this.userErrors = userErrors;
  }
}

/** Throws a Refusal with this one userError. */
export function refuse(code: UserErrorCode, message: string, field: string[] = []): never {
  throw new Refusal(userError(code, message, field));
}

/** Throws one Refusal with all of these userErrors, when there are any. */
export function refuseAny(errors: UserError[]): void {
  if (errors.length) throw new Refusal(...(errors as [UserError, ...UserError[]]));
}
