// A private 3-node MariaDB Galera cluster for the cluster tests: each node a `mariadbd --no-defaults`
// with wsrep on, on free ports in 20000-29999, in one temp dir, spawned by this process and
// stopped by its pid. The shared server on 3306 is never touched. Recipe and its two traps
// (nodes run as `nobody`, or rsync state transfer fails; `--wsrep-recover` after a kill):
// ../shared/CLUSTERS.md.

import { ChildProcess, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { installSafetyNet, isRunning, liveDirs, spawnServer, terminate } from "./private-servers";

const GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so";
const RUN_AS = "nobody";
const SYNC_TIMEOUT_MS = 60_000;

export interface GaleraNode {
  /** 1, 2 or 3; node 1 bootstraps the cluster. */
  index: number;
  /** mysql://root@127.0.0.1:PORT (append /dbname for a DATABASE_URL). */
  url: string;
  port: number;
  /** SIGTERM (or SIGKILL), then waits for the exit. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts the stopped node again (after a kill: recovers its position first) and waits until it is Synced. */
  start(): Promise<void>;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** How long the cold start took, install-db to the last node Synced. */
  startedInMs: number;
  /** Stops every node by its pid and deletes the temp dir. */
  remove(): Promise<void>;
}

/** Says what to install instead of failing somewhere inside mariadbd. */
function assertInstalled(): void {
  const missing = [
    existsSync(GALERA_PROVIDER) ? null : "galera-4",
    spawnSync("rsync", ["--version"]).status === 0 ? null : "rsync",
    spawnSync("mariadbd", ["--version"]).status === 0 ? null : "mariadb-server",
  ].filter(Boolean);
  if (missing.length) throw new Error(`The Galera tests need ${missing.join(", ")}: run (as root) apt-get install -y ${missing.join(" ")}`);
}

function idOf(flag: "-u" | "-g", name: string): number {
  const out = spawnSync("id", [flag, name], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`no user ${name} on this machine`);
  return Number(out.stdout.trim());
}

/** A port in 20000-29999 that nothing listens on (below the kernel's ephemeral range, so no client takes it meanwhile). */
async function freePortInRange(taken: Set<number>): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no free port in 20000-29999");
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-25).join("\n");
  } catch {
    return "(no log)";
  }
}

