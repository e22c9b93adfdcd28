// Private MariaDB and Redis servers for tests that stop, kill or restart them: each on a free
// port in its own temp dir, spawned by this process, so the shared servers on 3306 and 6379 are
// never touched. Recipes: ../shared/STACK.md ("Private servers").

import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { freePort } from "./harness";

export interface RestartOptions {
  /** How long the server stays down before it is started again. */
  downMs?: number;
  /** SIGTERM (a clean shutdown, the default) or SIGKILL (a crash). */
  signal?: "SIGTERM" | "SIGKILL";
}

export interface PrivateMariaDb {
  /** mysql://root@127.0.0.1:PORT (append /dbname for a DATABASE_URL). */
  url: string;
  port: number;
  dataDir: string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** Stops (or kills) the server and starts it again on the same port with the same data. */
  restart(options?: RestartOptions): Promise<void>;
  /** Kills the server and deletes its directory. */
  remove(): Promise<void>;
}

export interface PrivateRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Without AOF it comes back empty; with AOF (fsync always) it comes back with its data. */
  restart(options?: RestartOptions & { appendonly?: boolean }): Promise<void>;
  remove(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

// ---- Safety net: whatever a test forgets (or a failure skips) is killed and deleted on exit. ----

const liveProcesses = new Set<ChildProcess>();
/** Temp dirs deleted on exit whatever happens (the helpers here and in redis-cluster.ts add theirs). */
export const liveDirs = new Set<string>();

function cleanUpSynchronously(): void {
  for (const child of liveProcesses) {
    if (isRunning(child)) child.kill("SIGKILL");
  }
  liveProcesses.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

let safetyNetInstalled = false;
export function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.once("exit", cleanUpSynchronously);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // Clean up, then die of the same signal (the handler is gone by then, so the default applies).
    process.once(signal, () => {
      cleanUpSynchronously();
      process.kill(process.pid, signal);
    });
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function terminate(child: ChildProcess | undefined, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (!child) return;
  if (isRunning(child)) {
    const exited = once(child, "exit");
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  liveProcesses.delete(child);
}

export function spawnServer(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: "ignore" });
  liveProcesses.add(child);
  child.on("exit", () => liveProcesses.delete(child));
  // A missing binary would otherwise be an unhandled "error" event.
  child.on("error", () => undefined);
  return child;
}

/** Polls `ready` until it resolves true; fails early when the server exits, with its log's tail. */
export async function waitUntilReady(
  child: ChildProcess,
  what: string,
  logFile: string | undefined,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(child))
      throw new Error(`${what} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready${tailOf(logFile)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${START_TIMEOUT_MS} ms${tailOf(logFile)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tailOf(logFile: string | undefined): string {
  if (!logFile) return "";
  try {
    return `; its log ends:\n${readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n")}`;
  } catch {
    return "";
  }
}

// ---- MariaDB ----

/**
 * A fresh MariaDB in a temp dir: install-db (under a second), then mariadbd with settings that
 * trade durability against an OS crash (not against a process crash) for speed.
 */
export async function startPrivateMariaDb(options: { extraArgs?: string[]; binlog?: boolean } = {}): Promise<PrivateMariaDb> {
  installSafetyNet();
  const dir = mkdtempSync(join(tmpdir(), "konto-mariadb-"));
  liveDirs.add(dir);
  const dataDir = join(dir, "data");
  const logFile = join(dir, "err.log");
  const installed = spawnSync(
    "mariadb-install-db",
    ["--no-defaults", "--user=root", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db"],
    { encoding: "utf8" },
  );
  if (installed.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw new Error(`mariadb-install-db failed (${installed.status ?? installed.error?.message}):\n${installed.stderr}`);
  }
  const port = await freePort();
  const args = [
    "--no-defaults",
    "--user=root",
    `--datadir=${dataDir}`,
    `--port=${port}`,
    `--socket=${join(dir, "sock")}`,
    `--pid-file=${join(dir, "pid")}`,
    `--log-error=${logFile}`,
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    "--innodb-buffer-pool-size=256M",
    "--max-connections=400",
    // Fast for tests: a write survives a killed server, just not a crashed machine.
    "--innodb-flush-log-at-trx-commit=2",
    // A replication primary keeps a row-based binary log; nothing else needs one.
    ...(options.binlog ? ["--log-bin=mysql-bin", "--binlog-format=ROW"] : ["--skip-log-bin"]),
    "--innodb-doublewrite=0",
    ...(options.extraArgs ?? []),
  ];
  const url = `mysql://root@127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawnServer("mariadbd", args);
    await waitUntilReady(child, `private mariadbd on port ${port}`, logFile, () => pingMariaDb(port));
  };
  const remove = async () => {
    await terminate(child, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  try {
    await start();
  } catch (error) {
    await remove();
    throw error;
  }

  return {
    url,
    port,
    dataDir,
    stop: () => terminate(child, "SIGTERM"),
    kill: () => terminate(child, "SIGKILL"),
    async restart({ downMs = 0, signal = "SIGTERM" } = {}) {
      await terminate(child, signal);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    remove,
  };
}

async function pingMariaDb(port: number): Promise<boolean> {
  const connection = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 });
  try {
    await connection.query("SELECT 1");
    return true;
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

// ---- Redis ----

/** A private redis-server; with `appendonly` it fsyncs every write, so even SIGKILL keeps the data. */
export async function startPrivateRedis(options: { appendonly: boolean }): Promise<PrivateRedis> {
  installSafetyNet();
  const dir = mkdtempSync(join(tmpdir(), "konto-redis-"));
  liveDirs.add(dir);
  const port = await freePort();
  const logFile = join(dir, "redis.log");
  const argsFor = (appendonly: boolean) => [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    appendonly ? "yes" : "no",
    "--appendfsync",
    "always",
    "--dir",
    dir,
    "--logfile",
    logFile,
    "--maxmemory-policy",
    "noeviction",
  ];
  let child: ChildProcess | undefined;

  const start = async (appendonly: boolean) => {
    child = spawnServer("redis-server", argsFor(appendonly));
    // PONG only once the AOF is loaded (while loading Redis answers -LOADING).
    await waitUntilReady(child, `private redis-server on port ${port}`, logFile, () => pingRedis(port));
  };
  const remove = async () => {
    await terminate(child, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  let appendonly = options.appendonly;
  try {
    await start(appendonly);
  } catch (error) {
    await remove();
    throw error;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => terminate(child, "SIGTERM"),
    kill: () => terminate(child, "SIGKILL"),
    async restart({ downMs = 0, signal = "SIGTERM", appendonly: next = appendonly } = {}) {
      await terminate(child, signal);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      appendonly = next;
      await start(appendonly);
    },
    remove,
  };
}

/** PING over a plain socket: true only for +PONG. */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}
