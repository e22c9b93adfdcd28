import { DataSource, Logger, QueryFailedError } from "typeorm";
import { failedStatementIndex } from "../library-patches/mysql2-query";
import { PooledConnection } from "../library-patches/typeorm-mysql";
import { MultiStatementPool, perDriver } from "./multi-statement-pool";
import { SLOW_QUERY_MS } from "./read-batches";
import { RequestScope, scopeOf } from "./request-scope";
import { Row } from "./rows";

/** What a statement answers: rows for a SELECT, mysql2's ResultSetHeader for a write. */
export type StatementResult = Row[] & { insertId: number; affectedRows: number };

/** What the unit of work writes through: one transaction on one connection of the primary. */
export interface Transaction {
  /** Runs a statement and answers its result: rows for a SELECT, mysql2's ResultSetHeader (insertId, affectedRows) for a write. */
  query<T = StatementResult>(sql: string, params?: unknown[]): Promise<T>;
  /**
   * A write whose result nobody reads (an audit entry, a counter, an UPDATE by id): it is sent in
   * the round trip of the transaction's next statement, or of its COMMIT. If it fails, that
   * statement's call fails with DeferredWriteFailed, and the transaction with it.
   */
  defer(sql: string, params?: unknown[]): void;
  /** Sends the deferred writes now (before something outside the database relies on them). */
  flush(): Promise<void>;
  /** The request it runs for (its id goes into audit and outbox rows; its statements are counted). */
  readonly scope: RequestScope | undefined;
}

/**
 * A deferred write failed (or a round trip that carried deferred writes failed where it cannot say
 * which statement did: a lost connection): raised by the statement it was sent with. Never a
 * duplicate key of that statement (isDuplicateKey says no); a deadlock is retried as any
 * (isRetryableConflict).
 */
export class DeferredWriteFailed extends QueryFailedError {}

/** The one statement per text that makes results match statements by position (as ReadBatches). */
function oneStatement(sql: string): string {
  if (sql.includes(";")) throw new Error("A transaction's statement is one statement, without a ;");
  return sql;
}

/** A statement waiting for the next round trip: as written, and as sent (its values escaped into it). */
interface Deferred {
  sql: string;
  params: unknown[];
  text: string;
}
const START: Deferred = { sql: "START TRANSACTION", params: [], text: "START TRANSACTION" };

/**
 * A transaction whose statements travel in as few round trips as their results allow: START
 * TRANSACTION and every deferred write go with the next statement (or the COMMIT) as one
 * multi-statement query; on a Galera node they go one by one (galeraNodes). On a contact's email
 * change that is 5 round trips instead of 10 (README, "Performance": a round trip costs a system
 * call on each side, more than the statement).
 */
class PooledTransaction implements Transaction {
  /** Statements not sent yet; the transaction itself starts with the first round trip. */
  private deferred: Deferred[] = [START];
  private started = false;
  /** One by one: the round trips in the order they were asked for, and none after the transaction ended (it would run in autocommit). */
  private sequence: Promise<unknown> = Promise.resolve();
  private failure: unknown = null;

  constructor(
    private readonly connection: PooledConnection,
    readonly scope: RequestScope | undefined,
    /** The DataSource's logger: slow statements and failures are logged as TypeORM logs them. */
    private readonly log: Pick<Logger, "logQuerySlow" | "logQueryError">,
    /** One statement per round trip, deferred writes in their order (on a Galera node: see galeraNodes). */
    private readonly oneByOne = false,
  ) {}

  query<T = StatementResult>(sql: string, params: unknown[] = []): Promise<T> {
    return this.send<T>(oneStatement(sql), params);
  }

  defer(sql: string, params: unknown[] = []): void {
    this.deferred.push({ sql, params, text: this.connection.format(oneStatement(sql), params) });
    this.counted(1);
  }

  async flush(): Promise<void> {
    if (this.deferred.length > (this.started ? 0 : 1)) await this.send(null, []);
  }

  async commit(): Promise<void> {
    // Nothing was sent or deferred: there is no transaction to end.
    if (!this.started && this.deferred.length === 1) return;
    await this.send("COMMIT", []);
  }

  async rollback(): Promise<void> {
    this.deferred = [];
    if (!this.started) return;
    this.failure ??= new Error("the transaction was rolled back");
    await this.sequence;
    this.counted(1);
    await this.sendAlone("ROLLBACK", []);
  }

  private counted(statements: number): void {
    if (this.scope) this.scope.sqlStatements += statements;
  }

  /** `sql` (null: none) with the deferred statements before it, in one round trip; its result. */
  private send<T>(sql: string | null, params: unknown[]): Promise<T> {
    const deferred = this.deferred;
    this.deferred = [];
    this.started = true;
    // Counted as TypeORM counted them: START TRANSACTION when sent, a deferred write when deferred.
    this.counted((sql === null ? 0 : 1) + (deferred[0] === START ? 1 : 0));
    if (this.oneByOne) return this.inSequence(() => this.sendOneByOne<T>(deferred, sql, params));
    if (deferred.length === 0) return this.sendAlone<T>(sql!, params);
    const statements = sql === null ? deferred : [...deferred, { sql, params, text: this.connection.format(sql, params) }];
    const text = statements.map((statement) => statement.text).join(";\n");
    const started = Date.now();
    return new Promise<T>((resolve, reject) => {
      // mysql2 answers a closed connection at once, inside `query`, before it returns the command.
      let command: object | undefined = undefined;
      // Logged as written, without the values (they may be secrets' hashes).
      const written = () => statements.map((statement) => statement.sql).join(";\n");
      command = this.connection.query(text, (error, results) => {
        const ms = Date.now() - started;
        if (ms > SLOW_QUERY_MS) this.log.logQuerySlow(ms, written(), []);
        if (!error) return resolve((statements.length > 1 ? (results as unknown[])[deferred.length] : results) as T);
        this.log.logQueryError(error, written(), []);
        // A lost connection failed no statement of its own, and without the command's count the
        // failed one is unknown: either way the error is the round trip's, never a duplicate key of `sql`.
        const failed = (error as { fatal?: boolean }).fatal ? null : failedStatementIndex(command);
        if (failed === null) return reject(new DeferredWriteFailed(written(), [], error));
        reject(
          failed < deferred.length
            ? new DeferredWriteFailed(deferred[failed].sql, deferred[failed].params, error)
            : new QueryFailedError(sql!, params, error),
        );
      });
    });
  }

