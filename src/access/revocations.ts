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

/** Checks gathering to go to Redis as one MGET: their keys, in order, and the shared answer. */
interface CheckBatch {
  keys: string[];
  answer: Promise<(string | null)[]>;
  answered: { resolve: (values: (string | null)[]) => void; reject: (error: unknown) => void };
  /** The end of the batch's window. */
  timer: NodeJS.Timeout;
}

/** The outcome of every check while checking is off. */
const RESOLVED = Promise.resolve();
const alwaysLive = () => RESOLVED;

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
   * The checks still gathering to go to Redis as one MGET (null when none is): under load Redis
   * and this process handle one command and one reply for many requests instead of one each
   * (README, "Checks' costs"). Never cached: every check reads Redis after its request arrived.
   */
  private gathering: CheckBatch | null = null;

  /** The batch a check joins: the one gathering, or a new one that goes when its window ends. */
  private gatheringBatch(): CheckBatch {
    if (this.gathering) return this.gathering;
    let answered!: CheckBatch["answered"];
    const answer = new Promise<(string | null)[]>((resolve, reject) => (answered = { resolve, reject }));
    const batch: CheckBatch = { keys: [], answer, answered, timer: setTimeout(() => this.send(batch), CHECK_BATCH_WINDOW_MS) };
    return (this.gathering = batch);
  }

  /** Sends a batch that is still gathering; one that went already is left alone. */
  private send(batch: CheckBatch): void {
    if (this.gathering !== batch) return;
    this.gathering = null;
    clearTimeout(batch.timer);
    this.lookUp(batch.keys).then(batch.answered.resolve, batch.answered.reject);
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
   * after it is recorded. Only a hint (`check` decides): a GraphQL query by such a token waits for
   * the check rather than run alongside it.
   */
  refusedLocally({ principal, subject, issuedAtUs }: VerifiedToken): boolean {
    if (!this.enabled || this.mirror.size === 0) return false;
    const ended = principal.sessionId ? this.mirrored(this.endedKey(principal.sessionId)) : null;
    return refuses(issuedAtUs, this.mirrored(this.subjectKey(subject)), ended);
  }

  /**
   * Starts the check that a token's access was not taken back and returns its outcome on demand:
   * it rejects with UNAUTHENTICATED when the token's session ended or its subject revoked its
   * tokens after it was issued (SERVICE_UNAVAILABLE while that cannot be known). The check gathers
   * with others for up to CHECK_BATCH_WINDOW_MS; asked for meanwhile, its batch goes at once,
   * since whoever asks has to wait for it. Asking for a check that went already sends nothing, so
   * later requests' checks keep gathering. Notes the session as used, at most once a minute.
   *
   * Kept lean (one promise per request, the batch's answer shared): the check runs on every
   * request, and its code runs cold between the requests' larger work (README, "Checks' costs").
   */
  check(token: VerifiedToken): () => Promise<void> {
    if (!this.enabled) return alwaysLive;
    const sessionId = token.principal.sessionId;
    const subjectKey = this.subjectKey(token.subject);
    const endedKey = sessionId ? this.endedKey(sessionId) : null;
    const batch = this.gatheringBatch();
    const at = batch.keys.push(subjectKey) - 1;
    if (endedKey) batch.keys.push(endedKey);
    const outcome = batch.answer.then(
      (values) => {
        this.checksFailingSince = null;
        this.judge(token, values[at], endedKey ? values[at + 1] : null);
      },
      (error: unknown) => {
        if (!(error instanceof RedisUnavailable)) throw error;
        this.judgeFromMirror(token, subjectKey, endedKey, error);
      },
    );
    // Asked for later; until then its refusal is not an unhandled rejection.
    outcome.catch(() => undefined);
    return () => {
      this.send(batch);
      return outcome;
    };
  }

  private judge({ principal, issuedAtUs }: VerifiedToken, revokedBefore: string | null, ended: string | null): void {
    if (refuses(issuedAtUs, revokedBefore, ended)) throw unauthenticated();
    if (principal.sessionId) this.noteUsed(principal.sessionId);
  }

  /** While Redis cannot answer: the mirror decides, as long as it can be trusted. */
  private judgeFromMirror(token: VerifiedToken, subjectKey: string, endedKey: string | null, error: RedisUnavailable): void {
    const now = Date.now();
    this.checksFailingSince ??= now;
    const since = Math.min(this.outOfSyncSince ?? now, this.checksFailingSince);
    if (now - since > this.outageGraceMs) {
      this.log.warn({ err: error }, "Redis cannot check sign-ins and the local mirror is too old: refusing the request");
      throw unavailable();
    }
    this.judge(token, this.mirrored(subjectKey), endedKey ? this.mirrored(endedKey) : null);
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
