import DataLoader from "dataloader";
import { ErrorCode, KontoError } from "../platform/errors";
import { Logger } from "../platform/logger";
import { closeRedis, duplicateRedis, forEachKeyBatch, RedisClient } from "../platform/redis";
import { VerifiedToken } from "./tokens";

/** How long a request waits for Redis before the local mirror decides. */
const CHECK_TIMEOUT_MS = 1000;
/**
 * How long the checks of arriving requests gather, at most, before they go to Redis as one MGET.
 * What it saves is the write to Redis's socket, which a CPU profile under the Dashboard load showed
 * at about 16 µs a request when each turn of the event loop sent its own (README, "Checks' costs").
 * A query runs alongside its check for longer than this; whoever has to wait for a check (a
 * mutation, a REST route, a query that is done) sends its batch at once (`check`).
 */
const CHECK_BATCH_WINDOW_MS = 5;
/** "Last used" of a session is written at most this often. */
const SEEN_INTERVAL_MS = 60_000;

// Records a revocation, stamped with the Redis clock, and tells every API process, in one step:
// tokens are stamped with the same clock (`now`), so hosts whose clocks differ agree on what came first.
const RECORD_SCRIPT = `
local t = redis.call('TIME')
local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local value = ARGV[2]
if value == 'now' then value = tostring(us) end
redis.call('SET', KEYS[1], value, 'PX', ARGV[1])
redis.call('PUBLISH', KEYS[2], KEYS[1] .. '=' .. value)
return value`;

const unauthenticated = () => new KontoError(ErrorCode.UNAUTHENTICATED, "This session has ended; sign in again", { http: { status: 401 } });
const unavailable = () =>
  new KontoError(ErrorCode.SERVICE_UNAVAILABLE, "Sign-ins cannot be checked right now; try again in a moment", { http: { status: 503 } });

class RedisUnavailable extends Error {}

/** Whether a token issued at `issuedAtUs` is refused by its subject's stamp or by the end of its session. */
const refuses = (issuedAtUs: number, revokedBefore: string | null, ended: string | null) =>
  (revokedBefore !== null && issuedAtUs <= Number(revokedBefore)) || ended !== null;

/**
 * Access taken back, for every API process at once. Redis holds each ended session and, per
 * subject (`user:5`, `customer:12`, `client:3`), the moment before which its access tokens no
 * longer count; entries live as long as an access token can. Every request checks its token with
 * one round trip and no database read.
 *
 * While Redis cannot answer, each process decides from its own mirror of the revocations: filled
 * from Redis when it connects and kept current by a message per revocation. New revocations
 * cannot be recorded then (the changes that cause them refuse), so the mirror stays complete; it
 * is trusted for REVOCATION_OUTAGE_GRACE after the process lost Redis, then requests with a token
 * are refused with SERVICE_UNAVAILABLE. So a Redis outage neither lets a removed employee in nor
 * stops the portals at once.
 */
