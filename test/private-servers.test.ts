import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { PrivateMariaDb, PrivateRedis, startPrivateMariaDb, startPrivateRedis } from "./support/private-servers";

// The helper that fault tests build on: private servers that restart with (or without) their data.

async function withConnection<T>(db: PrivateMariaDb, work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ uri: db.url });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

async function withRedis<T>(redis: PrivateRedis, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

test("a private MariaDB keeps its rows across a restart and a kill, and is gone after remove", async () => {
  const db = await startPrivateMariaDb();
  try {
    assert.notEqual(db.port, 3306);
    await withConnection(db, async (c) => {
      await c.query("CREATE DATABASE probe");
      await c.query("CREATE TABLE probe.t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
      await c.query("INSERT INTO probe.t VALUES (1, 'kept')");
    });
    await db.restart({ downMs: 200 });
    assert.deepEqual(await withConnection(db, async (c) => (await c.query("SELECT v FROM probe.t"))[0]), [{ v: "kept" }]);

    await withConnection(db, (c) => c.query("INSERT INTO probe.t VALUES (2, 'after kill')"));
    await db.restart({ signal: "SIGKILL" });
    const [rows] = await withConnection(db, (c) => c.query("SELECT v FROM probe.t ORDER BY id"));
    assert.deepEqual(rows, [{ v: "kept" }, { v: "after kill" }]);
  } finally {
    await db.remove();
  }
  assert.equal(existsSync(db.dataDir), false);
  await assert.rejects(mysql.createConnection({ uri: db.url, connectTimeout: 1000 }));
});

test("a private Redis keeps its keys across a restart with AOF, and comes back empty without", async () => {
  const redis = await startPrivateRedis({ appendonly: true });
  try {
    assert.notEqual(redis.port, 6379);
    await withRedis(redis, (r) => r.set("probe", "kept"));
    await redis.restart({ signal: "SIGKILL" });
    assert.equal(await withRedis(redis, (r) => r.get("probe")), "kept");

    // Without AOF nothing is persisted (and the AOF is not read): the restart comes back empty.
    await redis.restart({ appendonly: false, downMs: 100 });
    assert.equal(await withRedis(redis, (r) => r.get("probe")), null);
    await withRedis(redis, (r) => r.set("probe", "volatile"));
    await redis.restart();
    assert.equal(await withRedis(redis, (r) => r.get("probe")), null);
  } finally {
    await redis.remove();
  }
  assert.equal(existsSync(redis.dir), false);
});
