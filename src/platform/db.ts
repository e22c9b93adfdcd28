import "reflect-metadata";
import { Row } from "./rows";
import mysql from "mysql2/promise";
import { DataSource, EntityManager, QueryFailedError } from "typeorm";
import { obtainPooledConnection, PooledConnection } from "../library-patches/typeorm-mysql";
import { replicaRouterOf } from "./replicas";
import { scopeOf } from "./request-scope";

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

/**
 * A read of the GraphQL read path. With DATABASE_REPLICA_URLS set, reads made while answering a
 * query operation go to a replica (the GraphQL layer sets `scope.replicaReads`; the ReplicaRouter
 * picks one that keeps up); mutations (and their payloads), and a caller's queries for a while
 * after its mutation, read the primary, so a caller always sees its own write.
 *
 * The statement goes straight to a connection of TypeORM's pool (prepared for UTC like every
 * other), past TypeORM's query runner: see src/library-patches/typeorm-mysql.ts for why.
 * Counting, slow-query warnings and QueryFailedError are as through TypeORM.
 */
export async function readQuery<T = Row[]>(db: DataSource, sql: string, params: unknown[]): Promise<T> {
  const scope = scopeOf(db);
  if (scope) scope.sqlStatements++;
  const run = (connection: PooledConnection) => runRead<T>(db, connection, sql, params);
  // Without replicas scope.replicaReads is never set: one pooled connection, as before.
  return scope?.replicaReads ? replicaRouterOf(db)!.read(run) : run(await obtainPooledConnection(db));
}

function runRead<T>(db: DataSource, connection: PooledConnection, sql: string, params: unknown[]): Promise<T> {
  const started = Date.now();
  return new Promise<T>((resolve, reject) =>
    connection.query(sql, params, (error, rows) => {
      connection.release();
      const ms = Date.now() - started;
      if (ms > SLOW_QUERY_MS) db.logger.logQuerySlow(ms, sql, params);
      if (error) reject(new QueryFailedError(sql, params, error));
      else resolve(rows as T);
    }),
  );
}

/** Statements slower than this are logged as warnings. */
export const SLOW_QUERY_MS = 1000;

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
