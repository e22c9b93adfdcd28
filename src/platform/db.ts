import "reflect-metadata";
import { Row } from "./rows";
import mysql from "mysql2/promise";
import { DataSource, EntityManager, Logger as TypeOrmLogger, QueryFailedError, QueryRunner } from "typeorm";
import { Config } from "../config";
import { Contact } from "../contacts/contact.entity";
import { Customer } from "../customers/customer.entity";
import { Invoice, InvoiceLine } from "../invoices/invoice.entity";
import { MailBounce, MailDelivery, OutboxMessage } from "../notifications/notification.entity";
import { Product } from "../products/product.entity";
import { Reseller } from "../resellers/reseller.entity";
import { Membership, User } from "../users/user.entity";
import { EmailVerification } from "../verifications/email-verification.entity";
import { ApiClient, NumberSequence, PasswordReset, RefreshToken } from "../auth/auth.entity";
import { AuditEntry } from "../audit/audit.entity";
import { Payment } from "../invoices/payment.entity";
import { Initial1763700000000 } from "../../migrations/1763700000000-Initial";
import { Access1763800000000 } from "../../migrations/1763800000000-Access";
import { Billing1763900000000 } from "../../migrations/1763900000000-Billing";
import { Maintenance1764000000000 } from "../../migrations/1764000000000-Maintenance";
import { SelfService1764100000000 } from "../../migrations/1764100000000-SelfService";
import { Notifications1764200000000 } from "../../migrations/1764200000000-Notifications";
import { DevMailbox1764300000000 } from "../../migrations/1764300000000-DevMailbox";
import { ChangeRequest, CustomerAlias, MergeRequest, SupportRequest } from "../selfservice/selfservice.entity";
import { MaintenanceAnnouncement, MaintenanceNotice, MaintenanceProduct } from "../maintenance/maintenance.entity";
import { ProductPlanChange } from "../products/product-plan-change.entity";
import { Logger } from "./logger";
import { scopeOf } from "./request-scope";

export const ENTITIES = [
  Reseller,
  Customer,
  Contact,
  Product,
  Invoice,
  InvoiceLine,
  EmailVerification,
  User,
  Membership,
  OutboxMessage,
  MailDelivery,
  MailBounce,
  ApiClient,
  RefreshToken,
  PasswordReset,
  NumberSequence,
  AuditEntry,
  Payment,
  ProductPlanChange,
  MaintenanceAnnouncement,
  MaintenanceProduct,
  MaintenanceNotice,
  CustomerAlias,
  ChangeRequest,
  SupportRequest,
  MergeRequest,
];
// Listed explicitly (not globbed) so that the compiled build and the tests load the same set.
export const MIGRATIONS = [
  Initial1763700000000,
  Access1763800000000,
  Billing1763900000000,
  Maintenance1764000000000,
  SelfService1764100000000,
  Notifications1764200000000,
  DevMailbox1764300000000,
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

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}

/** Creates the configured database when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = databaseName(url);
  server.pathname = "/";
  const conn = await mysql.createConnection({ uri: server.toString() });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = databaseName(url);
  server.pathname = "/";
  const conn = await mysql.createConnection({ uri: server.toString() });
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
  } finally {
    await conn.end();
  }
}

/** Statements slower than this are logged as warnings. */
const SLOW_QUERY_MS = 1000;

export function createDataSource(
  config: Pick<Config, "databaseUrl" | "databasePoolSize" | "databaseReplicaUrls">,
  log: Logger,
): DataSource {
  const replicas = config.databaseReplicaUrls;
  return new DataSource({
    type: "mysql",
    // With replicas, TypeORM keeps one pool per server; readQuery sends GraphQL queries' reads to them.
    ...(replicas.length
      ? { replication: { master: { url: config.databaseUrl }, slaves: replicas.map((url) => ({ url })) } }
      : { url: config.databaseUrl }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: "migrations",
    synchronize: false,
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    dateStrings: ["DATE"],
    poolSize: config.databasePoolSize,
    maxQueryExecutionTime: SLOW_QUERY_MS,
    logger: new StatementLogger(log),
  });
}

type PooledConnection = { query(sql: string, callback: (err: unknown) => void): unknown; kontoUtc?: boolean };

/**
 * Connects and makes every pooled connection's session run in UTC, so that column defaults
 * (CURRENT_TIMESTAMP) agree with the UTC times the driver writes (`timezone: "Z"`), whatever the
 * server's time zone. TypeORM has no per-connection init hook; its driver passes every connection
 * it takes from the pool through prepareDbConnection, so the SET is queued there once per connection.
 */
export async function connect(db: DataSource): Promise<DataSource> {
  const driver = db.driver as unknown as { prepareDbConnection(c: PooledConnection): PooledConnection };
  const prepare = driver.prepareDbConnection.bind(driver);
  driver.prepareDbConnection = (connection) => {
    if (!connection.kontoUtc) {
      connection.kontoUtc = true;
      connection.query("SET time_zone = '+00:00'", () => undefined);
    }
    return prepare(connection);
  };
  return db.initialize();
}

/** Connects, creates the database if missing and applies pending migrations. */
export async function openDatabase(config: Config, log: Logger): Promise<DataSource> {
  await ensureDatabase(config.databaseUrl);
  const db = await connect(createDataSource(config, log));
  const applied = await db.runMigrations({ transaction: "each" });
  for (const migration of applied) log.info({ migration: migration.name }, "migration applied");
  return db;
}

type ReadConnection = {
  query(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown) => void): void;
  release(): void;
};
type PoolDriver = { obtainMasterConnection(): Promise<ReadConnection>; obtainSlaveConnection(): Promise<ReadConnection> };

/**
 * A read of the GraphQL read path. With DATABASE_REPLICA_URLS set, reads made while answering a
 * query operation go to a replica; mutations (and their payloads) read the primary, so a caller
 * always sees its own write.
 *
 * The statement goes straight to a connection of TypeORM's pool (prepared for UTC like every
 * other): TypeORM's query runner wraps each call in mysql2's promise API, which captures a stack
 * trace per statement, and in its broadcaster; on the dashboard that was 6 % of the CPU.
 * Counting, slow-query warnings and QueryFailedError are as through TypeORM.
 */
export async function readQuery<T = Row[]>(db: DataSource, sql: string, params: unknown[]): Promise<T> {
  const scope = scopeOf(db);
  if (scope) scope.sqlStatements++;
  const driver = db.driver as unknown as PoolDriver;
  const replicated = !!db.options && "replication" in db.options && !!db.options.replication && scope?.operationType === "query";
  const connection = await (replicated ? driver.obtainSlaveConnection() : driver.obtainMasterConnection());
  const started = Date.now();
  try {
    return await new Promise<T>((resolve, reject) =>
      connection.query(sql, params, (error, rows) => (error ? reject(new QueryFailedError(sql, params, error)) : resolve(rows as T))),
    );
  } finally {
    connection.release();
    const ms = Date.now() - started;
    if (ms > SLOW_QUERY_MS) db.logger.logQuerySlow(ms, sql, params);
  }
}

const DEADLOCK_CODES = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

/** Runs work in one transaction and retries it when MySQL picks it as a deadlock victim. */
export async function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      const code = error instanceof QueryFailedError ? (error.driverError as { code?: string })?.code : undefined;
      if (attempt >= attempts || !code || !DEADLOCK_CODES.has(code)) throw error;
    }
  }
}
