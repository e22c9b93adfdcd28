import { Config, ConfigError, loadConfig } from "../config";
import { Logger } from "./logger";

/** Loads the configuration or exits with the one-line message that names the variable. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * On SIGTERM or SIGINT runs `stop` once and exits 0; exits 1 when stopping takes longer than
 * the configured timeout.
 */
export function exitOnSignals(log: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await stop();
    } catch (err) {
      log.error({ err }, "shutdown failed");
      process.exit(1);
    }
    clearTimeout(timer);
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void handle("SIGTERM"));
  process.on("SIGINT", () => void handle("SIGINT"));
}

/** For entry points: print the failure and exit 1. */
export function exitOnFailure(error: unknown): never {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
