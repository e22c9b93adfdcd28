import { Field, ObjectType, registerEnumType } from "type-graphql";

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
  /** A customer always keeps one STANDARD contact. */
  LAST_STANDARD_CONTACT = "LAST_STANDARD_CONTACT",
  /** Only STANDARD or BILLING contacts with a confirmed email receive invoices. */
  CANNOT_RECEIVE_INVOICES = "CANNOT_RECEIVE_INVOICES",
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

/** Thrown inside a transaction to roll it back and answer with this userError instead. */
export class Refusal extends Error {
  constructor(readonly userError: UserError) {
    super(userError.message);
  }
}

/** Runs work that may be refused: its Refusal becomes the payload's userErrors, nothing stays written. */
export async function refusable<T>(work: () => Promise<T>): Promise<T | { userErrors: UserError[] }> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refusal) return { userErrors: [error.userError] };
    throw error;
  }
}
