// A private Redis Cluster for tests: 3 masters and 3 replicas, each redis-server spawned by this
// process on a free port (and its cluster bus port, port + 10000) in one temp dir. Recipe and
// timings: ../shared/CLUSTERS.md, "Redis Cluster".

import { ChildProcess, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { installSafetyNet, liveDirs, pingRedis, spawnServer, terminate, waitUntilReady } from "./private-servers";

export interface PrivateRedisCluster {
  ports: number[];
  /** REDIS_CLUSTER_NODES for Konto: every node, host:port, comma-separated. */
  nodesEnv: string;
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL of one node (a crash), waiting for its exit. */
  kill(port: number): Promise<void>;
  /** Waits until `key`'s slot is served by a healthy master other than `port` (after a failover). */
  failedOver(key: string, port: number, timeoutMs?: number): Promise<number>;
  /** Kills every node and deletes the directory. */
  remove(): Promise<void>;
}

const FIRST_PORT = 20000;
const LAST_PORT = 29999;
/** Redis Cluster's bus listens on the client port plus this. */
const BUS_OFFSET = 10000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `count` ports p in 20000–29999 such that p and p + 10000 are both free. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 1000; tries++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`found only ${ports.length} free port pairs for a Redis Cluster`);
  return ports;
}

async function ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

interface ClusterNodeLine {
  port: number;
  flags: string[];
  slots: [number, number][];
}

async function clusterNodes(port: number): Promise<ClusterNodeLine[]> {
  const text = (await ask(port, (r) => r.cluster("NODES"))) as string;
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [, address, flags, , , , , , ...slots] = line.split(" ");
      return {
        port: Number(address.split("@")[0].split(":")[1]),
        flags: flags.split(","),
        slots: slots
          .filter((s) => !s.startsWith("["))
          .map((s) => s.split("-").map(Number))
          .map(([from, to = from]) => [from, to] as [number, number]),
      };
    });
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedisCluster(): Promise<PrivateRedisCluster> {
  installSafetyNet();
  const dir = mkdtempSync(join(tmpdir(), "konto-redis-cluster-"));
  liveDirs.add(dir);
  const children = new Map<number, ChildProcess>();
  const remove = async () => {
    await Promise.all([...children.values()].map((child) => terminate(child, "SIGKILL")));
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  try {
    const ports = await clusterPorts(6);
    await Promise.all(
      ports.map(async (port) => {
        const nodeDir = join(dir, String(port));
        mkdirSync(nodeDir);
        const logFile = join(nodeDir, "redis.log");
        // repl-diskless-sync-delay 0: replicas link at once instead of after 5 s, so that a
        // failover right after start finds a replica to promote.
        const child = spawnServer("redis-server", [
          ...["--port", String(port), "--bind", "127.0.0.1", "--dir", nodeDir, "--logfile", logFile],
          ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000"],
          ...["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
        ]);
        children.set(port, child);
        await waitUntilReady(child, `cluster redis-server on port ${port}`, logFile, () => pingRedis(port));
      }),
    );
    const created = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed (${created.status}):\n${created.stdout}\n${created.stderr}`);
    // Ready: every node says cluster_state:ok, and every replica's link to its master is up.
    for (const port of ports) {
      await until(
        `node ${port} reports cluster_state:ok`,
        async () => /cluster_state:ok/.test((await ask(port, (r) => r.cluster("INFO"))) as string),
        30_000,
      );
      await until(
        `node ${port} is a master or a linked replica`,
        async () => {
          const info = await ask(port, (r) => r.info("replication"));
          return /role:master/.test(info) || /master_link_status:up/.test(info);
        },
        30_000,
      );
    }
    const slotOf = (key: string) => ask([...children.keys()][0], (r) => r.cluster("KEYSLOT", key)) as Promise<number>;
    const servingMaster = async (slot: number, other: number): Promise<number | undefined> => {
      for (const port of ports) {
        if (port === other || !children.has(port)) continue;
        const line = (await clusterNodes(port).catch(() => [])).find(
          (n) =>
            n.flags.includes("master") && !n.flags.some((f) => f.startsWith("fail")) && n.slots.some(([a, b]) => slot >= a && slot <= b),
        );
        if (line && line.port !== other) return line.port;
      }
      return undefined;
    };
    return {
      ports,
      nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(","),
      async masterOf(key) {
        const port = await servingMaster(await slotOf(key), -1);
        if (port === undefined) throw new Error(`no master serves the slot of ${key}`);
        return port;
      },
      async kill(port) {
        await terminate(children.get(port), "SIGKILL");
        children.delete(port);
      },
      async failedOver(key, port, timeoutMs = 30_000) {
        const slot = await slotOf(key);
        let promoted: number | undefined;
        await until(
          `slot ${slot} is served by a master other than ${port}`,
          async () => (promoted = await servingMaster(slot, port)) !== undefined,
          timeoutMs,
        );
        return promoted!;
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
