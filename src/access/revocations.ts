import { Redis } from "ioredis";
import { ErrorCode, KontoError } from "../platform/errors";
import { Logger } from "../platform/logger";
import { VerifiedToken } from "./tokens";

/** How long a request waits for Redis before it is refused as unavailable. */
const CHECK_TIMEOUT_MS = 1000;
/** "Last used" of a session is written at most this often. */
const SEEN_INTERVAL_MS = 60_000;

// Records a revocation and stamps it with the Redis clock, in one step: tokens are stamped with the
// same clock (`now`), so API processes on hosts whose clocks differ agree on what came first.
const STAMP_SCRIPT = `
local t = redis.call('TIME')
local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('SET', KEYS[1], us, 'PX', ARGV[1])
return us`;

const unauthenticated = () => new KontoError(ErrorCode.UNAUTHENTICATED, "This session has ended; sign in again", { http: { status: 401 } });
const unavailable = () =>
  new KontoError(ErrorCode.SERVICE_UNAVAILABLE, "Sign-ins cannot be checked right now; try again in a moment", {
    http: { status: 503 },
  });

/**
 * Access taken back, for every API process at once: Redis holds each ended session and, per
 * subject (`user:5`, `customer:12`, `client:3`), the moment before which its access tokens no
 * longer count. Entries live as long as an access token can, so Redis never grows beyond the
 * revocations of the last ACCESS_TOKEN_TTL. Every request checks its token with one round trip and
 * no database read; while Redis cannot answer, requests with a token are refused (fail closed: a
 * removed employee must not get in because Redis is down), anonymous ones still work.
 */
export class Revocations {
  private readonly keepMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    accessTokenTtlMs: number,
    private readonly log: Logger,
    /** Off only to measure what the check costs (REVOCATION_CHECK=off, `npm run bench`). */
    private readonly enabled = true,
  ) {
    // A little longer than a token lives, for clocks that disagree.
    this.keepMs = accessTokenTtlMs + 60_000;
  }

  /** Called with a session id the first time in a minute a request uses it. */
  onSessionUsed: (sessionId: number) => void = () => {};

  private endedKey = (sessionId: number) => `${this.prefix}:revoked:session:${sessionId}`;
  private subjectKey = (subject: string) => `${this.prefix}:revoked:subject:${subject}`;
  private seenKey = (sessionId: number) => `${this.prefix}:session-seen:${sessionId}`;

  /** Microseconds now on the Redis clock, which revocations are stamped with; SERVICE_UNAVAILABLE while Redis is down. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.withinTimeout(this.redis.time());
    return Number(seconds) * 1_000_000 + Number(micros);
  }

  /** A Redis answer, or SERVICE_UNAVAILABLE when Redis is disconnected or slower than CHECK_TIMEOUT_MS. */
  private async withinTimeout<T>(answer: Promise<T>): Promise<T> {
    if (this.redis.status !== "ready") {
      answer.catch(() => undefined);
      throw unavailable();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([answer, timeout]);
    } catch (error) {
      this.log.warn({ err: error }, "Redis cannot check sign-ins: refusing the request");
      throw unavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  // Both writes run inside the transaction of the change that causes them: while Redis is down
  // they refuse (SERVICE_UNAVAILABLE) and the change rolls back, rather than hold the transaction.

  /** Access tokens of these sessions are refused from the next request on. */
  async endSessions(sessionIds: number[]): Promise<void> {
    if (!sessionIds.length) return;
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.set(this.endedKey(id), "1", "PX", this.keepMs);
    for (const [error] of (await this.withinTimeout(pipeline.exec())) ?? []) if (error) throw error;
  }

  /** Every access token of the subject issued until now is refused from the next request on. */
  async revokeIssuedBefore(subject: string): Promise<void> {
    await this.withinTimeout(this.redis.eval(STAMP_SCRIPT, 1, this.subjectKey(subject), this.keepMs));
  }

  /**
   * Refuses a token whose session ended or whose subject revoked its tokens after it was issued;
   * notes the session as used, at most once a minute.
   */
  async assertLive({ principal, subject, issuedAtUs }: VerifiedToken): Promise<void> {
    if (!this.enabled) return;
    const sessionId = principal.sessionId;
    const pipeline = this.redis.pipeline();
    pipeline.mget(this.subjectKey(subject), sessionId ? this.endedKey(sessionId) : this.subjectKey(subject));
    if (sessionId) pipeline.set(this.seenKey(sessionId), "1", "PX", SEEN_INTERVAL_MS, "NX");
    const results = (await this.withinTimeout(pipeline.exec())) ?? [];
    const [[checkError, values], seen] = results as [[Error | null, (string | null)[]], [Error | null, unknown]?];
    if (checkError) {
      this.log.warn({ err: checkError }, "revocation check failed: refusing the request");
      throw unavailable();
    }
    const [revokedBefore, ended] = values;
    if ((revokedBefore !== null && issuedAtUs <= Number(revokedBefore)) || (sessionId && ended !== null)) throw unauthenticated();
    if (sessionId && seen?.[1] === "OK") this.onSessionUsed(sessionId);
  }
}
