// A MariaDB primary and an asynchronous replica of it (GTID replication), each a private server
// on a free port in its own temp dir (test/support/private-servers.ts). Recipe: ../shared/CLUSTERS.md,
// "MariaDB async replica of a private primary".

import mysql from "mysql2/promise";
import { PrivateMariaDb, startPrivateMariaDb } from "./private-servers";

export interface ReplicaPair {
  primary: PrivateMariaDb;
  replica: PrivateMariaDb;
  /** A root connection to the server (no database selected). */
  sql(server: PrivateMariaDb): Promise<mysql.Connection>;
  /** Waits until the replica has applied everything the primary has committed so far. */
  caughtUp(timeoutSeconds?: number): Promise<void>;
  remove(): Promise<void>;
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const primary = await startPrivateMariaDb({ binlog: true, extraArgs: ["--server-id=1"] });
  let replica: PrivateMariaDb | undefined;
  try {
    // read_only keeps the application's writes off the replica (root may still write: the tests do, on purpose).
    replica = await startPrivateMariaDb({ extraArgs: ["--server-id=2", "--read-only=ON"] });
    const sql = (server: PrivateMariaDb) =>
      mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root", supportBigNumbers: true, bigNumberStrings: true });
    const r = await sql(replica);
    try {
      await r.query(
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
      );
      await r.query("START SLAVE");
    } finally {
      await r.end();
    }
    const pair: ReplicaPair = {
      primary,
      replica,
      sql,
      async caughtUp(timeoutSeconds = 30) {
        const p = await sql(primary);
        const s = await sql(replica!);
        try {
          const [[{ pos }]] = (await p.query("SELECT @@gtid_binlog_pos AS pos")) as unknown as [[{ pos: string }]];
          const [[{ waited }]] = (await s.query("SELECT MASTER_GTID_WAIT(?, ?) AS waited", [pos, timeoutSeconds])) as unknown as [
            [{ waited: number }],
          ];
          if (Number(waited) !== 0) throw new Error(`the replica did not reach the primary's GTID ${pos} within ${timeoutSeconds} s`);
        } finally {
          await p.end();
          await s.end();
        }
      },
      async remove() {
        await replica!.remove();
        await primary.remove();
      },
    };
    return pair;
  } catch (error) {
    await replica?.remove();
    await primary.remove();
    throw error;
  }
}
