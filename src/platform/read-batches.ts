import { DataSource, QueryFailedError } from "typeorm";
import { PooledConnection } from "../library-patches/typeorm-mysql";
import { MultiStatementPool, perDriver } from "./multi-statement-pool";

/** Statements sent in one round trip at most. */
const MAX_BATCH = 16;

/** Statements slower than this are logged as warnings. */
export const SLOW_QUERY_MS = 1000;

type SlowStatementLogger = (ms: number, sql: string, params: unknown[]) => void;

/**
 * One statement on a pooled connection, released when it answers: its rows, or QueryFailedError
 * as through TypeORM; a slow one is logged.
 */
export function runRead<T>(connection: PooledConnection, sql: string, params: unknown[], onSlow: SlowStatementLogger): Promise<T> {
  const started = Date.now();
  return new Promise<T>((resolve, reject) =>
    connection.query(sql, params, (error, rows) => {
      connection.release();
      const ms = Date.now() - started;
      if (ms > SLOW_QUERY_MS) onSlow(ms, sql, params);
      if (error) reject(new QueryFailedError(sql, params, error));
      else resolve(rows as T);
    }),
  );
}

/** The slow-statement log of a DataSource: its logger's, as TypeORM's maxQueryExecutionTime logs. */
export const slowStatementsOf =
  (db: DataSource): SlowStatementLogger =>
  (ms, sql, params) =>
    db.logger.logQuerySlow(ms, sql, params);

interface PendingRead {
  sql: string;
  params: unknown[];
  resolve(rows: unknown): void;
  reject(error: unknown): void;
}

/**
 * The read path's statements to the primary, in as few round trips as it takes: what is asked
 * for in one turn of the event loop (a request's loaders dispatch together, and under load
 * concurrent requests' reads fall into the same turn) goes as one multi-statement query on one
 * connection, and each statement gets its own result set back. A round trip costs a write and a
 * read system call on both sides, more than a small indexed statement; on the Dashboard it
 * measured as the largest single cost of Konto and of the floor alike (README, "Performance").
 *
 * Its own pool (`multipleStatements` is set there only) runs nothing but readQuery's statements:
 * SQL written in code with `?` placeholders, values escaped by mysql2, and a text with a `;` is
 * refused, so one text is one statement and results are matched to statements by position. A
 * batch that fails, or does not answer with one result set per statement, is run again one
 * statement at a time, so that each statement gets its own answer or error.
 */
export class ReadBatches {
  private pending: PendingRead[] = [];
  private readonly pool: MultiStatementPool;

  private readonly onSlow: SlowStatementLogger;

  constructor(db: DataSource) {
    this.onSlow = slowStatementsOf(db);
    this.pool = new MultiStatementPool(db);
  }

  read<T>(sql: string, params: unknown[]): Promise<T> {
    if (sql.includes(";")) return Promise.reject(new Error("readQuery takes one statement, without a ;"));
    return new Promise<T>((resolve, reject) => {
      const first = this.pending.push({ sql, params, resolve: resolve as (rows: unknown) => void, reject }) === 1;
      // After this turn's callbacks and promise jobs: every loader that dispatches in it is in.
      if (first) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i += MAX_BATCH) this.send(pending.slice(i, i + MAX_BATCH));
  }

  private send(batch: PendingRead[]): void {
    this.pool.getConnection((connectError, connection) => {
      if (connectError) {
        for (const read of batch) read.reject(new QueryFailedError(read.sql, read.params, connectError));
        return;
      }
      if (batch.length === 1) {
        const [read] = batch;
        runRead(connection, read.sql, read.params, this.onSlow).then(read.resolve, read.reject);
        return;
      }
      // Each statement is formatted with its own values (as mysql2 would send it alone): a value
      // can never shift into the next statement, which may be another request's.
      const sql = batch.map((read) => connection.format(read.sql, read.params)).join(";\n");
      const started = Date.now();
      connection.query(sql, (error, results) => {
        connection.release();
        const ms = Date.now() - started;
        if (ms > SLOW_QUERY_MS) this.onSlow(ms, sql, []);
        if (error || !Array.isArray(results) || results.length !== batch.length) {
          for (const read of batch) this.send([read]);
        } else {
          batch.forEach((read, i) => read.resolve(results[i]));
        }
      });
    });
  }

  counts(): { inUse: number; idle: number } {
    return this.pool.counts();
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

const readBatches = perDriver((db) => new ReadBatches(db));

/** The read batches of a DataSource (of its driver: a request's view shares them), made at the first read. */
export const readBatchesOf = readBatches.of;

/** The read batches' pool's connections in use and idle (none before the first read). */
export function readPoolCounts(db: DataSource): { inUse: number; idle: number } {
  return readBatches.existing(db)?.counts() ?? { inUse: 0, idle: 0 };
}

/** Closes the read batches' pool, if the DataSource read through it; before the DataSource is destroyed. */
export const endReadBatches = readBatches.end;
