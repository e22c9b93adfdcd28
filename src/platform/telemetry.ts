import { Attributes, context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/**
 * OpenTelemetry traces: HTTP (server and client), GraphQL operations, mysql2, ioredis, jobs and
 * SMTP sends, exported over OTLP/HTTP. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing
 * is registered (no context manager, no patched libraries) and every helper here is one boolean
 * check, so requests cost what they cost before. A request's trace goes on into its jobs through
 * the outbox row (`trace_context`, the W3C traceparent).
 */
let enabled = false;
const tracer = () => trace.getTracer("konto");

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
  if (enabled) return null;
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
  enabled = true;
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      enabled = false;
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export const telemetryEnabled = (): boolean => enabled;

/** The W3C traceparent of the active span, to store beside work that continues the trace later; null when tracing is off. */
export function activeTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** A stored traceparent to continue (a job's outbox row); else the active span is the parent. */
  parent?: string | null;
}

/**
 * Runs `work` in a span (the active span while it runs), ended when it settles, with the error
 * recorded when it throws. With tracing off it only runs `work`.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return work(undefined);
  const parent = options.parent ? propagation.extract(ROOT_CONTEXT, { traceparent: options.parent }) : context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind };
