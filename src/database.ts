import "reflect-metadata";
import { DataSource, Logger as TypeOrmLogger, QueryRunner } from "typeorm";
import { Config } from "./config";
import { Initial1763700000000 } from "../migrations/1763700000000-Initial";
import { Access1763800000000 } from "../migrations/1763800000000-Access";
import { Billing1763900000000 } from "../migrations/1763900000000-Billing";
import { Maintenance1764000000000 } from "../migrations/1764000000000-Maintenance";
import { SelfService1764100000000 } from "../migrations/1764100000000-SelfService";
import { Notifications1764200000000 } from "../migrations/1764200000000-Notifications";
import { DevMailbox1764300000000 } from "../migrations/1764300000000-DevMailbox";
import { Sessions1764400000000 } from "../migrations/1764400000000-Sessions";
import { PortalUsers1764500000000 } from "../migrations/1764500000000-PortalUsers";
import { CustomerPassword1764600000000 } from "../migrations/1764600000000-CustomerPassword";
import { SecondFactor1764700000000 } from "../migrations/1764700000000-SecondFactor";
import { Passkeys1764900000000 } from "../migrations/1764900000000-Passkeys";
import { Documents1765200000000 } from "../migrations/1765200000000-Documents";
import { Totp1764800000000 } from "../migrations/1764800000000-Totp";
import { EInvoices1765000000000 } from "../migrations/1765000000000-EInvoices";
import { IdempotencyKeys1765100000000 } from "../migrations/1765100000000-IdempotencyKeys";
import { Dunning1765110000000 } from "../migrations/1765110000000-Dunning";
import { PartialCreditNotes1765120000000 } from "../migrations/1765120000000-PartialCreditNotes";
import { InvoiceRuns1765130000000 } from "../migrations/1765130000000-InvoiceRuns";
import { Orders1765400000000 } from "../migrations/1765400000000-Orders";
import { Webhooks1765500000000 } from "../migrations/1765500000000-Webhooks";
import { OutboxTraceContext1765510000000 } from "../migrations/1765510000000-OutboxTraceContext";
import { CustomerRuleVersions1766000000000 } from "../migrations/1766000000000-CustomerRuleVersions";
import { PendingPlanChangeKey1766010000000 } from "../migrations/1766010000000-PendingPlanChangeKey";
import { initEveryPooledConnection } from "./library-patches/typeorm-mysql";
import { withClusterLock } from "./platform/cluster-lock";
import { ensureDatabase } from "./platform/db";
import { endReadBatches, SLOW_QUERY_MS } from "./platform/read-batches";
import { endTransactionPool, learnWhetherGaleraNode } from "./platform/transactions";
import { Logger } from "./platform/logger";
import { scopeOf } from "./platform/request-scope";

// The database of Konto: every migration, and the DataSource over them. The migrations are the
// schema's one description; there are no TypeORM entities (services read and write with SQL, and
// entities that nothing checked had drifted from the migrations: no foreign keys, no indexes).
// It sits above the modules, so that platform/ needs none of them.

// Listed explicitly (not globbed) so that the compiled build and the tests load the same set.
export const MIGRATIONS = [
  Initial1763700000000,
  Access1763800000000,
  Billing1763900000000,
  Maintenance1764000000000,
  SelfService1764100000000,
  Notifications1764200000000,
  DevMailbox1764300000000,
  Sessions1764400000000,
  PortalUsers1764500000000,
  CustomerPassword1764600000000,
  SecondFactor1764700000000,
  Totp1764800000000,
  Passkeys1764900000000,
  EInvoices1765000000000,
  IdempotencyKeys1765100000000,
  Dunning1765110000000,
  PartialCreditNotes1765120000000,
  InvoiceRuns1765130000000,
  Documents1765200000000,
  Orders1765400000000,
  Webhooks1765500000000,
  OutboxTraceContext1765510000000,
  CustomerRuleVersions1766000000000,
  PendingPlanChangeKey1766010000000,
];

