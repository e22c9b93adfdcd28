import { createHash } from "node:crypto";
import { DataSource } from "typeorm";
import { isDuplicateKey } from "../platform/db";
import { Transaction } from "../platform/transactions";
import { Principal } from "../platform/principal";
import { jsonColumn } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";

// Idempotency keys (owner of `idempotency_keys`). A mutation that opts in (the `idempotency`
// step of mutate / mutateUntargeted) claims the caller's key in its own transaction and stores
// its result there, so the key and the effect commit or vanish together.

/** How long a key answers with its first result. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** The description of every mutation's `idempotencyKey` argument. */
export const IDEMPOTENCY_KEY_ARG = {
  nullable: true,
  description:
    "Optional key (up to 255 characters, per caller, kept 24 hours): a repeat with the same key and input returns the first result and changes nothing; with other input it answers IDEMPOTENCY_KEY_REUSED.",
} as const;

/** What a mutation hands to the unit of work to be idempotent: the caller's key and the request it guards. */
export interface IdempotentRequest {
  /** The caller's key; without one the mutation runs as usual. */
  key: string | null | undefined;
  /** The mutation's name: a key reused for another mutation is a reuse with different input. */
  operation: string;
  /** Every argument of the mutation except the key: compared by hash with the first request. */
  input: unknown;
}

/** A key that is stored: the hash of the request that claimed it and that request's result. */
interface StoredKey {
  requestHash: string;
  result: unknown;
}

/** Thrown inside the transaction when another request holds the key: the transaction rolls back and its stored result answers. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super("idempotency key taken");
  }
}

/** Who a key belongs to: keys of different callers never meet. */
function callerOf(principal: Principal): string {
  switch (principal.kind) {
    case "staff":
      return `staff:${principal.userId}`;
    case "reseller":
      return principal.clientId !== null ? `reseller-client:${principal.clientId}` : `reseller-user:${principal.userId}`;
    case "customer":
      // The customer-number login has no user: it is the customer's own account.
      return principal.userId !== null ? `user:${principal.userId}` : `customer:${[...principal.roles.keys()].join(",")}`;
    default:
      return refuse(UserErrorCode.INVALID_INPUT, "An idempotency key needs a signed-in caller", ["idempotencyKey"]);
  }
}

/** The same value whatever the order of object keys, dates as ISO text. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const hashOf = (request: IdempotentRequest) =>
  createHash("sha256")
    .update(JSON.stringify([request.operation, canonical(request.input)]))
    .digest("hex");

/** A key the caller has used for a request: checked, hashed, and bound to the caller. */
export class IdempotencyClaim {
  private constructor(
    readonly caller: string,
    readonly key: string,
    readonly operation: string,
    readonly requestHash: string,
  ) {}

  /** The claim of a request, or null when it carries no key. Refuses a key that is empty or too long. */
  static of(principal: Principal, request: IdempotentRequest | undefined): IdempotencyClaim | null {
    if (!request || request.key === null || request.key === undefined) return null;
    const key = request.key;
    if (!key.trim() || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
      refuse(UserErrorCode.INVALID_INPUT, `An idempotency key has 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`, ["idempotencyKey"]);
    }
    return new IdempotencyClaim(callerOf(principal), key, request.operation, hashOf(request));
  }

  /** The key's stored result if it was used within its lifetime (committed); refuses a reuse with other input. */
  async earlierResult(db: DataSource | Transaction): Promise<{ result: unknown } | null> {
    const [row] = await db.query(
      "SELECT request_hash, result FROM idempotency_keys WHERE caller = ? AND idempotency_key = ? AND expires_at > CURRENT_TIMESTAMP(3)",
      [this.caller, this.key],
    );
    return row ? this.answerFor({ requestHash: row.request_hash, result: jsonColumn(row.result) }) : null;
  }

  private answerFor(stored: StoredKey): { result: unknown } {
    if (stored.requestHash !== this.requestHash) {
      refuse(
        UserErrorCode.IDEMPOTENCY_KEY_REUSED,
        "This idempotency key was used for a different request; use a new key for a new request",
        ["idempotencyKey"],
      );
    }
    return { result: stored.result };
  }

  /**
   * Claims the key in the mutation's transaction, before its writes. A concurrent request with
   * the same key waits here on the row lock until the first one commits (then IdempotencyKeyTaken:
   * it answers with the stored result) or rolls back (then it runs itself). An expired key is
   * taken over.
   */
  async claim(tx: Transaction): Promise<void> {
    try {
      await tx.query(
        `INSERT INTO idempotency_keys (caller, idempotency_key, operation, request_hash, expires_at)
         VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ${IDEMPOTENCY_KEY_TTL_HOURS} HOUR)`,
        [this.caller, this.key, this.operation, this.requestHash],
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Concurrent repeats all hold a shared lock on the key now: only an expired key may ask for more.
      const [held] = await tx.query(
        "SELECT expires_at <= CURRENT_TIMESTAMP(3) AS expired FROM idempotency_keys WHERE caller = ? AND idempotency_key = ? LOCK IN SHARE MODE",
        [this.caller, this.key],
      );
      if (!held?.expired) throw new IdempotencyKeyTaken();
      const taken = await tx.query(
        `UPDATE idempotency_keys SET operation = ?, request_hash = ?, result = NULL, created_at = CURRENT_TIMESTAMP(3),
           expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ${IDEMPOTENCY_KEY_TTL_HOURS} HOUR
         WHERE caller = ? AND idempotency_key = ? AND expires_at <= CURRENT_TIMESTAMP(3)`,
        [this.operation, this.requestHash, this.caller, this.key],
      );
      if (!taken.affectedRows) throw new IdempotencyKeyTaken();
    }
  }

  /** Stores the mutation's result (ids, JSON) with the key, still in its transaction. */
  async complete(tx: Transaction, result: unknown): Promise<void> {
    await tx.query("UPDATE idempotency_keys SET result = ? WHERE caller = ? AND idempotency_key = ?", [
      JSON.stringify(result ?? null),
      this.caller,
      this.key,
    ]);
  }
}

export const IdempotencyKeys = {
  /** Deletes keys past their lifetime; run by housekeeping. */
  async purgeExpired(db: DataSource): Promise<number> {
    const result = await db.query("DELETE FROM idempotency_keys WHERE expires_at <= CURRENT_TIMESTAMP(3) LIMIT 10000");
    return Number(result.affectedRows ?? 0);
  },
};
