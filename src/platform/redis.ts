import { Redis, RedisOptions } from "ioredis";
import { Config } from "../config";

/**
 * A connection that BullMQ can block on (no per-command retry limit) and that keeps reconnecting:
 * to REDIS_URL, or to the primary that REDIS_SENTINELS name for REDIS_SENTINEL_NAME.
 */
export function createRedis(config: Pick<Config, "redisUrl" | "redisSentinels" | "redisSentinelName">, name: string): Redis {
  const options: RedisOptions = {
    connectionName: `konto-${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  if (config.redisSentinels.length) {
    const url = new URL(config.redisUrl);
    return new Redis({
      ...options,
      sentinels: config.redisSentinels,
      name: config.redisSentinelName,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: Number(url.pathname.slice(1) || 0),
    });
  }
  return new Redis(config.redisUrl, options);
}

/** QUIT waits for an answer; a connection that is down is just dropped. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
