import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { DataSource } from "typeorm";
import { poolConnectionCounts } from "../library-patches/mysql2-pool";
import { Queues } from "./queues";
import { readPoolCounts } from "./read-batches";
import { transactionPoolCounts } from "./transactions";
import { ReplicaHealth, ReplicaRouter, replicaRouterOf } from "./replicas";

/** Operation names come from clients: only plain names, and only so many, become label values. */
const OPERATION = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATIONS = 200;

/**
 * Prometheus metrics of one process. Gauges that need a query (queues, outbox, verifications,
 * pool) are computed when scraped, so nothing runs between scrapes.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();

  readonly requests = new Counter({
    name: "konto_graphql_requests_total",
    help: "GraphQL requests by operation and outcome",
    labelNames: ["operation", "outcome"],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "konto_graphql_request_duration_seconds",
    help: "GraphQL request duration by operation and outcome",
    labelNames: ["operation", "outcome"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly sqlPerRequest = new Histogram({
    name: "konto_sql_statements_per_request",
    help: "SQL statements run by one GraphQL request",
    buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 50],
    registers: [this.registry],
  });
  readonly mailSent = new Counter({
    name: "konto_mail_sent_total",
    help: "Emails accepted by the SMTP server",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly mailFailed = new Counter({
    name: "konto_mail_failed_total",
    help: "Email attempts that failed",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: "konto_jobs_total",
    help: "Jobs finished by this process",
    labelNames: ["queue", "outcome"],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "konto_" });
  }

  /** Read replicas by their index in DATABASE_REPLICA_URLS (a URL may hold a password). */
  private watchReplicas(router: ReplicaRouter): void {
    const registers = [this.registry];
    const eachReplica = (set: (labels: { replica: string }, health: ReplicaHealth) => void) =>
      router.health.forEach((health, index) => set({ replica: String(index) }, health));
    new Gauge({
      name: "konto_db_replica_serving",
      help: "1 while the read replica serves reads; 0 while it does not answer, does not replicate or lags beyond DATABASE_REPLICA_MAX_LAG",
      labelNames: ["replica"],
      registers,
      collect() {
        eachReplica((labels, health) => this.set(labels, health.serving ? 1 : 0));
      },
    });
    new Gauge({
      name: "konto_db_replica_lag_seconds",
      help: "Seconds_Behind_Master at the replica's last check; -1 when unknown (down, or replication stopped)",
      labelNames: ["replica"],
      registers,
      collect() {
        eachReplica((labels, health) => this.set(labels, health.lagSeconds ?? -1));
      },
    });
    // Counted by the router as plain numbers (no metrics on the read path); reported here.
    new Counter({
      name: "konto_db_replica_fallback_reads_total",
      help: "Read statements of query operations sent to the primary because no replica served (lag, unavailable) or the replica failed them (replica-error)",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(router.fallbackReads)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: "konto_db_replica_own_write_queries_total",
      help: "Query operations that read the primary because their caller wrote within DATABASE_REPLICA_OWN_WRITES_WINDOW",
      registers,
      collect() {
        this.reset();
        this.inc(router.ownWriteQueries);
      },
    });
  }

  operationLabel(name: string | null | undefined): string {
    if (!name || !OPERATION.test(name)) return "anonymous";
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATIONS) return "other";
    this.operations.add(name);
    return name;
  }

  /** The gauges computed at scrape time from the database, the pool and the queues. */
  watch(db: DataSource, queues: Queues): void {
    const registers = [this.registry];
    const replicas = replicaRouterOf(db);
    if (replicas) this.watchReplicas(replicas);
    new Gauge({
      name: "konto_db_pool_connections",
      help: "Connections to the primary by pool (TypeORM's, the transactions', the read path's) and state",
      labelNames: ["pool", "state"],
      registers,
      collect() {
        const pools = { statements: poolConnectionCounts(db), transactions: transactionPoolCounts(db), reads: readPoolCounts(db) };
        for (const [pool, { inUse, idle }] of Object.entries(pools)) {
          this.set({ pool, state: "in_use" }, inUse);
          this.set({ pool, state: "idle" }, idle);
        }
      },
    });
    new Gauge({
      name: "konto_queue_jobs",
      help: "BullMQ jobs by queue and state",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        for (const [name, queue] of Object.entries(queues)) {
          const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "completed");
          for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
        }
      },
    });
    // The age of the oldest outbox row matching `where`, 0 when there is none.
    const oldestOutboxAge = (name: string, help: string, where: string) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const [row] = await db.query(`SELECT MIN(created_at) AS oldest FROM outbox WHERE ${where}`);
          this.set(row.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0);
        },
      });
    oldestOutboxAge(
      "konto_outbox_oldest_undispatched_age_seconds",
      "Age of the oldest outbox row not yet handed to BullMQ (0 when none)",
      "dispatched_at IS NULL",
    );
    oldestOutboxAge(
      "konto_outbox_oldest_open_age_seconds",
      "Age of the oldest outbox row whose work is not done yet (0 when none); the sweep re-adds its job if it is gone",
      "done_at IS NULL",
    );
    new Gauge({
      name: "konto_mail_deliveries",
      help: "Deliveries in the ledger by status (FAILED: rejected for good or out of attempts)",
      labelNames: ["status"],
      registers,
      async collect() {
        const rows: { status: string; n: number }[] = await db.query("SELECT status, COUNT(*) AS n FROM mail_deliveries GROUP BY status");
        for (const status of ["QUEUED", "SENDING", "SENT", "FAILED"])
          this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
      },
    });
    new Gauge({
      name: "konto_mail_bouncing_addresses",
      help: "Addresses a receiving server rejected for good (SMTP 5xx)",
      registers,
      async collect() {
        const [row] = await db.query("SELECT COUNT(*) AS n FROM mail_bounces");
        this.set(Number(row.n));
      },
    });
    new Gauge({
      name: "konto_email_verifications",
      help: "Email verifications by state (pending ones past their expiry count as expired)",
      labelNames: ["state"],
      registers,
      async collect() {
        const [row] = await db.query(
          "SELECT SUM(status = 'PENDING' AND expires_at > ?) AS pending, SUM(status = 'EXPIRED' OR (status = 'PENDING' AND expires_at <= ?)) AS expired FROM email_verifications",
          [new Date(), new Date()],
        );
        this.set({ state: "pending" }, Number(row.pending ?? 0));
        this.set({ state: "expired" }, Number(row.expired ?? 0));
      },
    });
  }
}
