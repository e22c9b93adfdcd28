import { DataSource, QueryFailedError } from "typeorm";
import { CallbackPool, createPrimaryPool } from "../library-patches/typeorm-mysql";

/** Statements sent in one round trip at most. */
const MAX_BATCH = 16;

/** Statements slower than this are logged as warnings. */
export const SLOW_QUERY_MS = 1000;

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
  private readonly pool: CallbackPool;

  constructor(
    db: DataSource,
    private readonly onSlow: (ms: number, sql: string, params: unknown[]) => void,
  ) {
    this.pool = createPrimaryPool(db, { multipleStatements: true });
    this.pool.on("connection", (connection) => {
      // Like every connection of the driver's pool (src/database.ts, connect): the session in UTC.
      connection.query("SET time_zone = '+00:00'", () => undefined);
      // A connection that breaks leaves the pool, and its statements fail with their own error;
      // unlistened, mysql2 would raise it as an uncaught exception.
      connection.on("error", () => undefined);
    });
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
    const single = batch.length === 1;
    this.pool.getConnection((connectError, connection) => {
      if (connectError) {
        for (const read of batch) read.reject(new QueryFailedError(read.sql, read.params, connectError));
        return;
      }
      // Each statement is formatted with its own values (as mysql2 would send it alone): a value
      // can never shift into the next statement, which may be another request's.
      const sql = single ? batch[0].sql : batch.map((read) => connection.format(read.sql, read.params)).join(";\n");
      const params = single ? batch[0].params : undefined;
      const started = Date.now();
      const answered = (error: Error | null, results: unknown) => {
        connection.release();
        const ms = Date.now() - started;
        if (ms > SLOW_QUERY_MS) this.onSlow(ms, sql, params ?? []);
        if (single) {
          if (error) batch[0].reject(new QueryFailedError(sql, batch[0].params, error));
          else batch[0].resolve(results);
        } else if (error || !Array.isArray(results) || results.length !== batch.length) {
          for (const read of batch) this.send([read]);
        } else {
          batch.forEach((read, i) => read.resolve(results[i]));
        }
      };
      if (params) connection.query(sql, params, answered);
      else connection.query(sql, answered);
    });
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => this.pool.end((error) => (error ? reject(error) : resolve())));
  }
}

const batchesOfDriver = new WeakMap<object, ReadBatches>();
/** Drivers whose batches were ended: a read after that must not open a new pool nobody closes. */
const ended = new WeakSet<object>();

/** The read batches of a DataSource (of its driver: a request's view shares them), made at the first read. */
export function readBatchesOf(db: DataSource): ReadBatches {
  let batches = batchesOfDriver.get(db.driver);
  if (!batches) {
    if (ended.has(db.driver)) throw new Error("The database connection is closed");
    batches = new ReadBatches(db, (ms, sql, params) => db.logger.logQuerySlow(ms, sql, params));
    batchesOfDriver.set(db.driver, batches);
  }
  return batches;
}

/** Closes the read batches' pool, if the DataSource read through it; before the DataSource is destroyed. */
export async function endReadBatches(db: DataSource): Promise<void> {
  const batches = batchesOfDriver.get(db.driver);
  batchesOfDriver.delete(db.driver);
  ended.add(db.driver);
  await batches?.end();
}
