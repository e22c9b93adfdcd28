import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { DataSource } from "typeorm";
import { isRetryableConflict } from "./db";
import { Logger } from "./logger";

// A lock that holds across every process and every node of a Galera cluster, for work that one
// process must do alone (migrations, the demo seed). GET_LOCK is local to one node on Galera, and
// so are the row locks of SELECT … FOR UPDATE: a Galera node certifies only rows written, at
// commit. So the lock is a lease row taken by a committed write: of two processes taking it at
// once on different nodes, one commits and the other fails certification (or, coming later,
// finds it held). On one server the same statements serialise on the row lock.
//
// The table is created here, not by a migration, because it must exist before the migrations.
// A lease, not a held transaction, because DDL commits the transaction it runs in; and a lease
// runs out, so a process killed while holding it stops blocking the others after LEASE_SECONDS.

const LEASE_SECONDS = 60;
const RENEW_EVERY_MS = 15_000;
const DEFAULT_WAIT_MS = 10 * 60_000;

/** Runs an autocommitted statement again when it lost a certification conflict (or a deadlock). */
async function committed<T>(db: DataSource, sql: string, params: unknown[] = []): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.query(sql, params);
    } catch (error) {
      if (attempt >= 10 || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50));
    }
  }
}

/**
 * Runs `work` while this process holds the lock `name`, waiting up to `waitMs` for it. The lease
 * is renewed while the work runs and given back when it ends, also when it fails.
 */
export async function withClusterLock<T>(
  db: DataSource,
  name: string,
  work: () => Promise<T>,
  { waitMs = DEFAULT_WAIT_MS, log }: { waitMs?: number; log?: Logger } = {},
): Promise<T> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS cluster_locks (
       name VARCHAR(100) NOT NULL PRIMARY KEY,
       holder VARCHAR(200) NULL,
       expires_at DATETIME(3) NULL
     ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  );
  await committed(db, "INSERT IGNORE INTO cluster_locks (name) VALUES (?)", [name]);
  // Names the holder in the table for whoever looks why a start waits; no secret in it.
  const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    const taken = await committed<{ affectedRows?: number }>(
      db,
      `UPDATE cluster_locks SET holder = ?, expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ${LEASE_SECONDS} SECOND
       WHERE name = ? AND (holder IS NULL OR expires_at < CURRENT_TIMESTAMP(3))`,
      [holder, name],
    );
    if (taken.affectedRows === 1) break;
    if (Date.now() > deadline) throw new Error(`Timed out after ${waitMs} ms waiting for the lock "${name}" (table cluster_locks)`);
    if (!told) log?.info({ lock: name }, "waiting for another process to finish");
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
  }
  const renew = setInterval(() => {
    committed(
      db,
      `UPDATE cluster_locks SET expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ${LEASE_SECONDS} SECOND WHERE name = ? AND holder = ?`,
      [name, holder],
    ).catch((error) => log?.warn({ err: error, lock: name }, "could not renew a lock's lease"));
  }, RENEW_EVERY_MS);
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    // A lease not given back runs out: the work's own outcome is what counts here.
    await committed(db, "UPDATE cluster_locks SET holder = NULL, expires_at = NULL WHERE name = ? AND holder = ?", [name, holder]).catch(
      (error) => log?.warn({ err: error, lock: name }, "could not give a lock back; its lease runs out"),
    );
  }
}
