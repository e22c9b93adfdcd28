import { DataSource } from "typeorm";
import { obtainPooledConnection, PooledConnection } from "../library-patches/typeorm-mysql";
import { Logger } from "./logger";
import type { RedisClient } from "./redis";

/** Why a read of a query operation went to the primary instead of a replica. */
export type FallbackReason = "lag" | "unavailable" | "replica-error";

export interface ReplicaHealth {
  /** It answered its last check. */
  available: boolean;
  /** Seconds_Behind_Master of its last check; null when unknown (down, or replication not running). */
  lagSeconds: number | null;
  /** Reads go to it: available, replicating, and at most DATABASE_REPLICA_MAX_LAG behind. */
  serving: boolean;
}

export interface ReplicaRoutingOptions {
  maxLagSeconds: number;
  checkIntervalMs: number;
}

const ROUTER = Symbol("konto.replicaRouter");

/** The router of a DataSource (or of a request's view of it) with replicas; undefined without. */
export function replicaRouterOf(db: DataSource): ReplicaRouter | undefined {
  return (db as unknown as { [ROUTER]?: ReplicaRouter })[ROUTER];
}

/**
 * Sends the reads of query operations to replicas that keep up. Each process checks every
 * replica every DATABASE_REPLICA_CHECK_INTERVAL (`SHOW SLAVE STATUS`): one that does not answer,
 * whose replication is not running or that is more than DATABASE_REPLICA_MAX_LAG behind serves no
 * reads until a later check finds it well again; its reads go to the primary. A read that fails on
 * a replica between two checks is run again on the primary, so an outage costs no request.
 */
export class ReplicaRouter {
  readonly health: ReplicaHealth[];
  /** Read statements of query operations that went to the primary instead, by reason (for /metrics). */
  readonly fallbackReads: Record<FallbackReason, number> = { lag: 0, unavailable: 0, "replica-error": 0 };
  /** Query operations that read the primary because their caller had just written (for /metrics). */
  ownWriteQueries = 0;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    replicaCount: number,
    private readonly options: ReplicaRoutingOptions,
    private readonly log: Logger,
  ) {
    // Nothing is served before the first check has found a replica well.
    this.health = Array.from({ length: replicaCount }, () => ({ available: false, lagSeconds: null, serving: false }));
    (db as unknown as { [ROUTER]: ReplicaRouter })[ROUTER] = this;
  }

  /** Checks every replica now, then every checkIntervalMs until stop(). */
  async start(): Promise<void> {
    await this.checkAll();
    const loop = () => {
      this.timer = setTimeout(() => void this.checkAll().finally(() => !this.stopped && loop()), this.options.checkIntervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Runs `read` on a serving replica, or on the primary when none serves or the replica fails. */
  async read<T>(read: (connection: PooledConnection) => Promise<T>): Promise<T> {
    const replica = this.pick();
    if (replica === undefined) {
      this.fallbackReads[this.health.some((h) => h.available) ? "lag" : "unavailable"]++;
      return read(await obtainPooledConnection(this.db));
    }
    try {
      return await read(await obtainPooledConnection(this.db, replica));
    } catch (error) {
      // A read is safe to run again. A replica that lost its connection serves no more reads
      // until a check finds it back; one that answered with an error (a table a migration has not
      // brought yet) keeps serving the others.
      const lost = isConnectionError(error);
      if (lost) this.health[replica] = { available: false, lagSeconds: null, serving: false };
      this.fallbackReads[lost ? "unavailable" : "replica-error"]++;
      return read(await obtainPooledConnection(this.db));
    }
  }

  private pick(): number | undefined {
    for (let tried = 0; tried < this.health.length; tried++) {
      const index = this.next++ % this.health.length;
      if (this.health[index].serving) return index;
    }
    return undefined;
  }

  private async checkAll(): Promise<void> {
    await Promise.all(this.health.map((_, index) => this.check(index)));
  }

  private async check(index: number): Promise<void> {
    const before = this.health[index];
    let health: ReplicaHealth;
    try {
      const status = await withTimeout(this.replicationStatus(index), Math.max(1000, this.options.checkIntervalMs));
      const running = !!status && status.Slave_IO_Running === "Yes" && status.Slave_SQL_Running === "Yes";
      const lag = running && status.Seconds_Behind_Master !== null ? Number(status.Seconds_Behind_Master) : null;
      health = { available: true, lagSeconds: lag, serving: lag !== null && lag <= this.options.maxLagSeconds };
    } catch (err) {
      health = { available: false, lagSeconds: null, serving: false };
      if (before.available)
        this.log.warn({ replica: index, err: (err as Error).message }, "read replica does not answer: its reads go to the primary");
    }
    if (before.serving !== health.serving && health.available)
      this.log.info({ replica: index, lagSeconds: health.lagSeconds, serving: health.serving }, "read replica state changed");
    this.health[index] = health;
  }

  private async replicationStatus(index: number): Promise<Record<string, string | null> | undefined> {
    const connection = await obtainPooledConnection(this.db, index);
    return new Promise((resolve, reject) =>
      connection.query("SHOW SLAVE STATUS", [], (err, rows) => {
        connection.release();
        if (err) reject(err);
        else resolve((rows as Record<string, string | null>[])[0]);
      }),
    );
  }
}

/** Errors of the connection rather than of the statement: the server is gone or going. */
function isConnectionError(error: unknown): boolean {
  const e = ((error as { driverError?: unknown })?.driverError ?? error) as { fatal?: boolean; sqlState?: string; errno?: number };
  // 1053: server shutdown in progress; 1927: connection killed.
  return !!e && (e.fatal === true || e.sqlState === undefined || e.errno === 1053 || e.errno === 1927);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Read-your-writes with replicas: after a caller's mutation, its query operations read the primary
 * for DATABASE_REPLICA_OWN_WRITES_WINDOW. The mark lives in Redis (every API process sees it,
 * none keeps state) under the caller's subject (`user:5`, `client:3`), never a secret.
 */
export class OwnWrites {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly windowMs: number,
    private readonly log: Logger,
  ) {}

  private key = (subject: string) => `${this.prefix}:wrote:${subject}`;

  /** Marks the subject as having written just now; called before the mutation's answer is sent. */
  async noteWrite(subject: string): Promise<void> {
    // Redis down: the mark cannot be kept; the caller may then read a replica behind its write.
    if (this.redis.status !== "ready") return;
    await this.redis
      .set(this.key(subject), "1", "PX", this.windowMs)
      .catch((err: Error) => this.log.warn({ err: err.message }, "could not note a write for read-your-writes"));
  }

  /** Whether the subject wrote within the window; true (read the primary) when Redis cannot say. */
  async wroteRecently(subject: string): Promise<boolean> {
    if (this.redis.status !== "ready") return true;
    try {
      return (await this.redis.exists(this.key(subject))) === 1;
    } catch {
      return true;
    }
  }
}
