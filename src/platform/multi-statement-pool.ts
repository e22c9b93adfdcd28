import { DataSource } from "typeorm";
import { mysql2PoolCounts } from "../library-patches/mysql2-pool";
import { CallbackPool, createPrimaryPool, PooledConnection } from "../library-patches/typeorm-mysql";

/**
 * A pool of the primary's connections with `multipleStatements`, made with the driver's own
 * options and connection init (src/library-patches/typeorm-mysql.ts). Its users (the read batches,
 * the transactions) check that every text they are given is one statement.
 */
export class MultiStatementPool {
  private readonly pool: CallbackPool;

  constructor(db: DataSource) {
    this.pool = createPrimaryPool(db, { multipleStatements: true });
    // A connection that breaks leaves the pool, and its statements fail with their own error;
    // unlistened, mysql2 would raise it as an uncaught exception.
    this.pool.on("connection", (connection) => connection.on("error", () => undefined));
  }

  getConnection(callback: (error: Error | null, connection: PooledConnection) => void): void {
    this.pool.getConnection(callback);
  }

  connection(): Promise<PooledConnection> {
    return new Promise((resolve, reject) => this.pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))));
  }

  /** Connections in use and idle (the konto_db_pool_connections gauge). */
  counts(): { inUse: number; idle: number } {
    return mysql2PoolCounts(this.pool);
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => this.pool.end((error) => (error ? reject(error) : resolve())));
  }
}

/**
 * One `T` per DataSource driver (a request's view shares its DataSource's), made at first use and
 * ended with the DataSource (connect, src/database.ts). After it was ended none is made again: a
 * pool opened then would stay open, nobody left to close it.
 */
export function perDriver<T extends { end(): Promise<void> }>(make: (db: DataSource) => T) {
  const made = new WeakMap<object, T>();
  const ended = new WeakSet<object>();
  return {
    of(db: DataSource): T {
      let value = made.get(db.driver);
      if (!value) {
        if (ended.has(db.driver)) throw new Error("The database connection is closed");
        value = make(db);
        made.set(db.driver, value);
      }
      return value;
    },
    /** The one made for this DataSource, if any was. */
    existing(db: DataSource): T | undefined {
      return made.get(db.driver);
    },
    async end(db: DataSource): Promise<void> {
      const value = made.get(db.driver);
      made.delete(db.driver);
      ended.add(db.driver);
      await value?.end();
    },
  };
}