  private inSequence<T>(roundTrips: () => Promise<T>): Promise<T> {
    const run = this.sequence.then(() => {
      if (this.failure !== null) throw this.failure;
      return roundTrips();
    });
    this.sequence = run.catch((error: unknown) => {
      // A deadlock (a BF abort included) or a lost connection ended the transaction; other errors
      // fail their statement only, and a caller may go on (a duplicate key it expected).
      const { code, fatal } = ((error as QueryFailedError).driverError ?? {}) as { code?: string; fatal?: boolean };
      if (code === "ER_LOCK_DEADLOCK" || fatal) this.failure ??= error;
    });
    return run;
  }

  /** The deferred statements (as they were when deferred), then `sql` (null: none), each in a round trip of its own; the last one's result. */
  private async sendOneByOne<T>(deferred: Deferred[], sql: string | null, params: unknown[]): Promise<T> {
    let result: unknown;
    for (const statement of deferred) {
      // Logged as written, without the values, as in a batch.
      result = await this.sendAlone(statement.text, [], statement.sql).catch((error: QueryFailedError) => {
        throw new DeferredWriteFailed(statement.sql, statement.params, error.driverError);
      });
    }
    return (sql === null ? result : await this.sendAlone<T>(sql, params)) as T;
  }

  private sendAlone<T>(sql: string, params: unknown[], loggedAs?: string): Promise<T> {
    const started = Date.now();
    const [logSql, logParams] = loggedAs === undefined ? [sql, params] : [loggedAs, []];
    return new Promise<T>((resolve, reject) =>
      this.connection.query(sql, params, (error, rows) => {
        const ms = Date.now() - started;
        if (ms > SLOW_QUERY_MS) this.log.logQuerySlow(ms, logSql, logParams);
        if (error) {
          this.log.logQueryError(error, logSql, logParams);
          reject(new QueryFailedError(sql, params, error));
        } else resolve(rows as T);
      }),
    );
  }
}

/**
 * Whether a DataSource's primary is a MariaDB Galera node (wsrep on). There a transaction sends one
 * statement per round trip: a transaction that another node's conflicting write-set aborts (a BF
 * abort) while it runs a multi-statement text loses its deadlock error. The statements after the
 * abort run in autocommit, each committed alone, and the text answers without an error (MariaDB
 * 10.11.19, galera-4 26.4.23: of 1,153 transactions that committed without an error while another
 * node wrote a row they had locked, 806 had lost writes). A statement sent alone answers the abort
 * with ER_LOCK_DEADLOCK, and the transaction runs again.
 */
const galeraNodes = new WeakMap<object, boolean>();

/** Asks the primary whether it is a Galera node, once, when the DataSource connects (src/database.ts). */
export async function learnWhetherGaleraNode(db: DataSource): Promise<void> {
  // No row where the variable does not exist (MySQL, MariaDB without wsrep): no error to tell apart.
  const rows: Row[] = await db.query("SHOW VARIABLES LIKE 'wsrep_on'");
  galeraNodes.set(db.driver, String(rows[0]?.Value ?? "").toUpperCase() === "ON");
}

/**
 * Makes a DataSource's transactions send one statement per round trip, as on a Galera node, on
 * any server: the tests of that path run on a single MariaDB (test/transactions.test.ts).
 */
export function sendOneByOneAsOnGalera(db: DataSource): void {
  galeraNodes.set(db.driver, true);
}

/**
 * The primary's connections for transactions: a pool of their own, because `multipleStatements`
 * is set only where every text is checked to be one statement (never on TypeORM's pool, which
 * also runs migrations).
 */
const transactionPools = perDriver((db) => new MultiStatementPool(db));

/** The transactions' pool's connections in use and idle (none before the first transaction). */
export function transactionPoolCounts(db: DataSource): { inUse: number; idle: number } {
  return transactionPools.existing(db)?.counts() ?? { inUse: 0, idle: 0 };
}

/** Closes the transactions' pool, if the DataSource had one; before the DataSource is destroyed. */
export const endTransactionPool = transactionPools.end;

/**
 * Runs `work` in one transaction: committed when it returns, rolled back when it throws. One
 * attempt; inTransaction (src/platform/db.ts) runs it again on a deadlock.
 */
export async function transaction<T>(db: DataSource, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const connection = await transactionPools.of(db).connection();
  const tx = new PooledTransaction(connection, scopeOf(db), db.logger, galeraNodes.get(db.driver) ?? false);
  try {
    const result = await work(tx);
    await tx.commit();
    connection.release();
    return result;
  } catch (error) {
    // A connection whose ROLLBACK failed is in no known state: it is closed, not reused.
    await tx.rollback().then(
      () => connection.release(),
      () => connection.destroy(),
    );
    throw error;
  }
}