async function wsrepState(port: number): Promise<{ state: string; size: number } | null> {
  const connection = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 }).catch(() => null);
  if (!connection) return null;
  try {
    const [rows] = await connection.query(
      "SELECT variable_name AS name, variable_value AS value FROM information_schema.global_status WHERE variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size')",
    );
    const status = new Map((rows as { name: string; value: string }[]).map((r) => [r.name.toLowerCase(), r.value]));
    return { state: status.get("wsrep_local_state_comment") ?? "", size: Number(status.get("wsrep_cluster_size") ?? 0) };
  } catch {
    return null;
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/**
 * Starts a Galera cluster of `size` nodes: install-db into node 1 only, node 1 bootstraps, the
 * others join one after the other with an empty datadir and get it by rsync state transfer
 * (joining together made the second wait for the donor anyway). Cleans up when any step fails.
 */
export async function startGaleraCluster({ size = 3 }: { size?: number } = {}): Promise<GaleraCluster> {
  assertInstalled();
  installSafetyNet();
  const started = Date.now();
  const uid = idOf("-u", RUN_AS);
  const gid = idOf("-g", RUN_AS);
  const dir = mkdtempSync(join(tmpdir(), "konto-galera-"));
  liveDirs.add(dir);
  // mkdtemp makes it 0700: the nodes, running as nobody, must be able to traverse it.
  chmodSync(dir, 0o755);
  const children = new Map<number, ChildProcess>();

  const remove = async () => {
    // The joiners first; node 1 last, so it is the one safe to bootstrap from (not needed here: the dir goes).
    for (const index of [...children.keys()].sort((a, b) => b - a)) await terminate(children.get(index), "SIGTERM");
    children.clear();
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };

  try {
    const taken = new Set<number>();
    const ports: { sql: number; gcomm: number; ist: number; sst: number }[] = [];
    for (let i = 0; i < size; i++) {
      ports.push({
        sql: await freePortInRange(taken),
        gcomm: await freePortInRange(taken),
        ist: await freePortInRange(taken),
        sst: await freePortInRange(taken),
      });
    }
    const clusterAddress = `gcomm://${ports.map((p) => `127.0.0.1:${p.gcomm}`).join(",")}`;
    const nodeDir = (index: number) => join(dir, `n${index}`);
    for (let index = 1; index <= size; index++) {
      for (const [path, mode] of [
        [nodeDir(index), 0o755],
        [join(nodeDir(index), "data"), 0o700],
      ] as const) {
        mkdirSync(path, { mode });
        chownSync(path, uid, gid);
      }
    }
    const installed = spawnSync(
      "mariadb-install-db",
      [
        "--no-defaults",
        `--user=${RUN_AS}`,
        `--datadir=${join(nodeDir(1), "data")}`,
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
      ],
      { encoding: "utf8" },
    );
    if (installed.status !== 0)
      throw new Error(`mariadb-install-db failed (${installed.status ?? installed.error?.message}):\n${installed.stderr}`);

    const argsOf = (index: number): string[] => {
      const p = ports[index - 1];
      const d = nodeDir(index);
      return [
        "--no-defaults",
        `--user=${RUN_AS}`,
        `--datadir=${join(d, "data")}`,
        `--port=${p.sql}`,
        `--socket=${join(d, "sock")}`,
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        `--pid-file=${join(d, "pid")}`,
        `--log-error=${join(d, "err.log")}`,
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=16M",
        // Fast for tests: a commit survives a killed server (Galera has the other copies), not a crashed machine.
        "--innodb-flush-log-at-trx-commit=2",
        "--max-connections=300",
        "--wsrep-on=ON",
        `--wsrep-provider=${GALERA_PROVIDER}`,
        "--wsrep-cluster-name=konto-test",
        `--wsrep-cluster-address=${clusterAddress}`,
        `--wsrep-node-name=n${index}`,
        "--wsrep-node-address=127.0.0.1",
        `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${p.gcomm};ist.recv_addr=127.0.0.1:${p.ist};gcache.size=16M`,
        `--wsrep-sst-receive-address=127.0.0.1:${p.sst}`,
        "--wsrep-sst-method=rsync",
        "--binlog-format=ROW",
        "--default-storage-engine=InnoDB",
        "--innodb-autoinc-lock-mode=2",
      ];
    };

    const startNode = async (index: number, bootstrap: boolean, wantSize: number) => {
      const d = nodeDir(index);
      const args = argsOf(index);
      // After a kill grastate.dat says seqno -1: recover the position first, then rejoin by IST.
      const grastate = join(d, "data", "grastate.dat");
      if (existsSync(grastate) && /seqno:\s*-1/.test(readFileSync(grastate, "utf8"))) {
        const recoverLog = join(d, "recover.log");
        spawnSync("mariadbd", [...args, "--wsrep-recover", `--log-error=${recoverLog}`]);
        const position = /Recovered position: (\S+)/.exec(tailOf(recoverLog))?.[1];
        if (position) args.push(`--wsrep-start-position=${position}`);
      }
      if (bootstrap) args.push("--wsrep-new-cluster");
      const child = spawnServer("mariadbd", args);
      children.set(index, child);
      const deadline = Date.now() + SYNC_TIMEOUT_MS;
      for (;;) {
        if (!isRunning(child))
          throw new Error(`Galera node n${index} exited before it was Synced; its log ends:\n${tailOf(join(d, "err.log"))}`);
        const state = await wsrepState(ports[index - 1].sql);
        if (state?.state === "Synced" && state.size >= wantSize) return;
        if (Date.now() > deadline)
          throw new Error(
            `Galera node n${index} was not Synced within ${SYNC_TIMEOUT_MS} ms; its log ends:\n${tailOf(join(d, "err.log"))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    for (let index = 1; index <= size; index++) await startNode(index, index === 1, index);

    const nodes: GaleraNode[] = ports.map((p, i) => ({
      index: i + 1,
      url: `mysql://root@127.0.0.1:${p.sql}`,
      port: p.sql,
      stop: (signal = "SIGTERM") => terminate(children.get(i + 1), signal),
      start: () => startNode(i + 1, false, [...children.values()].filter(isRunning).length + 1),
    }));
    return { nodes, startedInMs: Date.now() - started, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
