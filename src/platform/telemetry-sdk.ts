import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { setTelemetryEnabled, telemetryEnabled } from "./telemetry";

// The OpenTelemetry SDK, loaded only when tracing is on (src/tracing.ts requires this file then).

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (traces go to `<endpoint>/v1/traces`). */
  endpoint?: string;
  /** Instead of OTLP: where spans go, e.g. an in-memory exporter in tests (exported at once). */
  exporter?: SpanExporter;
}

export interface Telemetry {
  /** Exports what is buffered and stops tracing. */
  shutdown(): Promise<void>;
  /** Exports what is buffered. */
  flush(): Promise<void>;
}

/**
 * Starts tracing, before the traced libraries are used (main.ts, workers/index.ts: first import).
 * Libraries loaded earlier are patched when they are next required.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry | null {
  if (telemetryEnabled()) return null;
  const exporter =
    options.exporter ?? (options.endpoint ? new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, "")}/v1/traces` }) : null);
  if (!exporter) return null;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  // The global tracer provider, the AsyncLocalStorage context manager and the W3C propagator.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Health checks and metrics scrapes would be most of the traces and tell nothing.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? "") }),
      new MySQL2Instrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  setTelemetryEnabled(true);
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      setTelemetryEnabled(false);
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
