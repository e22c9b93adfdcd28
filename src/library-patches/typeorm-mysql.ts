// Patches: TypeORM's MySQL driver (MysqlDriver), below its public API.
// Written against typeorm 1.1.1 over mysql2 3.24.6 (package.json).
// Contract tests: test/library-patches.test.ts, "typeorm-mysql: …".
//
// 1. obtainPooledConnection takes a connection straight from the driver's pool
//    (`obtainMasterConnection`, `obtainSlaveConnection`); the caller runs its statement with
//    mysql2's callback `query(sql, params, callback)`, then `release()`s it. Why: TypeORM's query runner wraps each call in mysql2's promise API, which
//    captures a stack trace per statement, and in its broadcaster; on the dashboard that was 6 %
//    of the CPU. Caller: readQuery (src/platform/db.ts).
// 2. initEveryPooledConnection wraps the driver's `prepareDbConnection`, which the driver passes
//    every connection it takes from the pool through (query runners and obtainPooledConnection alike). Why:
//    TypeORM has no per-connection init hook, and Konto sets each session to UTC.
//    Caller: connect (src/database.ts).

import { DataSource } from "typeorm";

/** A connection of mysql2's pool, in its callback API. */
export type PooledConnection = {
  query(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown) => void): void;
  query(sql: string, callback: (err: Error | null) => void): void;
  release(): void;
};

type MysqlDriverInternals = {
  obtainMasterConnection(): Promise<PooledConnection>;
  obtainSlaveConnection(): Promise<PooledConnection>;
  prepareDbConnection(connection: PooledConnection): PooledConnection;
};

const internalsOf = (db: DataSource) => db.driver as unknown as MysqlDriverInternals;

/**
 * A connection taken straight from the driver's pool: a replica's with `replica` (when the
 * DataSource has replication; the primary's otherwise), the primary's without. The caller
 * releases it.
 */
export function obtainPooledConnection(db: DataSource, replica: boolean): Promise<PooledConnection> {
  const driver = internalsOf(db);
  return replica ? driver.obtainSlaveConnection() : driver.obtainMasterConnection();
}

const initialized = new WeakSet<PooledConnection>();

/**
 * Runs `init` once on every connection the pool hands out, before its first statement (mysql2
 * queues statements, so `init` may queue its own without waiting). Call it before `initialize`.
 */
export function initEveryPooledConnection(db: DataSource, init: (connection: PooledConnection) => void): void {
  const driver = internalsOf(db);
  const prepare = driver.prepareDbConnection.bind(driver);
  driver.prepareDbConnection = (connection) => {
    if (!initialized.has(connection)) {
      initialized.add(connection);
      init(connection);
    }
    return prepare(connection);
  };
}
