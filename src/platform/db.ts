import "reflect-metadata";
import { Row } from "./rows";
import mysql from "mysql2/promise";
import { DataSource, QueryFailedError } from "typeorm";
import { PooledConnection } from "../library-patches/typeorm-mysql";
import { readBatchesOf, runRead, slowStatementsOf } from "./read-batches";
import { replicaRouterOf } from "./replicas";
import { scopeOf } from "./request-scope";
import { DeferredWriteFailed, transaction, Transaction } from "./transactions";

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
 * The statement goes past TypeORM's query runner (src/library-patches/typeorm-mysql.ts says
 * why): to the primary with the other reads of the same turn of the event loop in one round trip
 * (src/platform/read-batches.ts), to a replica on a connection of its own. Counting, slow-query
 * warnings and QueryFailedError are as through TypeORM.
 */
export async function readQuery<T = Row[]>(db: DataSource, sql: string, params: unknown[]): Promise<T> {
  const scope = scopeOf(db);
  if (scope) scope.sqlStatements++;
  // Without replicas scope.replicaReads is never set: the primary, in the turn's batch.
  if (!scope?.replicaReads) return readBatchesOf(db).read<T>(sql, params);
  return replicaRouterOf(db)!.read((connection: PooledConnection) => runRead<T>(connection, sql, params, slowStatementsOf(db)));
}

const DEADLOCK_CODES = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

/**
 * Whether a statement failed on a unique key: what a race the reads could not see ends in. A
 * deferred write that failed with it is not the failure of the statement it was sent with.
 */
export function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    !(error instanceof DeferredWriteFailed) &&
    (error.driverError as { code?: string })?.code === "ER_DUP_ENTRY"
  );
}

/**
 * How often a transaction runs before its deadlock is the caller's error. On one server a
 * deadlock victim is rare; on a Galera cluster every write to a row that another node changed
 * meanwhile fails certification (also ER_LOCK_DEADLOCK, at COMMIT or on the next statement), so
 * concurrent writers of one hot row (an invoice series' counter) need several rounds: 30 invoices
 * issued at once on 3 nodes took up to 9 attempts (test/cluster/galera.test.ts); 10 ran out.
 */
export const TRANSACTION_ATTEMPTS = 20;

/** Whether MySQL, or a Galera certification conflict, asks for the whole transaction to be run again. */
export function isRetryableConflict(error: unknown): boolean {
  const code = error instanceof QueryFailedError ? (error.driverError as { code?: string })?.code : undefined;
  return !!code && DEADLOCK_CODES.has(code);
}

/**
 * Runs work in one transaction and runs it again whole when MySQL picks it as a deadlock victim
 * or a Galera node refuses its commit. Between attempts it waits a random time below a bound
 * that doubles up to 1 s, so that writers that collided spread out instead of colliding again.
 */
export async function inTransaction<T>(db: DataSource, work: (tx: Transaction) => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction(db, work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
    }
  }
}
