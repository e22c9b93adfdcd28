import { FastifyInstance } from "fastify";
import type { RedisClient } from "../platform/redis";
import { DataSource } from "typeorm";

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref())]);
}

async function check(work: () => Promise<unknown>): Promise<"ok" | "down"> {
  try {
    await withTimeout(work());
    return "ok";
  } catch {
    return "down";
  }
}

/** Liveness says the process runs; readiness says it can serve: database and Redis answer. */
export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { db: DataSource; redis: RedisClient; isShuttingDown: () => boolean },
): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const [database, redis] = await Promise.all([
      check(() => deps.db.query("SELECT 1")),
      // Without this guard ioredis would queue the PING until it reconnects.
      check(async () => {
        if (deps.redis.status !== "ready") throw new Error(deps.redis.status);
        await deps.redis.ping();
      }),
    ]);
    const ready = database === "ok" && redis === "ok" && !deps.isShuttingDown();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", checks: { database, redis } });
  });
}
