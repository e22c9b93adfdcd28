// `npm run bench`: Konto against a hand-written floor server on the same seeded database.
//
// 1. creates its own database konto_bench_<pid>, seeds BENCH_CUSTOMERS customers (default 2000);
// 2. starts Konto (`node dist/src/main.js`, production settings) and the floor (floor.ts) as
//    child processes;
// 3. checks that both answer the two operations of queries.ts with the same JSON;
// 4. loads each server in turn with autocannon (warm-up, then BENCH_DURATION seconds);
// 5. prints req/s, latencies, SQL statements per request and Konto's memory, and writes
//    bench-results.json in the working directory.
// The database and the Redis keys of its queue prefix are removed at the end, also on failure.
//
// Environment: BENCH_CUSTOMERS (2000), BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3),
// BENCH_CONNECTIONS (20), BENCH_PARITY_SAMPLES (20), BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306),
// REDIS_URL (redis://127.0.0.1:6379), DATABASE_POOL_SIZE (Konto's default, 10), GRAPHQL_MAX_COST
// for Konto (100000 here: the ResellerPage document is over the default limit of 20000).
// Besides seedDemoData's rows the bench adds a few email verifications (see seed()).

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { loadConfig } from "../../src/config";
import { dropDatabase, openDatabase } from "../../src/platform/db";
import { createLogger } from "../../src/platform/logger";
import { seedDemoData } from "../../src/seed/demo-data";
import { Child, isRunning, memoryOf, startChild, stopChild } from "./children";
import { firstDifference, firstTextDifference } from "./parity";
import {
  DASHBOARD,
  DashboardVariables,
  OperationName,
  RESELLER_PAGE,
  ResellerPageVariables,
  Variables,
  globalId,
  requestBody,
} from "./queries";

// ---- settings

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}

