// Patches: nothing is changed, but mysql2's pool is read through its private fields
// `_allConnections` and `_freeConnections`, reached through TypeORM's MysqlDriver `pool`.
// Written against mysql2 3.24.6 and typeorm 1.1.1 (package.json).
// Why: mysql2's pool has no public count of its connections, and the konto_db_pool_connections
// gauge (src/platform/metrics.ts) shows how many are in use and idle at each scrape.
// With replication TypeORM keeps a pool cluster instead (no `pool`): both counts are then 0.
// Contract tests: test/library-patches.test.ts, "mysql2-pool: …".

import { DataSource } from "typeorm";

type PoolInternals = { _allConnections?: { length: number }; _freeConnections?: { length: number } };

/** The connections of the DataSource's pool: in use (taken, not yet released) and idle. */
export function poolConnectionCounts(db: DataSource): { inUse: number; idle: number } {
  return mysql2PoolCounts((db.driver as unknown as { pool?: object }).pool);
}

/** The connections of a mysql2 pool (Konto's own pools: the transactions' and the read batches'). */
export function mysql2PoolCounts(mysql2Pool: object | undefined): { inUse: number; idle: number } {
  const pool = mysql2Pool as PoolInternals | undefined;
  const all = pool?._allConnections?.length ?? 0;
  const idle = pool?._freeConnections?.length ?? 0;
  return { inUse: all - idle, idle };
}