export class Revocations {
  private readonly keepMs: number;
  private readonly channel: string;
  /** key → (value, expires at): ended sessions ("1") and subject stamps (microseconds). */
  private readonly mirror = new Map<string, { value: string; expiresAt: number }>();
  private subscriber: RedisClient | null = null;
  /**
   * The connection of the per-request checks (the main connection until start), so that they do
   * not queue behind other commands. Not auto-pipelined: each request sends its check from its own
   * turn of the event loop, so a "pipeline" held one command and cost a Pipeline object and its
   * promises per request (README, "Checks' costs").
   */
  private checks: RedisClient;
  /** When the mirror stopped being kept current (null while it is). */
  private outOfSyncSince: number | null = Date.now();
  /** Sessions whose use this process noted, and until when it need not note them again (ms). */
  private readonly notedSessions = new Map<number, number>();
  /** When this process's checks began to fail (null while they succeed): its subscription may look alive while the mirror is stale. */
  private checksFailingSince: number | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    accessTokenTtlMs: number,
    private readonly outageGraceMs: number,
    private readonly log: Logger,
    /** Off only to measure what the check costs (REVOCATION_CHECK=off, `npm run bench`). */
    private readonly enabled = true,
  ) {
    // A little longer than a token lives, for clocks that disagree.
    this.keepMs = accessTokenTtlMs + 60_000;
    this.channel = `${prefix}:revocations`;
    this.checks = redis;
  }

  /**
   * The checks of requests that arrive together, sent as one MGET: a batch gathers the checks asked
   * within CHECK_BATCH_WINDOW_MS, so under load Redis and this process handle one command and one
   * reply for many requests instead of one each (README, "Checks' costs"). Never cached: every
   * check reads Redis after its request arrived.
   */
  private readonly lookups = new DataLoader<string, string | null>((keys) => this.lookUp(keys), {
    cache: false,
    batchScheduleFn: (send) => {
      const batch = { send, timer: setTimeout(() => this.sendNow(batch), CHECK_BATCH_WINDOW_MS) };
      this.gathering = batch;
    },
  });
  /** The batch whose checks are still gathering: DataLoader's send, and the end of its window. */
  private gathering: { send: () => void; timer: NodeJS.Timeout } | null = null;

  private sendNow(batch: { send: () => void; timer: NodeJS.Timeout }): void {
    if (this.gathering !== batch) return; // already sent
    this.gathering = null;
    clearTimeout(batch.timer);
    batch.send();
  }

  /** Called with a session id the first time in a minute a request uses it. */
  onSessionUsed: (sessionId: number) => void = () => {};

  private endedKey = (sessionId: number) => `${this.prefix}:revoked:session:${sessionId}`;
  private subjectKey = (subject: string) => `${this.prefix}:revoked:subject:${subject}`;
  private seenKey = (sessionId: number) => `${this.prefix}:session-seen:${sessionId}`;

  /** Starts keeping the local mirror: a subscription, and a full read whenever it (re)connects. */
  start(): void {
    if (!this.enabled || this.subscriber) return;
    this.checks = duplicateRedis(this.redis, "konto-revocation-checks");
    this.checks.on("error", () => undefined); // reconnects on its own; meanwhile the main connection checks
    const subscriber = duplicateRedis(this.redis, "konto-revocations");
    this.subscriber = subscriber;
    subscriber.on("message", (_channel: string, message: string) => {
      const at = message.lastIndexOf("=");
      this.remember(message.slice(0, at), message.slice(at + 1));
    });
    subscriber.on("ready", () => {
      void subscriber
        .subscribe(this.channel)
        .then(() => this.reload())
        .then(() => (this.outOfSyncSince = null))
        .catch((err) => this.log.warn({ err }, "could not read the revocations into the local mirror"));
    });
    const lost = () => (this.outOfSyncSince ??= Date.now());
    subscriber.on("close", lost);
    subscriber.on("error", () => undefined); // reconnects on its own; `lost` notes the gap
  }

  async stop(): Promise<void> {
    if (this.subscriber) await closeRedis(this.subscriber);
    if (this.checks !== this.redis) await closeRedis(this.checks);
    this.subscriber = null;
    this.checks = this.redis;
  }

  /** Every revocation in Redis, read into the mirror (after the subscription, so none falls between). */
  private async reload(): Promise<void> {
    await forEachKeyBatch(this.redis, `${this.prefix}:revoked:*`, async (keys) => {
      const values = await this.redis.mget(...keys);
      keys.forEach((key, i) => values[i] !== null && this.remember(key, values[i]!));
    });
  }

  private remember(key: string, value: string): void {
    const now = Date.now();
    this.mirror.set(key, { value, expiresAt: now + this.keepMs });
    // Pruned as it grows: entries outlive every token they could refuse.
    if (this.mirror.size % 1024 === 0) for (const [k, e] of this.mirror) if (e.expiresAt <= now) this.mirror.delete(k);
  }

  private mirrored(key: string): string | null {
    const entry = this.mirror.get(key);
    return entry && entry.expiresAt > Date.now() ? entry.value : null;
  }

  /** Microseconds now on the Redis clock; this host's clock while Redis cannot answer. */
  async now(): Promise<number> {
    try {
      const [seconds, micros] = await this.ask(() => this.redis.time());
      return Number(seconds) * 1_000_000 + Number(micros);
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      return Date.now() * 1000;
    }
  }

  // The two writes run inside the transaction of the change that causes them: while Redis is down
  // they refuse (SERVICE_UNAVAILABLE) and the change rolls back, rather than hold the transaction.

  /** Access tokens of these sessions are refused from the next request on. */
  async endSessions(sessionIds: number[]): Promise<void> {
    if (!sessionIds.length) return;
    await this.record(async () => {
      const answers = await this.ask(() => {
        const pipeline = this.redis.pipeline();
        for (const id of sessionIds) pipeline.eval(RECORD_SCRIPT, 2, this.endedKey(id), this.channel, this.keepMs, "1");
        return pipeline.exec();
      });
      for (const [error] of answers ?? []) if (error) throw error;
    });
  }

  /** Every access token of the subject issued until now is refused from the next request on. */
  async revokeIssuedBefore(subject: string): Promise<void> {
    await this.record(() => this.ask(() => this.redis.eval(RECORD_SCRIPT, 2, this.subjectKey(subject), this.channel, this.keepMs, "now")));
  }

  private async record(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof RedisUnavailable) throw unavailable();
      throw error;
    }
  }

  /**
   * Redis's answer to `command`, or RedisUnavailable when it is disconnected (then the command is
   * not even queued: ioredis would send it on reconnecting, long after a change rolled back) or
   * slower than CHECK_TIMEOUT_MS.
   */
  private async ask<T>(command: () => Promise<T>, client: RedisClient = this.redis): Promise<T> {
    if (client.status !== "ready") throw new RedisUnavailable("Redis is not connected");
    const answer = command();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailable(`Redis did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The values of these keys on the checks' connection (RedisUnavailable for the whole batch). */
  private lookUp(keys: readonly string[]): Promise<(string | null)[]> {
    // The main connection, where revocations are written, while the checks' own one is not
    // ready (reconnecting later, or refused): the mirror decides only when Redis cannot answer.
    const client = this.checks.status === "ready" ? this.checks : this.redis;
    return this.ask(
      () =>
        client.mget(...keys).catch((error: Error) => {
          // An error reply (BUSY, CLUSTERDOWN …) is Redis not answering, as much as a lost connection.
          throw new RedisUnavailable(error.message);
        }),
      client,
    );
  }

  /**
   * Whether this process's mirror already refuses the token: it hears of a revocation moments
   * after it is recorded. Only a hint (assertLive decides): a GraphQL query by such a token waits
   * for the check rather than run alongside it.
   */
  refusedLocally({ principal, subject, issuedAtUs }: VerifiedToken): boolean {
    if (!this.enabled) return false;
    const ended = principal.sessionId ? this.mirrored(this.endedKey(principal.sessionId)) : null;
    return refuses(issuedAtUs, this.mirrored(this.subjectKey(subject)), ended);
  }

  /**
   * Starts the check of a token (assertLive) and returns its outcome on demand. Asked for while
   * the check is still gathering with others, its batch goes to Redis at once: whoever asks has to
   * wait for it, so gathering on would only delay them. Asking for a check that already went sends
   * nothing, so later requests' checks keep gathering.
   */
  check(token: VerifiedToken): () => Promise<void> {
    const outcome = this.assertLive(token);
    // Asked for later; until then its refusal is not an unhandled rejection.
    outcome.catch(() => undefined);
    // assertLive joined its batch before its first await, so this is the check's own batch.
    const batch = this.gathering;
    return () => {
      if (batch) this.sendNow(batch);
      return outcome;
    };
  }

  /**
   * Refuses a token whose session ended or whose subject revoked its tokens after it was issued;
   * notes the session as used, at most once a minute.
   */
  private async assertLive({ principal, subject, issuedAtUs }: VerifiedToken): Promise<void> {
    if (!this.enabled) return;
    const sessionId = principal.sessionId;
    const subjectKey = this.subjectKey(subject);
    const endedKey = sessionId ? this.endedKey(sessionId) : null;
    let revokedBefore: string | null;
    let ended: string | null;
    try {
      // One command (shared with the requests that arrived alongside), the only one on the request's path.
      [revokedBefore, ended = null] = await Promise.all(
        endedKey ? [this.lookups.load(subjectKey), this.lookups.load(endedKey)] : [this.lookups.load(subjectKey)],
      );
      this.checksFailingSince = null;
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      const now = Date.now();
      this.checksFailingSince ??= now;
      const since = Math.min(this.outOfSyncSince ?? now, this.checksFailingSince);
      if (now - since > this.outageGraceMs) {
        this.log.warn({ err: error }, "Redis cannot check sign-ins and the local mirror is too old: refusing the request");
        throw unavailable();
      }
      revokedBefore = this.mirrored(subjectKey);
      ended = endedKey ? this.mirrored(endedKey) : null;
    }
    if (refuses(issuedAtUs, revokedBefore, ended)) throw unauthenticated();
    if (sessionId) this.noteUsed(sessionId);
  }

  /**
   * "Last used" of a session, at most once a minute across every process: this process asks Redis
   * only when it has not asked for the session within the minute, and Redis lets the first asker
   * of the minute write it. Off the request's path; a lost note is a later "last used" at worst.
   */
  private noteUsed(sessionId: number): void {
    const now = Date.now();
    if ((this.notedSessions.get(sessionId) ?? 0) > now) return;
    this.notedSessions.set(sessionId, now + SEEN_INTERVAL_MS);
    if (this.notedSessions.size % 1024 === 0) for (const [id, until] of this.notedSessions) if (until <= now) this.notedSessions.delete(id);
    if (this.redis.status !== "ready") return;
    this.redis
      .set(this.seenKey(sessionId), "1", "PX", SEEN_INTERVAL_MS, "NX")
      .then((answer) => answer === "OK" && this.onSessionUsed(sessionId))
      .catch(() => this.notedSessions.delete(sessionId));
  }
}
