import { Redis } from "ioredis";

/** A connection that BullMQ can block on (no per-command retry limit) and that keeps reconnecting. */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `konto-${name}`,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** QUIT waits for an answer; a connection that is down is just dropped. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
