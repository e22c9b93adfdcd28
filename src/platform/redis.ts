import { Cluster, Redis, RedisOptions } from "ioredis";
import { Config } from "../config";

/** A connection to one Redis (direct or through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

type RedisConfig = Pick<Config, "redisUrl" | "redisSentinels" | "redisSentinelName" | "redisClusterNodes">;

/**
 * A connection that BullMQ can block on (no per-command retry limit) and that keeps reconnecting:
 * to REDIS_URL, to the primary that REDIS_SENTINELS name for REDIS_SENTINEL_NAME, or to the
 * Redis Cluster of REDIS_CLUSTER_NODES (REDIS_URL then only gives the password). On a cluster every
 * key Konto writes starts with QUEUE_PREFIX, whose hash tag (config.ts requires one) puts them all
 * in one slot: BullMQ's scripts and Konto's MULTI, MGET and EVAL touch several keys at once.
 */
export function createRedis(config: RedisConfig, name: string): RedisClient {
  const url = new URL(config.redisUrl);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const options: RedisOptions = {
    connectionName: `konto-${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  if (config.redisClusterNodes.length) {
    return new Cluster(config.redisClusterNodes, {
      // BullMQ reads maxRetriesPerRequest from here on a cluster.
      redisOptions: { ...options, password },
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
      // A failover takes the cluster about 5 s (node timeout plus election): wait for the new
      // master between redirections rather than fail at once.
      retryDelayOnFailover: 300,
      retryDelayOnClusterDown: 300,
    });
  }
  if (config.redisSentinels.length) {
    return new Redis({
      ...options,
      sentinels: config.redisSentinels,
      name: config.redisSentinelName,
      password,
      db: Number(url.pathname.slice(1) || 0),
    });
  }
  return new Redis(config.redisUrl, options);
}

/** A second connection like `redis` (for a subscription), under its own name. */
export function duplicateRedis(redis: RedisClient, name: string): RedisClient {
  if (redis instanceof Cluster)
    return redis.duplicate(undefined, { redisOptions: { ...redis.options.redisOptions, connectionName: name } });
  return redis.duplicate({ connectionName: name });
}

/** Every key matching `pattern`, in batches: on a cluster, SCAN runs on each master. */
export async function forEachKeyBatch(redis: RedisClient, pattern: string, handle: (keys: string[]) => Promise<void>): Promise<void> {
  const servers = redis instanceof Cluster ? redis.nodes("master") : [redis];
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length) await handle(keys);
    } while (cursor !== "0");
  }
}

/** How long QUIT may wait for its answer before the connection is just dropped. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * QUIT waits for an answer; a connection that is down is just dropped. On a cluster QUIT goes to
 * every node, and one that died (a failed-over master) would be waited for forever: so at most
 * QUIT_TIMEOUT_MS, then the connection is dropped.
 */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status !== "ready") return redis.disconnect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)));
  await Promise.race([redis.quit().catch(() => undefined), timeout]);
  clearTimeout(timer);
  redis.disconnect();
}
