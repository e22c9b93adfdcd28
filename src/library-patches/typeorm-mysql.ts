// Patches: TypeORM's MySQL driver (MysqlDriver), below its public API.
// Written against typeorm 1.1.1 over mysql2 3.24.6 (package.json).
// Contract tests: test/library-patches.test.ts, "typeorm-mysql: …".
//
// 1. obtainPooledConnection takes a connection straight from the driver's pool
//    (`obtainMasterConnection`, or the pool cluster's `SLAVE<n>` pool, named as `connect` names
//    them, through `prepareDbConnection` as `obtainSlaveConnection` does); the caller runs its statement with
//    mysql2's callback `query(sql, params, callback)`, then `release()`s it. Why: TypeORM's query runner wraps each call in mysql2's promise API, which
//    captures a stack trace per statement, and in its broadcaster; on the dashboard that was 6 %
//    of the CPU. A replica is asked for by its index, not by `obtainSlaveConnection`'s round robin,
//    because Konto itself decides which replicas serve (src/platform/replicas.ts: lag, outages).
//    Callers: readQuery (src/platform/db.ts), ReplicaRouter (src/platform/replicas.ts).
// 2. initEveryPooledConnection wraps the driver's `prepareDbConnection`, which the driver passes
//    every connection it takes from the pool through (query runners and obtainPooledConnection alike). Why:
//    TypeORM has no per-connection init hook, and Konto sets each session to UTC.
//    Caller: connect (src/database.ts).

import { DataSource } from "typeorm";

/** A connection of mysql2's pool, in its callback API. */
export type PooledConnection = {
  query(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown) => void): void;
  /** Returns mysql2's Query command (read by src/library-patches/mysql2-query.ts). */
  query(sql: string, callback: (err: Error | null, rows?: unknown) => void): object;
  /** The statement with its values escaped into it, as `query(sql, params)` would send it. */
  format(sql: string, params: unknown[]): string;
  on(event: "error", listener: (err: Error) => void): void;
  release(): void;
  /** Closes the connection and takes it out of its pool (after a failed ROLLBACK). */
  destroy(): void;
};

type MysqlDriverInternals = {
  obtainMasterConnection(): Promise<PooledConnection>;
  /** mysql2's PoolCluster, with TypeORM's pools "MASTER" and "SLAVE0", "SLAVE1" … (only with replication). */
  poolCluster?: { getConnection(pattern: string, callback: (err: Error | null, connection: PooledConnection) => void): void };
  prepareDbConnection(connection: PooledConnection): PooledConnection;
};

const internalsOf = (db: DataSource) => db.driver as unknown as MysqlDriverInternals;

/**
 * A connection taken straight from the driver's pool: the primary's, or with `replica` that
 * replica's (its index in DATABASE_REPLICA_URLS; the DataSource must have replication). The
 * caller releases it.
 */
export function obtainPooledConnection(db: DataSource, replica?: number): Promise<PooledConnection> {
  const driver = internalsOf(db);
  if (replica === undefined) return driver.obtainMasterConnection();
  const cluster = driver.poolCluster;
  if (!cluster) return Promise.reject(new Error("obtainPooledConnection: this DataSource has no replicas"));
  return new Promise((resolve, reject) =>
    cluster.getConnection(`SLAVE${replica}`, (err, connection) => (err ? reject(err) : resolve(driver.prepareDbConnection(connection)))),
  );
}

const initialized = new WeakSet<PooledConnection>();
/** Per driver, the init initEveryPooledConnection was given: createPrimaryPool's pool runs it too. */
const initOfDriver = new WeakMap<object, (connection: PooledConnection) => void>();

/**
 * Runs `init` once on every connection the pool hands out, before its first statement (mysql2
 * queues statements, so `init` may queue its own without waiting). Call it before `initialize`.
 */
export function initEveryPooledConnection(db: DataSource, init: (connection: PooledConnection) => void): void {
  const driver = internalsOf(db);
  initOfDriver.set(driver, init);
  const prepare = driver.prepareDbConnection.bind(driver);
  driver.prepareDbConnection = (connection) => {
    if (!initialized.has(connection)) {
      initialized.add(connection);
      init(connection);
    }
    return prepare(connection);
  };
}

/** A mysql2 pool in its callback API. */
export type CallbackPool = {
  getConnection(callback: (err: Error | null, connection: PooledConnection) => void): void;
  on(event: "connection", listener: (connection: PooledConnection) => void): void;
  end(callback: (err: Error | null) => void): void;
};

type DriverOptions = {
  options: Record<string, unknown> & { replication?: { master: Record<string, unknown> } };
  mysql: { createPool(options: Record<string, unknown>): CallbackPool };
  createConnectionOptions(options: Record<string, unknown>, credentials: Record<string, unknown>): Record<string, unknown>;
};

/**
 * 3. A second mysql2 pool to the primary, made with exactly the options the driver makes its own
 *    pool with (`createConnectionOptions`: the same types, time zone, charset, size), plus
 *    `overrides`. Why: the read path sends the statements of one turn of the event loop as one
 *    multi-statement query (src/platform/read-batches.ts), which needs `multipleStatements`; it is
 *    set on this pool only, which runs nothing but the read path's statements, never on the pool
 *    every transaction uses. Its connections get the init of initEveryPooledConnection, as the
 *    driver's own do. Caller: ReadBatches (src/platform/read-batches.ts).
 */
export function createPrimaryPool(db: DataSource, overrides: Record<string, unknown>): CallbackPool {
  const driver = db.driver as unknown as DriverOptions;
  const credentials = driver.options.replication?.master ?? driver.options;
  const pool = driver.mysql.createPool({ ...driver.createConnectionOptions(driver.options, credentials), ...overrides });
  const init = initOfDriver.get(driver);
  if (init) pool.on("connection", init);
  return pool;
}
