// autocannon runs of the benchmark: one GraphQL operation with a fresh random body per request,
// and the numbers the report keeps of a run.

import autocannon from "autocannon";
import type { Child } from "./children";
import type { SmtpSink } from "./smtp-sink";
import type { StaffLogin } from "./staff";

export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers whose body held GraphQL errors (or failed the run's verifyBody). */
  graphqlErrors: number;
}

export interface LoadOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:41234/graphql. */
  url: string;
  connections: number;
  /** Seconds; a run can end earlier with stop(). */
  duration: number;
  /** Requests per second over all connections; unlimited (each connection sends again at once) when absent. */
  overallRate?: number;
  /** Extra request headers (authorization). */
  headers?: Record<string, string>;
  /** A fresh request body for every request. */
  body: () => string;
  /** Seconds before autocannon gives a request up and sends another (its default: 10). */
  timeoutSeconds?: number;
  /** Whether an answer counts as a success (graphqlErrors counts the others); by default: no GraphQL errors. */
  verifyBody?: (body: string) => boolean;
}

/** Starts a run; await it for the result, or stop() it first. */
export function startLoad(options: LoadOptions): autocannon.Instance {
  const origin = new URL(options.url);
  return autocannon({
    url: origin.origin,
    connections: options.connections,
    duration: options.duration,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    ...(options.timeoutSeconds ? { timeout: options.timeoutSeconds } : {}),
    requests: [
      {
        method: "POST",
        path: origin.pathname,
        headers: { "content-type": "application/json", ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
    verifyBody: options.verifyBody ?? ((body) => !body.includes('"errors":[')),
  });
}

export function summarise(result: autocannon.Result): LoadResult {
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    avgMs: result.latency.average,
    maxMs: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors: result.mismatches,
  };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  return summarise(await startLoad(options));
}

/**
 * One run of `warmupSeconds + duration` without a pause between the two, for work that must not
 * start from empty (logins queue for the thread pool; a gap would also leave requests of the
 * warm-up in flight when the next run starts). reqPerSec counts only the seconds after the
 * warm-up; the latencies are the whole run's.
 */
export async function loadSteady(options: LoadOptions, warmupSeconds: number): Promise<LoadResult> {
  const run = startLoad({ ...options, duration: warmupSeconds + options.duration });
  const perSecond: number[] = [];
  run.on("tick", ({ counter }) => perSecond.push(counter));
  const result = summarise(await run);
  const measured = perSecond.slice(warmupSeconds);
  return { ...result, reqPerSec: measured.length ? measured.reduce((a, b) => a + b, 0) / measured.length : 0 };
}

export function problemsOf(name: string, op: string, r: LoadResult): string[] {
  const problems: string[] = [];
  if (r.non2xx) problems.push(`${op} ${name}: ${r.non2xx} non-2xx responses`);
  if (r.errors) problems.push(`${op} ${name}: ${r.errors} errors (${r.timeouts} timeouts)`);
  if (r.graphqlErrors) problems.push(`${op} ${name}: ${r.graphqlErrors} responses with GraphQL errors`);
  return problems;
}

/**
 * What run.ts gives a workload that runs on a database and Konto of its own while the Dashboard is
 * under load (the fan-out, the invoice run).
 */
export interface WorkloadSettings {
  databaseUrl: string;
  /** Environment of the bench's Konto, without DATABASE_URL, QUEUE_PREFIX and SMTP_URL. */
  kontoEnv: NodeJS.ProcessEnv;
  queuePrefix: string;
  staff: StaffLogin;
  /** Dashboard connections meanwhile. */
  connections: number;
  /** Dashboard requests per second over all connections; 0: as fast as they answer. */
  rate: number;
  warmupSeconds: number;
  idleSeconds: number;
  timeoutMs: number;
  stallMs: number;
  /** Starts Konto with this environment (run.ts keeps it for the cleanup). */
  startKonto: (name: string, env: NodeJS.ProcessEnv) => Promise<Child>;
  sink: SmtpSink;
  log: (message: string) => void;
  interrupted: () => boolean;
}