const ROOT = path.resolve(__dirname, "../../..");
const CUSTOMERS = positiveInt("BENCH_CUSTOMERS", 2000);
const DURATION = positiveInt("BENCH_DURATION", 10);
const WARMUP = positiveInt("BENCH_WARMUP", 3);
const CONNECTIONS = positiveInt("BENCH_CONNECTIONS", 20);
const PARITY_SAMPLES = positiveInt("BENCH_PARITY_SAMPLES", 20);
const SQL_SAMPLES = 5;
const MYSQL_SERVER = (process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306").replace(/\/+$/, "");
const REDIS_URL = process.env.REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const NAME = `konto_bench_${process.pid}`;
const DATABASE_URL = `${MYSQL_SERVER}/${NAME}`;
const QUEUE_PREFIX = NAME;

const OPERATIONS: OperationName[] = [DASHBOARD, RESELLER_PAGE];

const log = (message: string) => console.log(`[bench] ${message}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

// ---- what the load picks from

interface Targets {
  customerIds: number[];
  /** Per reseller with customers: the cursors a page may start at (null = first page). */
  resellerCursors: { id: string; cursors: (string | null)[] }[];
}

function randomVariables(op: OperationName, targets: Targets): Variables {
  if (op === DASHBOARD) return { id: globalId("Customer", pick(targets.customerIds)) } satisfies DashboardVariables;
  const reseller = pick(targets.resellerCursors);
  return { id: reseller.id, after: pick(reseller.cursors) } satisfies ResellerPageVariables;
}

// ---- HTTP

interface Answer {
  status: number;
  text: string;
  json: any;
  sqlStatements: number | undefined;
}

async function post(url: string, op: OperationName, variables: Variables): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: requestBody(op, variables),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const sql = response.headers.get("x-sql-statements");
  return { status: response.status, text, json, sqlStatements: sql === null ? undefined : Number(sql) };
}

/** A 200 with data and without errors, or an error naming the request. */
function expectData(server: string, op: OperationName, variables: Variables, answer: Answer): any {
  if (answer.status !== 200 || !answer.json?.data || answer.json.errors) {
    throw new Error(`${server} answered ${op} ${JSON.stringify(variables)} with ${answer.status}: ${answer.text.slice(0, 1000)}`);
  }
  return answer.json.data;
}

/** Walks every reseller's customer pages once through Konto to learn the valid start cursors. */
async function resellerCursors(konto: Child, resellerIds: number[]): Promise<Targets["resellerCursors"]> {
  const result: Targets["resellerCursors"] = [];
  for (const dbId of resellerIds) {
    const id = globalId("Reseller", dbId);
    const cursors: (string | null)[] = [null];
    for (let after: string | null = null; ; ) {
      const variables: ResellerPageVariables = { id, after };
      const data = expectData("konto", RESELLER_PAGE, variables, await post(konto.url, RESELLER_PAGE, variables));
      const pageInfo = data.node.customers.pageInfo;
      // Only cursors followed by a non-empty page, so that every request does the same work.
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor as string;
      cursors.push(after);
    }
    result.push({ id, cursors });
  }
  return result;
}

// ---- parity

async function checkParity(konto: Child, floor: Child, targets: Targets): Promise<void> {
  // Customers with email verifications (see seed()) are always among the Dashboard samples:
  // one with a pending and an expired one, one with a pending one only.
  const special = [
    targets.customerIds.filter((id) => id % 50 === 0),
    targets.customerIds.filter((id) => id % 10 === 0 && id % 50 !== 0),
  ];
  for (const op of OPERATIONS) {
    for (let i = 0; i < PARITY_SAMPLES; i++) {
      const variables =
        op === DASHBOARD && special[i]?.length ? { id: globalId("Customer", pick(special[i])) } : randomVariables(op, targets);
      const [k, f] = await Promise.all([post(konto.url, op, variables), post(floor.url, op, variables)]);
      expectData("konto", op, variables, k);
      expectData("floor", op, variables, f);
      const where = `${op} ${JSON.stringify(variables)}`;
      try {
        assert.deepStrictEqual(f.json, k.json);
      } catch (error) {
        const diff = firstDifference(k.json, f.json) ?? (error as Error).message.slice(0, 2000);
        throw new Error(`parity check failed: floor and Konto differ for ${where}\n  first difference: ${diff}`);
      }
      const textDiff = firstTextDifference(k.text, f.text);
      if (textDiff) {
        const keyOrder = firstDifference(k.json, f.json);
        throw new Error(`parity check failed: same JSON but different bytes for ${where}\n  ${keyOrder ?? textDiff}`);
      }
    }
    log(`parity ${op}: ${PARITY_SAMPLES} random requests, identical bytes`);
  }
}

/** SQL statements of a few requests per operation, as both servers report them. */
async function sqlStatements(server: Child, op: OperationName, targets: Targets): Promise<number[]> {
  const seen = new Set<number>();
  for (let i = 0; i < SQL_SAMPLES; i++) {
    const variables = randomVariables(op, targets);
    const answer = await post(server.url, op, variables);
    expectData(server.name, op, variables, answer);
    if (answer.sqlStatements === undefined) throw new Error(`${server.name} sent no x-sql-statements header`);
    seen.add(answer.sqlStatements);
  }
  return [...seen].sort((a, b) => a - b);
}

// ---- load

interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers whose body held GraphQL errors. */
  graphqlErrors: number;
}

async function load(server: Child, op: OperationName, targets: Targets, duration: number): Promise<LoadResult> {
  const origin = new URL(server.url);
  const result = await autocannon({
    url: origin.origin,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: "POST",
        path: origin.pathname,
        headers: { "content-type": "application/json" },
        // A fresh random request body for every request.
        setupRequest: (request) => ({ ...request, body: requestBody(op, randomVariables(op, targets)) }),
      },
    ],
    verifyBody: (body) => !body.includes('"errors":['),
  });
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    avgMs: result.latency.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors: result.mismatches,
  };
}

async function measure(server: Child, op: OperationName, targets: Targets): Promise<LoadResult> {
  if (!isRunning(server)) throw new Error(`${server.name} is not running any more; its output:\n${server.tail.join("\n")}`);
  await load(server, op, targets, WARMUP);
  const result = await load(server, op, targets, DURATION);
  if (interrupted) throw new Error("interrupted");
  log(
    `${op.padEnd(12)} ${server.name.padEnd(5)} ${result.reqPerSec.toFixed(1).padStart(8)} req/s  ` +
      `p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (${result.requests} requests)`,
  );
  return result;
}

// ---- report

interface OperationReport {
  konto: LoadResult;
  floor: LoadResult;
  kontoToFloor: number;
  sqlStatements: { konto: number[]; floor: number[] };
}

function problemsOf(name: string, op: string, r: LoadResult): string[] {
  const problems: string[] = [];
  if (r.non2xx) problems.push(`${op} ${name}: ${r.non2xx} non-2xx responses`);
  if (r.errors) problems.push(`${op} ${name}: ${r.errors} errors (${r.timeouts} timeouts)`);
  if (r.graphqlErrors) problems.push(`${op} ${name}: ${r.graphqlErrors} responses with GraphQL errors`);
  return problems;
}

function printReport(report: {
  operations: Record<string, OperationReport>;
  memory: { heapUsedMB: number; rssMB: number; beforeLoad: { heapUsedMB: number; rssMB: number } };
  machine: { cpu: string; cores: number; node: string; mariadb: string; date: string };
  setup: { customers: number; seedMs: number; counts: Record<string, number> };
}) {
  const num = (n: number, width: number, digits = 0) => n.toFixed(digits).padStart(width);
  const lines = [
    "",
    `Konto benchmark — ${report.machine.date}`,
    `machine: ${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}, MariaDB ${report.machine.mariadb}`,
    `data: ${Object.entries(report.setup.counts).map(([t, n]) => `${n} ${t}`).join(", ")}`,
    `      (seedDemoData in ${seconds(report.setup.seedMs)}; the email_verifications are added by the bench)`,
    `load: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per run, one server at a time`,
    "",
    "operation     konto req/s  p50 ms  p99 ms | floor req/s  p50 ms  p99 ms | konto/floor | SQL/req konto floor",
  ];
  for (const [op, r] of Object.entries(report.operations)) {
    lines.push(
      `${op.padEnd(13)}${num(r.konto.reqPerSec, 12, 1)}${num(r.konto.p50Ms, 8)}${num(r.konto.p99Ms, 8)} |` +
        `${num(r.floor.reqPerSec, 12, 1)}${num(r.floor.p50Ms, 8)}${num(r.floor.p99Ms, 8)} |` +
        `${`${(r.kontoToFloor * 100).toFixed(1)} %`.padStart(12)} |` +
        `${r.sqlStatements.konto.join("/").padStart(14)}${r.sqlStatements.floor.join("/").padStart(6)}`,
    );
  }
  const { memory } = report;
  lines.push(
    "",
    `konto after the runs: heap used ${memory.heapUsedMB} MB, rss ${memory.rssMB} MB ` +
      `(before the load: heap used ${memory.beforeLoad.heapUsedMB} MB, rss ${memory.beforeLoad.rssMB} MB)`,
    "",
  );
  console.log(lines.join("\n"));
}

// ---- setup and cleanup

async function removeQueuePrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  let removed = 0;
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) removed += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return removed;
}

const children: Child[] = [];
let cleanupPromise: Promise<void> | undefined;

/** Stops the children, drops the database, removes the queue keys; runs once, errors are printed. */
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    for (const child of children.reverse()) {
      const started = Date.now();
      const code = await stopChild(child).catch((error: Error) => `failed to stop: ${error.message}`);
      log(`${child.name} stopped in ${seconds(Date.now() - started)} (exit ${code})`);
      if (code !== 0) {
        console.error(`[bench] ${child.name} did not exit cleanly; its last output lines:`);
        for (const line of child.tail.slice(-5)) console.error(`  ${line.slice(0, 500)}`);
      }
    }
    await dropDatabase(DATABASE_URL).then(
      () => log(`database ${NAME} dropped`),
      (error: Error) => console.error(`[bench] could not drop database ${NAME}: ${error.message}`),
    );
    await removeQueuePrefix(QUEUE_PREFIX).then(
      (n) => log(`${n} redis keys of prefix ${QUEUE_PREFIX} removed`),
      (error: Error) => console.error(`[bench] could not remove redis keys of ${QUEUE_PREFIX}: ${error.message}`),
    );
  })();
  return cleanupPromise;
}

async function seed(): Promise<{ targets: Omit<Targets, "resellerCursors">; resellerIds: number[]; seedMs: number; counts: Record<string, number>; mariadb: string }> {
  const config = loadConfig({
    DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX,
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
    LOG_LEVEL: "warn",
  });
  const db = await openDatabase(config, createLogger("warn"));
  try {
    const started = Date.now();
    await seedDemoData(db, { customers: CUSTOMERS });
    const seedMs = Date.now() - started;
    // The demo data has no email changes in flight; add some so that pendingEmailVerifications
    // is not always empty: a pending one for every 10th customer, and for every 50th one that
    // is still PENDING but past its expiry (both servers must leave that one out).
    await db.query(
      `INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, status, expires_at, delivery_state)
       SELECT id, 'CUSTOMER_EMAIL', id, CONCAT('new.', id, '@example.com'), UNHEX(SHA2(CONCAT('bench-', id), 256)), 'PENDING',
              UTC_TIMESTAMP(3) + INTERVAL 7 DAY, 'SENT'
         FROM customers WHERE id % 10 = 0`,
    );
    await db.query(
      `INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, status, expires_at, delivery_state)
       SELECT id, 'CUSTOMER_EMAIL', id, CONCAT('old.', id, '@example.com'), UNHEX(SHA2(CONCAT('bench-expired-', id), 256)), 'PENDING',
              UTC_TIMESTAMP(3) - INTERVAL 1 DAY, 'SENT'
         FROM customers WHERE id % 50 = 0`,
    );
    const counts: Record<string, number> = {};
    for (const table of ["resellers", "customers", "contacts", "products", "invoices", "invoice_lines", "email_verifications"]) {
      const [row] = await db.query(`SELECT COUNT(*) AS n FROM ${table}`);
      counts[table] = Number(row.n);
    }
    const customerIds = ((await db.query("SELECT id FROM customers ORDER BY id")) as { id: number }[]).map((r) => Number(r.id));
    const resellerIds = (
      (await db.query("SELECT DISTINCT reseller_id AS id FROM customers WHERE reseller_id IS NOT NULL ORDER BY reseller_id")) as { id: number }[]
    ).map((r) => Number(r.id));
    const [version] = await db.query("SELECT VERSION() AS v");
    return { targets: { customerIds }, resellerIds, seedMs, counts, mariadb: String(version.v) };
  } finally {
    await db.destroy();
  }
}

// ---- main

async function main(): Promise<number> {
  log(`database ${NAME}, ${CUSTOMERS} customers, ${DURATION} s per run, ${CONNECTIONS} connections`);
  const seeded = await seed();
  log(`seeded in ${seconds(seeded.seedMs)}: ${JSON.stringify(seeded.counts)}`);
  if (!seeded.targets.customerIds.length) throw new Error("the seeder made no customers");
  if (!seeded.resellerIds.length) throw new Error("the seeder made no customers with a reseller; ResellerPage needs some");

  const kontoEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX,
    SEED: "none",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    EXPOSE_SQL_COUNT: "true",
    PUBLIC_URL: "http://127.0.0.1",
    SMTP_URL: "smtp://127.0.0.1:2525",
    WORKERS_IN_PROCESS: "true",
    // The ResellerPage document costs 49,760 by graphql-armor's estimate (first: 50 × first: 10),
    // over the default limit of 20,000, which would refuse it; a provider serving such a page
    // has to raise the limit the same way.
    GRAPHQL_MAX_COST: process.env.GRAPHQL_MAX_COST ?? "100000",
  };
  const poolSize = loadConfig(kontoEnv).databasePoolSize;
  const konto = await startChild("konto", path.join(ROOT, "dist/src/main.js"), kontoEnv, "konto listening", ROOT);
  children.push(konto);
  log(`konto listening at ${konto.url} (pid ${konto.proc.pid})`);
  const floor = await startChild(
    "floor",
    path.join(__dirname, "floor.js"),
    { ...process.env, DATABASE_URL, FLOOR_POOL_SIZE: String(poolSize), PORT: "0", HOST: "127.0.0.1" },
    "floor listening",
    ROOT,
  );
  children.push(floor);
  log(`floor listening at ${floor.url} (pid ${floor.proc.pid}), pool size ${poolSize} like Konto`);

  const walkStarted = Date.now();
  const targets: Targets = { ...seeded.targets, resellerCursors: await resellerCursors(konto, seeded.resellerIds) };
  const pages = targets.resellerCursors.reduce((n, r) => n + r.cursors.length, 0);
  log(`${targets.resellerCursors.length} resellers, ${pages} start cursors (walked in ${seconds(Date.now() - walkStarted)})`);

  await checkParity(konto, floor, targets);

  const sql: Record<string, { konto: number[]; floor: number[] }> = {};
  for (const op of OPERATIONS) {
    sql[op] = { konto: await sqlStatements(konto, op, targets), floor: await sqlStatements(floor, op, targets) };
    log(`SQL statements per ${op}: konto ${sql[op].konto.join(", ")}, floor ${sql[op].floor.join(", ")}`);
  }

  const before = await memoryOf(konto);
  log(`konto before the load: heap used ${mb(before.heapUsed)} MB, rss ${mb(before.rss)} MB`);

  const operations: Record<string, OperationReport> = {};
  for (const op of OPERATIONS) {
    const kontoResult = await measure(konto, op, targets);
    const floorResult = await measure(floor, op, targets);
    operations[op] = {
      konto: kontoResult,
      floor: floorResult,
      kontoToFloor: floorResult.reqPerSec ? kontoResult.reqPerSec / floorResult.reqPerSec : 0,
      sqlStatements: sql[op],
    };
  }

  const memory = await memoryOf(konto);
  const cpus = os.cpus();
  const report = {
    operations,
    memory: {
      heapUsedMB: mb(memory.heapUsed),
      rssMB: mb(memory.rss),
      heapTotalMB: mb(memory.heapTotal),
      externalMB: mb(memory.external),
      beforeLoad: { heapUsedMB: mb(before.heapUsed), rssMB: mb(before.rss) },
    },
    machine: {
      cpu: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      memoryGB: Math.round(os.totalmem() / 1024 ** 3),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      mariadb: seeded.mariadb,
      date: new Date().toISOString(),
    },
    setup: { customers: CUSTOMERS, seedMs: seeded.seedMs, counts: seeded.counts, poolSize },
    load: { connections: CONNECTIONS, warmupSeconds: WARMUP, durationSeconds: DURATION },
  };
  printReport(report);

  const problems = Object.entries(operations).flatMap(([op, r]) => [...problemsOf("konto", op, r.konto), ...problemsOf("floor", op, r.floor)]);
  for (const [op, s] of Object.entries(sql)) {
    if (s.konto.length !== 1) problems.push(`${op}: Konto's SQL statements per request vary: ${s.konto.join(", ")}`);
  }
  const kontoWarnings = konto.warnings.length;
  if (kontoWarnings) {
    log(`konto logged ${kontoWarnings} warnings or errors; the first ones:`);
    for (const line of konto.warnings.slice(0, 10)) console.log(`  ${line.slice(0, 500)}`);
  }
  if (floor.warnings.length) {
    log(`floor wrote ${floor.warnings.length} error lines; the first ones:`);
    for (const line of floor.warnings.slice(0, 10)) console.log(`  ${line.slice(0, 500)}`);
  }

  const file = path.resolve("bench-results.json");
  writeFileSync(file, JSON.stringify({ ...report, problems, kontoWarnings }, null, 2) + "\n");
  log(`results written to ${file}`);

  if (problems.length) {
    console.error(`\n[bench] the measurements are not clean:\n  ${problems.join("\n  ")}`);
    return 1;
  }
  return 0;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[bench] ${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((error: Error) => {
    console.error(`\n[bench] failed: ${error.stack ?? error.message}`);
    for (const child of children) {
      if (!child.warnings.length) continue;
      console.error(`[bench] ${child.name} logged ${child.warnings.length} warnings or errors; the last ones:`);
      for (const line of child.warnings.slice(-10)) console.error(`  ${line.slice(0, 2000)}`);
    }
    return 1;
  })
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