/** Counts statements per request scope and sends failures and slow queries to pino. */
class StatementLogger implements TypeOrmLogger {
  constructor(private readonly pino: Logger) {}
  logQuery(_query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    const scope = scopeOf(queryRunner);
    if (scope) scope.sqlStatements++;
  }
  logQueryError(error: string | Error, query: string): void {
    this.pino.debug({ err: error, query }, "query failed");
  }
  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ ms: time, query }, "slow query");
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.pino.info({ migration: message }, "migration");
  }
  log(level: "log" | "info" | "warn", message: unknown): void {
    if (level === "warn") this.pino.warn({ typeorm: message }, "typeorm warning");
  }
}

/** mysql2's prepared-statement cache per connection: Konto prepares none (see createDataSource). */
export const PREPARED_STATEMENTS_PER_CONNECTION = 16;

export function createDataSource(
  config: Pick<Config, "databaseUrl" | "databasePoolSize" | "databaseReplicaUrls">,
  log: Logger,
): DataSource {
  const replicas = config.databaseReplicaUrls;
  return new DataSource({
    type: "mysql",
    // With replicas, TypeORM keeps one pool per server; readQuery sends GraphQL queries' reads to
    // them through the ReplicaRouter (src/platform/replicas.ts), which decides which replica serves.
    // mysql2's pool cluster must neither drop a server after 5 failed connects for good (its
    // default) nor retry a single server's pool forever (canRetry): the router handles outages.
    ...(replicas.length
      ? {
          replication: {
            master: { url: config.databaseUrl },
            slaves: replicas.map((url) => ({ url })),
            canRetry: false,
            removeNodeErrorCount: Number.MAX_SAFE_INTEGER,
          },
        }
      : { url: config.databaseUrl }),
    migrations: MIGRATIONS,
    migrationsTableName: "migrations",
    synchronize: false,
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    dateStrings: ["DATE"],
    poolSize: config.databasePoolSize,
    // Every pool made from these options (TypeORM's, the read batches') sends text queries only;
    // mysql2 sizes each connection's prepared-statement cache at 16,000 by default and allocates
    // it in full when the connection opens: four arrays, 0.5 MB per connection that stay in the
    // heap for nothing (README, "Performance", memory).
    extra: { maxPreparedStatements: PREPARED_STATEMENTS_PER_CONNECTION },
    maxQueryExecutionTime: SLOW_QUERY_MS,
    logger: new StatementLogger(log),
  });
}

/**
 * Connects and makes every pooled connection's session run in UTC, so that column defaults
 * (CURRENT_TIMESTAMP) agree with the UTC times the driver writes (`timezone: "Z"`), whatever the
 * server's time zone. TypeORM has no per-connection init hook: the SET is queued once per
 * connection through src/library-patches/typeorm-mysql.ts.
 */
export async function connect(db: DataSource): Promise<DataSource> {
  initEveryPooledConnection(db, (connection) => connection.query("SET time_zone = '+00:00'", () => undefined));
  // The read path's and the transactions' pools (src/platform/read-batches.ts, transactions.ts)
  // close with the DataSource, wherever it is destroyed.
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    try {
      await Promise.all([endReadBatches(db), endTransactionPool(db)]);
    } finally {
      await destroy();
    }
  };
  await db.initialize();
  await learnWhetherGaleraNode(db);
  return db;
}

/**
 * Connects, creates the database if missing and applies pending migrations. Of several processes
 * starting together (on any nodes of a cluster) one applies them; the others wait for it and then
 * find none pending.
 */
export async function openDatabase(config: Config, log: Logger): Promise<DataSource> {
  await ensureDatabase(config.databaseUrl);
  const db = await connect(createDataSource(config, log));
  const applied = await withClusterLock(db, "migrations", () => db.runMigrations({ transaction: "each" }), { log });
  for (const migration of applied) log.info({ migration: migration.name }, "migration applied");
  return db;
}
