// The benchmark's load: one GraphQL operation with a fresh random body per request, either as fast
// as the answers come (autocannon) or at an offered rate, evenly paced; and the numbers the report
// keeps of a run.

import autocannon from "autocannon";
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { Child } from "./children";
import type { SmtpSink } from "./smtp-sink";
import type { StaffLogin } from "./staff";
import { quantile } from "./stats";

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
  /** Requests per second over all connections, evenly paced; unlimited (each connection sends again at once) when absent. */
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

/** A run in progress: await it for the result, or stop() it first. */
export interface LoadRun extends PromiseLike<LoadResult> {
  stop(): void;
}

const noGraphqlErrors = (body: string) => !body.includes('"errors":[');

/**
 * Starts a run. With `overallRate` the requests are paced evenly (one every 1000 ÷ rate ms, see
 * startPaced); without it every connection sends again as soon as it has its answer (autocannon).
 */
export function startLoad(options: LoadOptions): LoadRun {
  if (options.overallRate) return startPaced({ ...options, overallRate: options.overallRate });
  const run = startAutocannon(options);
  return { stop: () => run.stop(), then: (resolve, reject) => run.then(summarise).then(resolve, reject) };
}

function startAutocannon(options: LoadOptions): autocannon.Instance {
  const origin = new URL(options.url);
  return autocannon({
    url: origin.origin,
    connections: options.connections,
    duration: options.duration,
    ...(options.timeoutSeconds ? { timeout: options.timeoutSeconds } : {}),
    requests: [
      {
        method: "POST",
        path: origin.pathname,
        headers: { "content-type": "application/json", ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
    verifyBody: options.verifyBody ?? noGraphqlErrors,
  });
}

/**
 * An open-loop run at `overallRate`: one request every 1000 ÷ rate ms, evenly spaced, over at most
 * `connections` keep-alive connections. autocannon's rate limit sends each connection's quota for
 * a second back to back when the second starts, and all connections start together: 100 req/s
 * over 10 connections were a burst of 100 requests in the first 60–100 ms of every second, and a
 * second paced load (logins at half the limit) landed its burst in the same instant. Portals
 * polling do not arrive like that. The latency counts from when a request was handed to the
 * connection pool, so a wait for a free connection counts too.
 */
function startPaced(options: LoadOptions & { overallRate: number }): LoadRun {
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const verify = options.verifyBody ?? noGraphqlErrors;
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  const interval = 1000 / options.overallRate;
  const latencies: number[] = [];
  const counts = { non2xx: 0, errors: 0, timeouts: 0, graphqlErrors: 0 };
  const started = performance.now();
  const end = started + options.duration * 1000;
  let nextDue = started;
  let stopped = false;
  let stoppedAt = end;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    if (stopped && inFlight === 0) finish();
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stoppedAt = Math.min(performance.now(), end);
    clearTimeout(timer);
    settle();
  };
  const send = () => {
    inFlight++;
    const sentAt = performance.now();
    const body = options.body();
    let done = false;
    const complete = (outcome: keyof typeof counts | "ok") => {
      if (done) return;
      done = true;
      if (outcome === "ok" || outcome === "non2xx" || outcome === "graphqlErrors") latencies.push(performance.now() - sentAt);
      if (outcome !== "ok") counts[outcome]++;
      inFlight--;
      settle();
    };
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...options.headers },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) complete("non2xx");
          else complete(verify(Buffer.concat(chunks).toString("utf8")) ? "ok" : "graphqlErrors");
        });
        response.on("error", () => complete("errors"));
      },
    );
    request.on("timeout", () => {
      complete("timeouts");
      request.destroy();
    });
    request.on("error", () => complete("errors"));
    request.end(body);
  };
  const tick = () => {
    const now = performance.now();
    while (!stopped && nextDue <= now && nextDue < end) {
      send();
      nextDue += interval;
    }
    if (nextDue >= end) return stop();
    if (!stopped) timer = setTimeout(tick, Math.max(0, nextDue - performance.now()));
  };
  tick();
  const result = finished.then((): LoadResult => {
    agent.destroy();
    const sorted = latencies.sort((a, b) => a - b);
    const seconds = Math.max((stoppedAt - started) / 1000, 1e-3);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      reqPerSec: latencies.length / seconds,
      p50Ms: round(quantile(sorted, 0.5)),
      p99Ms: round(quantile(sorted, 0.99)),
      avgMs: round(sorted.reduce((sum, ms) => sum + ms, 0) / Math.max(sorted.length, 1)),
      maxMs: round(sorted[sorted.length - 1] ?? 0),
      requests: latencies.length,
      ...counts,
    };
  });
  return { stop, then: (resolve, reject) => result.then(resolve, reject) };
}

function summarise(result: autocannon.Result): LoadResult {
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
  return await startLoad(options);
}

/**
 * One run of `warmupSeconds + duration` without a pause between the two, for work that must not
 * start from empty (logins queue for the thread pool; a gap would also leave requests of the
 * warm-up in flight when the next run starts). reqPerSec counts only the seconds after the
 * warm-up; the latencies are the whole run's.
 */
export async function loadSteady(options: LoadOptions, warmupSeconds: number): Promise<LoadResult> {
  const run = startAutocannon({ ...options, duration: warmupSeconds + options.duration });
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
