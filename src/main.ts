// First: libuv's thread pool is sized before anything can start it (src/platform/thread-pool.ts).
import { poolPriority } from "./platform/thread-pool";
import { stopTracing } from "./tracing";
import "reflect-metadata";
import { startApp } from "./app";
import { redactUrl } from "./config";
import { createLogger } from "./platform/logger";
import { exitOnFailure, exitOnSignals, loadConfigOrExit } from "./platform/process";

/** `npm start`: API and workers in one process. */
async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  log.info(
    {
      database: redactUrl(config.databaseUrl),
      redis: redactUrl(config.redisUrl),
      env: config.nodeEnv,
      threadPool: Number(process.env.UV_THREADPOOL_SIZE),
      threadPoolPriority: await poolPriority,
    },
    "starting konto",
  );
  const app = await startApp(config, log);
  exitOnSignals(log, config.shutdownTimeoutMs, () => app.stop().then(stopTracing));
  // The benchmark runs this process as a child and asks for its memory over IPC; with
  // --expose-gc (the benchmark's flag) after a full collection, to compare heaps between runs.
  process.on("message", (message) => {
    if (message === "memory-after-gc") (globalThis as { gc?: () => void }).gc?.();
    if (message === "memory" || message === "memory-after-gc") process.send?.({ memory: process.memoryUsage() });
  });
}

main().catch(exitOnFailure);
