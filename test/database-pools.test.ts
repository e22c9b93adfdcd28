import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DataSource } from "typeorm";
import { loadConfig } from "../src/config";
import { connect, createDataSource, PREPARED_STATEMENTS_PER_CONNECTION } from "../src/database";
import { createPrimaryPool, obtainPooledConnection, PooledConnection } from "../src/library-patches/typeorm-mysql";
import { createLogger } from "../src/platform/logger";
import { dropDatabase, ensureDatabase } from "../src/platform/db";
import { testEnv } from "./support/harness";

// mysql2 allocates a connection's prepared-statement cache in full when it opens (four arrays
// of its maximum size: 0.5 MB at its default of 16,000). Konto prepares no statement, so every
// pool it opens caps the cache; this holds each kind of pool to that.

const config = loadConfig(testEnv());
let db: DataSource;

before(async () => {
  await ensureDatabase(config.databaseUrl);
  db = await connect(createDataSource(config, createLogger("silent")));
});

after(async () => {
  await db?.destroy();
  await dropDatabase(config.databaseUrl);
});

/** The capacity of a connection's prepared-statement cache (mysql2's lru.min, which allocates it up front). */
const cacheCapacity = (connection: PooledConnection) => (connection as unknown as { _statements?: { max?: number } })._statements?.max;

test("TypeORM's pool and the pools made from its options (read batches, transactions) open connections with a small prepared-statement cache", async () => {
  const typeormConnection = await obtainPooledConnection(db);
  typeormConnection.release();
  const pool = createPrimaryPool(db, { multipleStatements: true });
  try {
    const batchConnection = await new Promise<PooledConnection>((resolve, reject) =>
      pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
    );
    batchConnection.release();
    for (const [name, connection] of [
      ["TypeORM's pool", typeormConnection],
      ["a pool made by createPrimaryPool", batchConnection],
    ] as const) {
      const capacity = cacheCapacity(connection);
      assert.equal(typeof capacity, "number", `${name}: mysql2's connection no longer has its prepared-statement cache in _statements`);
      assert.equal(
        capacity,
        PREPARED_STATEMENTS_PER_CONNECTION,
        `${name}: a connection opened with mysql2's default cache of ${capacity} entries`,
      );
    }
  } finally {
    await new Promise((resolve) => pool.end(resolve));
  }
});
