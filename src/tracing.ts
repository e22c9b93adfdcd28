import { loadConfig } from "./config";
import type { Telemetry } from "./platform/telemetry-sdk";

let telemetry: Telemetry | null = null;

/** Exports the spans still buffered; the entries call it last when they shut down. */
export const stopTracing = async (): Promise<void> => {
  await telemetry?.shutdown();
};

// Imported first by the entries (main.ts, workers/index.ts): tracing must be registered before the
// libraries it patches (http, mysql2, ioredis) are loaded. Off unless OTEL_EXPORTER_OTLP_ENDPOINT
// is set. A configuration error is left to the entry, which reports it in its one line.
function startFromEnvironment(): void {
  let config;
  try {
    config = loadConfig();
  } catch {
    return;
  }
  if (!config.telemetry.endpoint) return;
  // Loaded only now: with tracing off, the SDK costs not even its loading.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTelemetry } = require("./platform/telemetry-sdk") as typeof import("./platform/telemetry-sdk");
  telemetry = startTelemetry({ serviceName: config.telemetry.serviceName, endpoint: config.telemetry.endpoint });
}

startFromEnvironment();
