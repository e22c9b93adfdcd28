import { Attributes, context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

/**
 * OpenTelemetry traces: HTTP (server and client), GraphQL operations, mysql2, ioredis, jobs and
 * SMTP sends, exported over OTLP/HTTP. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing
 * is registered (no context manager, no patched libraries, the SDK not even loaded: it is in
 * telemetry-sdk.ts) and every helper here is one boolean check, so requests cost what they cost before. A request's trace goes on into its jobs through
 * the outbox row (`trace_context`, the W3C traceparent).
 */
let enabled = false;
const tracer = () => trace.getTracer("konto");

/** Set by telemetry-sdk.ts when it registered a tracer provider, and when it shut it down. */
export function setTelemetryEnabled(on: boolean): void {
  enabled = on;
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
