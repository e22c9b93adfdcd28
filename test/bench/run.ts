// `npm run bench`: every workload of Konto against its own floor, measured in the same run in
// alternating rounds (Konto, floor, Konto, floor, …), the median of the rounds' ratios counting:
//
// reads (issues 9 and 25): creates its own database konto_bench_<pid>, seeds BENCH_CUSTOMERS
//   customers (default 2000); starts Konto (`node dist/src/main.js`, production settings) and the
//   floor (floor.ts) as child processes; checks that both answer the two operations of queries.ts
//   with the same bytes; loads each in turn with autocannon; measures Konto's heap after a full GC
//   across three more runs, the SQL statements of a customers page of 5 and of 50, each
//   performance lever switched off (PERF_LEVERS_OFF), tracing on, and what the revocation check
//   and tracing when off cost (each against a Konto without it: REVOCATION_CHECK=off, and a copy
//   of the build with tracing compiled out, without-tracing.ts);
// login (login-storm.ts): authLogin under 20 clients against bare scrypt verifications
//   (scrypt-floor.ts) with Konto's thread-pool size, then the Dashboard p99 at half that rate;
// mutation (mutation.ts): contactUpdate with a new email against a mysql2 floor writing the same
//   rows (mutation-floor.ts);
// fanout (fanout.ts): maintenanceAnnounce for BENCH_FANOUT_CUSTOMERS customers with 2 technical
//   contacts each on a second database, under Dashboard load, then against a raw pooled nodemailer
//   blast of the same messages (mail-blast.ts) in alternating rounds;
// invoice-run (invoice-run.ts): 10,000 invoices issued and emailed with their PDFs on a third
//   database, against the PDF-only render rate.
// It prints the figures and every target of issue 25 with PASS, MISS or not measured, with its
// rounds, and writes bench-results.json (with the load average: the machine may be shared).
// Konto runs with NODE_ENV=production, keys generated for the run, and the reads signed in as a
// staff ADMIN created in each database (staff.ts); the floors have no logins. The databases and
// the Redis keys of their queue prefixes are removed at the end, also on failure.
//
// Environment: BENCH_ONLY (reads, login, mutation, fanout, invoice-run; comma-separated; all by
// default), BENCH_CUSTOMERS (2000), BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3),
// BENCH_CONNECTIONS (20), BENCH_ROUNDS (5), BENCH_PARITY_SAMPLES (20), BENCH_MYSQL_URL
// (mysql://root@127.0.0.1:3306), REDIS_URL (redis://127.0.0.1:6379), DATABASE_POOL_SIZE (Konto's
// default, 10), GRAPHQL_MAX_COST for Konto (100000 here: the ResellerPage document is over the
// default limit of 20000), NOTICE_CONCURRENCY (Konto's default); BENCH_LEVERS=0 skips the
// lever-off runs, BENCH_TELEMETRY_ROUNDS=0 the tracing runs (off ÷ on, and off against compiled
// out), BENCH_REVOCATION_ROUNDS (9; 0
// skips) the revocation-check runs (Konto with and without REVOCATION_CHECK, a pair started for
// each round, and the floor, taking turns), BENCH_TRACING_OFF_ROUNDS (9; 0 skips) those of
// tracing when off, BENCH_CHECK_SLICES (4) the turns each server takes in a round of those two;
// BENCH_LOGIN_USERS (2000), BENCH_LOGIN_CONNECTIONS (20), BENCH_LOGIN_ROUNDS and
// BENCH_MUTATION_ROUNDS (BENCH_ROUNDS; 0 skips); BENCH_BASELINE_DIST (another build's dist/,
// measured in the rounds of the reads and the mutation too); for the fan-out BENCH_FANOUT_CUSTOMERS (10000; 0 skips
// it), BENCH_FANOUT_CONNECTIONS for the Dashboard meanwhile (10; 0: no Dashboard load),
// BENCH_FANOUT_RATE Dashboard requests per second over those connections (100: portals polling,
// the same offered load idle and during the fan-out, so that p99 compares like with like; 0:
// unlimited), BENCH_FANOUT_IDLE seconds of the Dashboard without a fan-out (5),
// BENCH_FANOUT_TIMEOUT seconds (300), BENCH_FANOUT_ROUNDS (BENCH_ROUNDS: rounds against the raw
// blast); for the invoice run BENCH_INVOICE_RUN_INVOICES (10000; 0 skips it),
// BENCH_INVOICE_RUN_TIMEOUT seconds (1800); BENCH_CPU_PROF=<dir> for CPU profiles of the Konto
// children (children.ts).
// Besides seedDemoData's rows the bench adds a few email verifications (see seed()).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { LEVERS, Lever, loadConfig } from "../../src/config";
import { openDatabase } from "../../src/database";
import { dropDatabase } from "../../src/platform/db";
import { createLogger } from "../../src/platform/logger";
import { seedDemoData } from "../../src/seed/demo-data";
import { Child, isRunning, memoryOf, startChild, stopChild } from "./children";
import { FanoutReport, fanoutLines, runFanout } from "./fanout";
import { InvoiceRunReport, invoiceRunLines, runInvoiceRun } from "./invoice-run";
import { LoadResult, load as loadRun, problemsOf } from "./load";
import { firstDifference, firstTextDifference } from "./parity";
import { PRODUCTION_SELLER } from "../support/harness";
import { configurePasswordHashing } from "../../src/access/passwords";
import { threadPoolSize } from "../../src/platform/thread-pool";
import { LoginStormReport, loginStormLines, runLoginStorm } from "./login-storm";
import { MutationReport, mutationLines, runMutation } from "./mutation";
import { SmtpSink } from "./smtp-sink";
import { median } from "./stats";
import { buildWithoutTracing } from "./without-tracing";
import { startNodeFlags } from "../support/node-flags";
import { StaffLogin, createStaffUser, logIn, signingKeyPem, staffLogin } from "./staff";
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

function nonNegativeInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === "0") return 0;
  return positiveInt(name, fallback);
}

const ROOT = path.resolve(__dirname, "../../..");
const CUSTOMERS = positiveInt("BENCH_CUSTOMERS", 2000);
const DURATION = positiveInt("BENCH_DURATION", 10);
const WARMUP = positiveInt("BENCH_WARMUP", 3);
const CONNECTIONS = positiveInt("BENCH_CONNECTIONS", 20);
const ROUNDS = positiveInt("BENCH_ROUNDS", 5);
const TELEMETRY_ROUNDS = process.env.BENCH_TELEMETRY_ROUNDS === "0" ? 0 : ROUNDS;
const PARITY_SAMPLES = positiveInt("BENCH_PARITY_SAMPLES", 20);
const SQL_SAMPLES = 5;
const MYSQL_SERVER = (process.env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306").replace(/\/+$/, "");
const REDIS_URL = process.env.REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const NAME = `konto_bench_${process.pid}`;
const DATABASE_URL = `${MYSQL_SERVER}/${NAME}`;
const QUEUE_PREFIX = NAME;
const FANOUT_CUSTOMERS = nonNegativeInt("BENCH_FANOUT_CUSTOMERS", 10_000);
const FANOUT_CONNECTIONS = nonNegativeInt("BENCH_FANOUT_CONNECTIONS", 10);
const FANOUT_RATE = nonNegativeInt("BENCH_FANOUT_RATE", 100);
const FANOUT_IDLE = positiveInt("BENCH_FANOUT_IDLE", 5);
const FANOUT_TIMEOUT = positiveInt("BENCH_FANOUT_TIMEOUT", 300);
const FANOUT_STALL_MS = 60_000;
const FANOUT_NAME = `${NAME}_fanout`;
const FANOUT_DATABASE_URL = `${MYSQL_SERVER}/${FANOUT_NAME}`;
const FANOUT_QUEUE_PREFIX = FANOUT_NAME;
const INVOICE_RUN_INVOICES = nonNegativeInt("BENCH_INVOICE_RUN_INVOICES", 10_000);
const INVOICE_RUN_TIMEOUT = positiveInt("BENCH_INVOICE_RUN_TIMEOUT", 1800);
const INVOICE_RUN_NAME = `${NAME}_invoice_run`;
const INVOICE_RUN_DATABASE_URL = `${MYSQL_SERVER}/${INVOICE_RUN_NAME}`;
/** The workloads; BENCH_ONLY (a comma-separated list of them) runs only those, each with what it needs. */
const WORKLOADS = ["reads", "login", "mutation", "fanout", "invoice-run"] as const;
type Workload = (typeof WORKLOADS)[number];
const ONLY: ReadonlySet<Workload> = (() => {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return new Set(WORKLOADS);
  const names = raw.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`BENCH_ONLY takes ${WORKLOADS.join(", ")} (comma-separated); got "${unknown.join(", ")}"`);
  return new Set(names as Workload[]);
})();
const runs = (workload: Workload) => ONLY.has(workload);
const LOGIN_USERS = positiveInt("BENCH_LOGIN_USERS", 2000);
const LOGIN_CONNECTIONS = positiveInt("BENCH_LOGIN_CONNECTIONS", 20);
const LOGIN_ROUNDS = nonNegativeInt("BENCH_LOGIN_ROUNDS", ROUNDS);
const MUTATION_ROUNDS = nonNegativeInt("BENCH_MUTATION_ROUNDS", ROUNDS);
const FANOUT_ROUNDS = nonNegativeInt("BENCH_FANOUT_ROUNDS", ROUNDS);
/** Another build's dist/ (e.g. of the commit before an optimisation), measured in the mutation's rounds too. */
const BASELINE_DIST = process.env.BENCH_BASELINE_DIST?.trim() || null;

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

/** Request headers per server: Konto's staff token; the floor needs none. */
const serverHeaders = new Map<Child, Record<string, string>>();
const headersOf = (server: Child) => serverHeaders.get(server) ?? {};

async function post(server: Child, op: OperationName, variables: Variables): Promise<Answer> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headersOf(server) },
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
    for (let after: string | null = null; ;) {
      const variables: ResellerPageVariables = { id, after };
      const data = expectData("konto", RESELLER_PAGE, variables, await post(konto, RESELLER_PAGE, variables));
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
  const special = [targets.customerIds.filter((id) => id % 50 === 0), targets.customerIds.filter((id) => id % 10 === 0 && id % 50 !== 0)];
  for (const op of OPERATIONS) {
    for (let i = 0; i < PARITY_SAMPLES; i++) {
      const variables =
        op === DASHBOARD && special[i]?.length ? { id: globalId("Customer", pick(special[i])) } : randomVariables(op, targets);
      const [k, f] = await Promise.all([post(konto, op, variables), post(floor, op, variables)]);
      expectData("konto", op, variables, k);
      expectData("floor", op, variables, f);
      const where = `${op} ${JSON.stringify(variables)}`;
      try {
        assert.deepStrictEqual(f.json, k.json);
      } catch (error) {
        const diff = firstDifference(k.json, f.json) ?? (error as Error).message.slice(0, 2000);
        throw new Error(`parity check failed: floor and Konto differ for ${where}\n  first difference: ${diff}`, { cause: error });
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
    const answer = await post(server, op, variables);
    expectData(server.name, op, variables, answer);
    if (answer.sqlStatements === undefined) throw new Error(`${server.name} sent no x-sql-statements header`);
    seen.add(answer.sqlStatements);
  }
  return [...seen].sort((a, b) => a - b);
}

// ---- load

function load(server: Child, op: OperationName, targets: Targets, duration: number): Promise<LoadResult> {
  return loadRun({
    url: server.url,
    connections: CONNECTIONS,
    duration,
    headers: headersOf(server),
    body: () => requestBody(op, randomVariables(op, targets)),
  });
}

/** Refuses to load a server that has exited, with the last lines it wrote. */
function assertRunning(server: Child): void {
  if (!isRunning(server)) throw new Error(`${server.name} is not running any more; its output:\n${server.tail.join("\n")}`);
}

async function measure(server: Child, op: OperationName, targets: Targets, warmUp = true): Promise<LoadResult> {
  assertRunning(server);
  if (warmUp) await load(server, op, targets, WARMUP);
  const result = await load(server, op, targets, DURATION);
  if (interrupted) throw new Error("interrupted");
  log(
    `${op.padEnd(12)} ${server.name.padEnd(5)} ${result.reqPerSec.toFixed(1).padStart(8)} req/s  ` +
      `p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  (${result.requests} requests)`,
  );
  return result;
}

// ---- memory across runs, SQL by page size, levers

const HEAP_RUNS = 3;

/** Heap after a full GC following each of three back-to-back ResellerPage runs. */
async function heapAcrossRuns(konto: Child, targets: Targets): Promise<number[]> {
  const heaps: number[] = [];
  for (let run = 1; run <= HEAP_RUNS; run++) {
    await load(konto, RESELLER_PAGE, targets, DURATION);
    heaps.push(mb((await memoryOf(konto, 10_000, true)).heapUsed));
    log(`heap after run ${run} of ${HEAP_RUNS} (after a full GC): ${heaps[heaps.length - 1]} MB`);
  }
  return heaps;
}

const CUSTOMER_PAGE = `query Sizes($first: Int!) { customers(first: $first) { nodes { id contacts { id } products(first: 10) { nodes { id } } } } }`;

/** Statements for a page of 5 and of 50 customers with two nested lists: 1 for the root plus 1 per list. */
async function sqlByPageSize(konto: Child): Promise<Record<number, number>> {
  const result: Record<number, number> = {};
  for (const first of [5, 50]) {
    const response = await fetch(konto.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headersOf(konto) },
      body: JSON.stringify({ query: CUSTOMER_PAGE, variables: { first } }),
    });
    const json = (await response.json()) as { data?: { customers: { nodes: unknown[] } }; errors?: unknown };
    if (json.errors || json.data?.customers.nodes.length !== first)
      throw new Error(`customers(first: ${first}) failed: ${JSON.stringify(json).slice(0, 500)}`);
    result[first] = Number(response.headers.get("x-sql-statements"));
  }
  return result;
}

/** The levers with an off switch (PERF_LEVERS_OFF); BENCH_LEVERS=0 skips their runs. */
const LEVERS_MEASURED: readonly Lever[] = process.env.BENCH_LEVERS === "0" ? [] : LEVERS;

/**
 * What one lever gains: per operation, req/s with every lever on divided by req/s with this one
 * off, from ROUNDS alternating runs of the two servers (on, off, on, off, …), so that the
 * machine's drift hits both alike. `noise` is the spread of the all-on ratio to the floor over the
 * main rounds: a gain below it is not shown to be one.
 */
interface LeverReport {
  lever: Lever;
  gains: Record<string, { median: number; rounds: number[] }>;
}

/**
 * What a check costs: per operation and round, Konto with the check, a Konto without it and the
 * floor take turns (ratesInTurns); the drop is (without − with) ÷ floor, the read ratio the check
 * takes away. The median of the rounds counts. Measured for the revocation check (issue 16;
 * without it: REVOCATION_CHECK=off) and for tracing when off (issues 22 and 25; without it: the
 * same build with tracing compiled out, see without-tracing.ts).
 */
interface CheckCostReport {
  drops: Record<string, { median: number; rounds: number[] }>;
}

// Nine rounds, not five: a drop is the difference of two ratios that each move by ±0.1 from round
// to round, so a median of five against a limit of 0.05 was decided by chance (nearly one build
// measured 0.104 over five rounds and −0.012 over nine, on the same machine within 20 minutes).
const REVOCATION_ROUNDS = nonNegativeInt("BENCH_REVOCATION_ROUNDS", 9);
/** Tracing when off against the build without it: as many rounds, for the same reason (0 skips). */
const TRACING_OFF_ROUNDS = nonNegativeInt("BENCH_TRACING_OFF_ROUNDS", 9);
/** The turns of a check's round: each server runs BENCH_DURATION ÷ this many seconds per turn. */
const CHECK_SLICES = positiveInt("BENCH_CHECK_SLICES", 4);

/**
 * Requests per second of each server over one round in which they take turns: CHECK_SLICES turns
 * each of DURATION ÷ CHECK_SLICES seconds, the order rotating, so that a change in the machine's
 * speed within the round falls on every server alike. With one run of DURATION each, a slow
 * stretch of a few seconds fell on one of them and moved a round's drop by up to 0.2 (2026-11-29).
 */
async function ratesInTurns(servers: Child[], op: OperationName, targets: Targets, warmUp: Child[]): Promise<number[]> {
  for (const server of warmUp) await load(server, op, targets, WARMUP);
  const turnSeconds = DURATION / CHECK_SLICES;
  const requests = servers.map(() => 0);
  for (let slice = 0; slice < CHECK_SLICES; slice++)
    for (let turn = 0; turn < servers.length; turn++) {
      const index = (slice + turn) % servers.length;
      const server = servers[index];
      assertRunning(server);
      requests[index] += (await load(server, op, targets, turnSeconds)).requests;
      if (interrupted) throw new Error("interrupted");
    }
  const rates = requests.map((n) => n / DURATION);
  log(
    `${op.padEnd(12)} ${servers.map((server, i) => `${server.name} ${rates[i].toFixed(1)}`).join(", ")} req/s (${CHECK_SLICES} turns each)`,
  );
  return rates;
}

async function measureCheckCost(
  check: string,
  without: { script: string; env: NodeJS.ProcessEnv },
  withCheck: { env: NodeJS.ProcessEnv },
  floor: Child,
  staff: StaffLogin,
  targets: Targets,
  roundsPerOperation: number,
): Promise<CheckCostReport> {
  // Every round starts its own pair of Konto processes, so that only the check differs: a
  // long-lived process had slow stretches a fresh one did not have, and one pair kept for every
  // round carried one process's luck into all of them (2026-11-29: the process with tracing when
  // off slower in eight of nine reseller-page rounds, its p99 higher in seven, the Dashboard even).
  const name = check.replace(/\W+/g, "-");
  const drops: CheckCostReport["drops"] = {};
  for (const op of OPERATIONS) {
    const rounds: number[] = [];
    for (let round = 0; round < roundsPerOperation; round++) {
      const checked = await startKonto(`konto-with-${name}`, withCheck.env, { staff });
      const unchecked = await startKonto(`konto-without-${name}`, without.env, { main: without.script, staff });
      try {
        // Every other round the two swap places, so that neither always follows the other.
        const kontos = round % 2 === 1 ? [unchecked, checked] : [checked, unchecked];
        const [first, second, floorRate] = await ratesInTurns([...kontos, floor], op, targets, kontos);
        const [withRate, withoutRate] = round % 2 === 1 ? [second, first] : [first, second];
        rounds.push(floorRate ? (withoutRate - withRate) / floorRate : 0);
      } finally {
        await stop(checked);
        await stop(unchecked);
      }
    }
    drops[op] = { median: median(rounds), rounds };
    log(`${check}, ${op}: drop of the read ratio by round ${rounds.map((r) => r.toFixed(3)).join(", ")}`);
  }
  return { drops };
}

// ---- the issue's targets

interface TargetResult {
  target: string;
  measured: string;
  /** null: not measured by this run, or not measurable (said in `measured`). */
  pass: boolean | null;
  /** The rounds the measured median was taken from. */
  rounds?: number[];
}

const fixed = (values: number[], digits = 2) => values.map((v) => v.toFixed(digits)).join(", ");

/** The memory, reads and checks' reports of the read benchmark. */
interface ReadsReport {
  operations: Record<string, OperationReport>;
  memory: { heapUsedMB: number; rssMB: number; heapTotalMB: number; externalMB: number; beforeLoad: { heapUsedMB: number; rssMB: number } };
  heapRuns: number[];
  sqlBySize: Record<number, number>;
  leverRuns: LeverReport[];
  telemetryRuns: Record<string, { median: number; rounds: number[] }>;
  revocation: CheckCostReport | null;
  tracingOff: CheckCostReport | null;
}

interface BenchReport {
  reads: ReadsReport | null;
  loginStorm: LoginStormReport | null;
  mutation: MutationReport | null;
  fanout: FanoutReport | null;
  invoiceRun: InvoiceRunReport | null;
}

/** Issue 25's targets (with issue 9's that still hold), each PASS, MISS or not measured, with its rounds. */
function targetLines(report: BenchReport): { lines: string[]; results: TargetResult[] } {
  const results: TargetResult[] = [];
  const add = (target: string, measured: string, pass: boolean | null, rounds?: number[]) =>
    results.push({ target, measured, pass, rounds });
  const reads = report.reads;
  if (reads) {
    const ratio = (op: string) => reads.operations[op].kontoToFloor;
    const rounds = (op: string) => reads.operations[op].rounds;
    const p99 = median(reads.operations[DASHBOARD].p99Rounds);
    add(
      "1. Dashboard req/s ≥ 0.75× floor",
      `${ratio(DASHBOARD).toFixed(2)}× (median of ${fixed(rounds(DASHBOARD))})`,
      ratio(DASHBOARD) >= 0.75,
      rounds(DASHBOARD),
    );
    add(
      "1. Dashboard p99 ≤ 1.5× floor p99",
      `${p99.toFixed(2)}× (median of ${fixed(reads.operations[DASHBOARD].p99Rounds)})`,
      p99 <= 1.5,
      reads.operations[DASHBOARD].p99Rounds,
    );
    add(
      "1. ResellerPage req/s ≥ 0.75× floor",
      `${ratio(RESELLER_PAGE).toFixed(2)}× (median of ${fixed(rounds(RESELLER_PAGE))})`,
      ratio(RESELLER_PAGE) >= 0.75,
      rounds(RESELLER_PAGE),
    );
    const constantSql = Object.values(reads.operations).every((r) => r.sqlStatements.konto.length === 1);
    add(
      "(issue 9) SQL per request constant (page 5 = page 50 = 1 + 1 per list)",
      `first 5: ${reads.sqlBySize[5]}, first 50: ${reads.sqlBySize[50]}; per operation constant: ${constantSql ? "yes" : "no"}`,
      constantSql && reads.sqlBySize[5] === 3 && reads.sqlBySize[50] === 3,
    );
    add("2. RSS after the load ≤ 300 MB", `${reads.memory.rssMB} MB`, reads.memory.rssMB <= 300);
    const heapGrowth = reads.heapRuns[reads.heapRuns.length - 1] - reads.heapRuns[0];
    add(
      `2. heap after GC stable across ${HEAP_RUNS} runs`,
      `${reads.heapRuns.join(" → ")} MB`,
      // Allocation noise of a few MB is not growth.
      heapGrowth <= Math.max(5, reads.heapRuns[0] * 0.05),
      reads.heapRuns,
    );
    for (const [check, cost, skipped] of [
      ["the revocation check", reads.revocation, "BENCH_REVOCATION_ROUNDS=0"],
      ["tracing when off", reads.tracingOff, "BENCH_TELEMETRY_ROUNDS=0 or BENCH_TRACING_OFF_ROUNDS=0"],
    ] as const) {
      if (!cost) add(`3. ${check} costs ≤ 0.05 of the ratio`, `not measured (${skipped})`, null);
      else
        for (const [op, { median: drop, rounds: r }] of Object.entries(cost.drops))
          add(`3. ${op}: ${check} costs ≤ 0.05 of the ratio`, `${drop.toFixed(3)} (median of ${fixed(r, 3)})`, drop <= 0.05, r);
    }
  } else add("1.–3. reads, memory, revocation check", "not measured (BENCH_ONLY without reads)", null);
  add(
    "3. the authentication level (acr / enrolment hold) costs ≤ 0.05",
    "not measurable: no switch (one property read per guarded field, from the token's claims; see README)",
    null,
  );
  const login = report.loginStorm;
  if (login) {
    const r = login.rounds.map((x) => x.ratio);
    add("4. logins/s (20 clients) ≥ 0.8× bare scrypt", `${login.ratio.toFixed(2)}× (median of ${fixed(r)})`, login.ratio >= 0.8, r);
    if (login.halfLoad) {
      const half = login.halfLoad.rounds.map((x) => x.p99Ratio);
      add(
        "4. Dashboard p99 at half the login limit ≤ 2× idle",
        `${login.halfLoad.p99Ratio.toFixed(2)}× (median of ${fixed(half)})`,
        login.halfLoad.p99Ratio <= 2,
        half,
      );
    }
  } else add("4. login storm", "not measured", null);
  const mutation = report.mutation;
  if (mutation) {
    const r = mutation.rounds.map((x) => x.ratio);
    add(
      "5. contactUpdate (email) ≥ 0.5× mysql2 floor",
      `${mutation.ratio.toFixed(2)}× (median of ${fixed(r)}); rows ${mutation.rowCheck.alike ? "alike" : "DIFFER"}`,
      mutation.ratio >= 0.5 && mutation.rowCheck.alike,
      r,
    );
  } else add("5. contactUpdate ≥ 0.5× floor", "not measured", null);
  const fan = report.fanout;
  if (fan) {
    const r = fan.rounds.map((x) => x.ratio);
    add(
      "6. 20,000 notices ≥ 0.7× raw pooled nodemailer blast",
      fan.ratio === null
        ? "no rounds (BENCH_FANOUT_ROUNDS=0 or the first fan-out failed)"
        : `${fan.ratio.toFixed(2)}× (median of ${fixed(r)})`,
      fan.ratio === null ? null : fan.ratio >= 0.7 && fan.expectedNotices >= 20_000,
      r,
    );
    const during = fan.dashboard?.duringFanout;
    add(
      "(issue 9) API responsive during the fan-out (Dashboard p99 ≤ 2× idle)",
      during ? `${during.p99Ms} ms (idle ${fan.dashboard!.idle.p99Ms} ms)` : "not measured",
      during ? during.p99Ms <= 2 * fan.dashboard!.idle.p99Ms : null,
    );
  } else add("6. fan-out ≥ 0.7× raw blast", "not measured", null);
  const run = report.invoiceRun;
  if (run) {
    const ratio = run.invoicesPerSecond && run.pdfOnlyPerSecond ? run.invoicesPerSecond / run.pdfOnlyPerSecond : null;
    add(
      `7. invoice run (${run.invoices}) ≥ 0.5× PDF-only rate`,
      ratio === null
        ? `did not complete`
        : `${ratio.toFixed(2)}× (${run.invoicesPerSecond!.toFixed(1)} invoices/s ÷ ${run.pdfOnlyPerSecond!.toFixed(1)} PDFs/s; one run)`,
      ratio === null ? false : ratio >= 0.5 && run.invoices >= 10_000,
    );
  } else add("7. invoice run ≥ 0.5× PDF-only", "not measured", null);

  const mark = (pass: boolean | null) => (pass === null ? "----" : pass ? "PASS" : "MISS");
  const lines = [
    "targets (issue 25, medians of alternating rounds):",
    ...results.map((r) => `  ${mark(r.pass)}  ${r.target.padEnd(66)} ${r.measured}`),
  ];
  if (reads?.leverRuns.length) {
    const spread = (op: string) => Math.max(...reads.operations[op].rounds) / Math.min(...reads.operations[op].rounds) - 1;
    const gain = (run: LeverReport, op: string) => {
      const { median: m, rounds } = run.gains[op];
      const pays = Math.min(...rounds) > 1 && m - 1 > spread(op);
      return `${op} ${m.toFixed(2)}× (${fixed(rounds)}) ${pays ? "pays" : "within noise"}`;
    };
    lines.push(
      "",
      `levers (req/s all on ÷ req/s this one off, ${ROUNDS} alternating rounds; noise = spread of the all-on rounds: ` +
        `Dashboard ${(spread(DASHBOARD) * 100).toFixed(0)} %, ResellerPage ${(spread(RESELLER_PAGE) * 100).toFixed(0)} %):`,
    );
    for (const run of reads.leverRuns)
      lines.push(`  ${`${run.lever} off`.padEnd(24)} ${gain(run, DASHBOARD)}  ${gain(run, RESELLER_PAGE)}`);
  }
  if (reads && Object.keys(reads.telemetryRuns).length) {
    lines.push("", "tracing on (OTLP export of every span) — req/s off ÷ on, alternating rounds:");
    for (const [op, t] of Object.entries(reads.telemetryRuns)) lines.push(`  ${op.padEnd(13)} ${t.median.toFixed(2)} (${fixed(t.rounds)})`);
  }
  return { lines, results };
}

// ---- report

interface OperationReport {
  konto: LoadResult;
  floor: LoadResult;
  /** The median of the rounds' ratios; konto and floor are that round's runs. */
  kontoToFloor: number;
  rounds: number[];
  /** Konto's p99 ÷ the floor's p99, per round. */
  p99Rounds: number[];
  sqlStatements: { konto: number[]; floor: number[] };
}

function printReport(
  report: BenchReport & {
    machine: { cpu: string; cores: number; node: string; mariadb: string; date: string; loadAverage: number[]; threadPool: number };
    setup: { customers: number; seedMs: number; counts: Record<string, number> } | null;
  },
) {
  const num = (n: number, width: number, digits = 0) => n.toFixed(digits).padStart(width);
  const lines = [
    "",
    `Konto benchmark — ${report.machine.date}`,
    `machine: ${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}, MariaDB ${report.machine.mariadb}, ` +
      `load average ${report.machine.loadAverage.join(" / ")} at the end, Konto's thread pool ${report.machine.threadPool}`,
  ];
  if (report.setup)
    lines.push(
      `data: ${Object.entries(report.setup.counts)
        .map(([t, n]) => `${n} ${t}`)
        .join(", ")}`,
      `      (seedDemoData in ${seconds(report.setup.seedMs)}; the email_verifications are added by the bench)`,
    );
  const reads = report.reads;
  if (reads) {
    lines.push(
      `load: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per run, one server at a time, ${ROUNDS} rounds of Konto then floor (the round with the median ratio is shown)`,
      "",
      "operation     konto req/s  p50 ms  p99 ms | floor req/s  p50 ms  p99 ms | konto/floor | SQL/req konto floor",
    );
    for (const [op, r] of Object.entries(reads.operations)) {
      lines.push(
        `${op.padEnd(13)}${num(r.konto.reqPerSec, 12, 1)}${num(r.konto.p50Ms, 8)}${num(r.konto.p99Ms, 8)} |` +
          `${num(r.floor.reqPerSec, 12, 1)}${num(r.floor.p50Ms, 8)}${num(r.floor.p99Ms, 8)} |` +
          `${`${(r.kontoToFloor * 100).toFixed(1)} %`.padStart(12)} |` +
          `${r.sqlStatements.konto.join("/").padStart(14)}${r.sqlStatements.floor.join("/").padStart(6)}`,
      );
    }
    const { memory } = reads;
    lines.push(
      "",
      `konto after the runs: heap used ${memory.heapUsedMB} MB, rss ${memory.rssMB} MB ` +
        `(before the load: heap used ${memory.beforeLoad.heapUsedMB} MB, rss ${memory.beforeLoad.rssMB} MB)`,
      "",
    );
  }
  if (report.loginStorm) lines.push(...loginStormLines(report.loginStorm), "");
  if (report.mutation) lines.push(...mutationLines(report.mutation), "");
  if (report.fanout) lines.push(...fanoutLines(report.fanout), "");
  if (report.invoiceRun) lines.push(...invoiceRunLines(report.invoiceRun), "");
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
const KONTO_MAIN = path.join(ROOT, "dist/src/main.js");
const KONTO_WORKERS = path.join(ROOT, "dist/workers/index.js");
/** Konto runs with npm start's Node flags (its heap cap), every build and variant alike. */
const KONTO_NODE_FLAGS = startNodeFlags(ROOT);

/**
 * Starts a Konto for the run (this build's, or `main` of another build), kept for the clean-up and
 * named in the log; with `staff`, the read operations' requests to it are signed in as staff.
 */
async function startKonto(
  name: string,
  env: NodeJS.ProcessEnv,
  { main = KONTO_MAIN, staff, note = "", nodeFlags = [] }: { main?: string; staff?: StaffLogin; note?: string; nodeFlags?: string[] } = {},
): Promise<Child> {
  // Another build runs with its own npm start's flags (its package.json is next to its dist/), if it has one.
  const root = path.resolve(path.dirname(main), "../..");
  const flags = main !== KONTO_MAIN && existsSync(path.join(root, "package.json")) ? startNodeFlags(root) : KONTO_NODE_FLAGS;
  const child = await startChild(name, main, env, "konto listening", ROOT, undefined, [...flags, ...nodeFlags]);
  children.push(child);
  if (staff) serverHeaders.set(child, { authorization: `Bearer ${await logIn(child.url, staff)}` });
  log(`${name} listening at ${child.url} (pid ${child.proc.pid})${note}`);
  return child;
}
/** A worker process as `npm run workers` runs it, with npm start's flags; stopped at the end like Konto. */
async function startWorkers(name: string, env: NodeJS.ProcessEnv): Promise<Child> {
  const child = await startChild(name, KONTO_WORKERS, env, "workers started", ROOT, undefined, KONTO_NODE_FLAGS);
  children.push(child);
  log(`${name} started (pid ${child.proc.pid})`);
  return child;
}
/** Databases (and queue prefixes of the same name) to remove at the end. */
const databases: { name: string; url: string }[] = [{ name: NAME, url: DATABASE_URL }];
/** Further queue prefixes to remove at the end (a Konto on a database above with a prefix of its own). */
const queuePrefixes: string[] = [];
let sink: SmtpSink | undefined;
let cleanupPromise: Promise<void> | undefined;

/** Stops a child once; later calls (the cleanup) only wait for it. */
const stopping = new Map<Child, Promise<void>>();
function stop(child: Child): Promise<void> {
  if (!stopping.has(child)) {
    stopping.set(
      child,
      (async () => {
        const started = Date.now();
        const code = await stopChild(child).catch((error: Error) => `failed to stop: ${error.message}`);
        log(`${child.name} stopped in ${seconds(Date.now() - started)} (exit ${code})`);
        if (code !== 0) {
          console.error(`[bench] ${child.name} did not exit cleanly; its last output lines:`);
          for (const line of child.tail.slice(-5)) console.error(`  ${line.slice(0, 500)}`);
        }
      })(),
    );
  }
  return stopping.get(child)!;
}

/** Stops the children and the SMTP sink, drops the databases, removes the queue keys; runs once, errors are printed. */
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    for (const child of [...children].reverse()) await stop(child);
    if (sink) await sink.stop().catch((error: Error) => console.error(`[bench] could not stop the SMTP sink: ${error.message}`));
    for (const { name, url } of databases) {
      await dropDatabase(url).then(
        () => log(`database ${name} dropped`),
        (error: Error) => console.error(`[bench] could not drop database ${name}: ${error.message}`),
      );
      await removeQueuePrefix(name).then(
        (n) => log(`${n} redis keys of prefix ${name} removed`),
        (error: Error) => console.error(`[bench] could not remove redis keys of ${name}: ${error.message}`),
      );
    }
    for (const prefix of queuePrefixes) {
      await removeQueuePrefix(prefix).then(
        (n) => log(`${n} redis keys of prefix ${prefix} removed`),
        (error: Error) => console.error(`[bench] could not remove redis keys of ${prefix}: ${error.message}`),
      );
    }
  })();
  return cleanupPromise;
}

async function seed(staff: StaffLogin): Promise<{
  targets: Omit<Targets, "resellerCursors">;
  resellerIds: number[];
  seedMs: number;
  counts: Record<string, number>;
  mariadb: string;
}> {
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
    await createStaffUser(db, staff);
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
      (await db.query("SELECT DISTINCT reseller_id AS id FROM customers WHERE reseller_id IS NOT NULL ORDER BY reseller_id")) as {
        id: number;
      }[]
    ).map((r) => Number(r.id));
    const [version] = await db.query("SELECT VERSION() AS v");
    return { targets: { customerIds }, resellerIds, seedMs, counts, mariadb: String(version.v) };
  } finally {
    await db.destroy();
  }
}

// ---- the maintenance fan-out (fanout.ts)

async function measureFanout(kontoEnv: NodeJS.ProcessEnv, staff: StaffLogin, sink: SmtpSink): Promise<FanoutReport> {
  databases.push({ name: FANOUT_NAME, url: FANOUT_DATABASE_URL });
  log(
    `fan-out: database ${FANOUT_NAME}, ${FANOUT_CUSTOMERS} customers; the read benchmark's Konto had sent ${sink.accepted} mails to the sink`,
  );
  sink.reset();
  const { DATABASE_URL: _db, QUEUE_PREFIX: _prefix, SMTP_URL: _smtp, ...env } = kontoEnv;
  return runFanout({
    customers: FANOUT_CUSTOMERS,
    databaseUrl: FANOUT_DATABASE_URL,
    kontoEnv: env,
    queuePrefix: FANOUT_QUEUE_PREFIX,
    staff,
    connections: FANOUT_CONNECTIONS,
    rate: FANOUT_RATE,
    warmupSeconds: WARMUP,
    idleSeconds: FANOUT_IDLE,
    timeoutMs: FANOUT_TIMEOUT * 1000,
    stallMs: FANOUT_STALL_MS,
    rounds: FANOUT_ROUNDS,
    sink,
    log,
    interrupted: () => interrupted,
    startKonto: (name, env) => startKonto(name, env),
    startWorkers: (name, env) => startWorkers(name, env),
  });
}

/** Konto as the bench runs it: production settings, keys made for the run, mail to the sink. */
function kontoEnvironment(smtpUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    // The bench's staff login signs in with its password alone; production would hold it to enrol a second factor.
    STAFF_REQUIRE_SECOND_FACTOR: "false",
    DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX,
    SEED: "none",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    EXPOSE_SQL_COUNT: "true",
    PUBLIC_URL: "http://127.0.0.1",
    SMTP_URL: smtpUrl,
    WORKERS_IN_PROCESS: "true",
    // Production requires a signing key; one for this run, like a deployment's secret.
    JWT_SIGNING_KEY: signingKeyPem(),
    // and a key for the links in emails.
    LINK_TOKEN_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    // and the origins passkeys may be used from.
    WEBAUTHN_ORIGINS: "http://127.0.0.1",
    // and one for the TOTP secrets at rest.
    TOTP_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    // and a token for /metrics.
    METRICS_TOKEN: randomBytes(16).toString("hex"),
    // and the seller printed on every invoice.
    ...PRODUCTION_SELLER,
    // The seeded history holds thousands of overdue invoices that the first dunning run would
    // dun at start-up, each with a fee invoice to render and email: work a live system did over
    // months, which would otherwise run during the measurements. The invoice run measures that work.
    DUNNING_LEVELS: "none",
    // One login per Konto for the whole run, however long BENCH_DURATION makes it.
    ACCESS_TOKEN_TTL: "6h",
    // The ResellerPage document costs 49,760 by graphql-armor's estimate (first: 50 × first: 10),
    // over the default limit of 20,000, which would refuse it; a provider serving such a page
    // has to raise the limit the same way.
    GRAPHQL_MAX_COST: process.env.GRAPHQL_MAX_COST ?? "100000",
  };
}

// ---- the mutation benchmark (mutation.ts)

async function measureMutation(kontoEnv: NodeJS.ProcessEnv, staff: StaffLogin, poolSize: number): Promise<MutationReport> {
  // A queue prefix of its own: no worker of another Konto on this database sends its verification links meanwhile.
  const queuePrefix = `${NAME}_mutation`;
  const mutationEnv = { ...kontoEnv, QUEUE_PREFIX: queuePrefix, WORKERS_IN_PROCESS: "false" };
  queuePrefixes.push(queuePrefix);
  const config = loadConfig({ DATABASE_URL, REDIS_URL, QUEUE_PREFIX, LOG_LEVEL: "warn" });
  const db = await openDatabase({ ...config, databasePoolSize: 2 }, createLogger("warn"));
  try {
    return await runMutation({
      db,
      staff,
      linkTokenKeys: kontoEnv.LINK_TOKEN_KEYS!,
      emailVerificationTtlMs: loadConfig(kontoEnv).emailVerificationTtlMs,
      connections: CONNECTIONS,
      rounds: MUTATION_ROUNDS,
      warmupSeconds: WARMUP,
      durationSeconds: DURATION,
      log,
      interrupted: () => interrupted,
      stop,
      startKonto: () => startKonto("konto-mutation", mutationEnv, { note: ", no workers in process" }),
      startBaseline: BASELINE_DIST
        ? () =>
            startKonto("konto-baseline", mutationEnv, {
              main: path.join(path.resolve(BASELINE_DIST), "src/main.js"),
              note: ` (${BASELINE_DIST})`,
            })
        : null,
      startFloor: async (env) => {
        const child = await startChild(
          "mutation-floor",
          path.join(__dirname, "mutation-floor.js"),
          { ...process.env, ...env, DATABASE_URL, FLOOR_POOL_SIZE: String(poolSize), PORT: "0", HOST: "127.0.0.1" },
          "mutation floor listening",
          ROOT,
        );
        children.push(child);
        log(`mutation floor listening at ${child.url} (pid ${child.proc.pid}), pool size ${poolSize} like Konto`);
        return child;
      },
    });
  } finally {
    await db.destroy();
  }
}

// ---- the monthly invoice run (invoice-run.ts)

async function measureInvoiceRun(kontoEnv: NodeJS.ProcessEnv, staff: StaffLogin, sink: SmtpSink): Promise<InvoiceRunReport> {
  databases.push({ name: INVOICE_RUN_NAME, url: INVOICE_RUN_DATABASE_URL });
  log(`invoice run: database ${INVOICE_RUN_NAME}, ${INVOICE_RUN_INVOICES} invoices`);
  const { DATABASE_URL: _db, QUEUE_PREFIX: _prefix, SMTP_URL: _smtp, ...env } = kontoEnv;
  return runInvoiceRun({
    invoices: INVOICE_RUN_INVOICES,
    databaseUrl: INVOICE_RUN_DATABASE_URL,
    kontoEnv: env,
    queuePrefix: INVOICE_RUN_NAME,
    staff,
    connections: FANOUT_CONNECTIONS,
    rate: FANOUT_RATE,
    warmupSeconds: WARMUP,
    idleSeconds: FANOUT_IDLE,
    timeoutMs: INVOICE_RUN_TIMEOUT * 1000,
    stallMs: FANOUT_STALL_MS,
    pdfSamples: 300,
    sink,
    log,
    interrupted: () => interrupted,
    startKonto: (name, env) => startKonto(name, env),
  });
}

// ---- main

/** The read benchmark (issues 9 and 25, targets 1–3): Konto against the floor, memory, levers, and the checks' costs. */
async function measureReads(
  konto: Child,
  kontoEnv: NodeJS.ProcessEnv,
  staff: StaffLogin,
  seeded: { targets: Omit<Targets, "resellerCursors">; resellerIds: number[] },
  poolSize: number,
) {
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
  // BENCH_BASELINE_DIST: another build in the same rounds, against the same floor runs (after them,
  // so Konto's own memory figures are not moved by it).
  const baseline = BASELINE_DIST
    ? await startKonto("konto-baseline", kontoEnv, {
        staff,
        main: path.join(path.resolve(BASELINE_DIST), "src/main.js"),
        note: ` (${BASELINE_DIST})`,
      })
    : null;

  // Konto and the floor take turns, ROUNDS times per operation: this machine's speed drifts by
  // ±20 % within minutes, so each ratio is taken from two adjacent runs, and the report keeps the
  // round with the median ratio (its req/s and latencies are the table's).
  const operations: Record<string, OperationReport> = {};
  for (const op of OPERATIONS) {
    const rounds: { konto: LoadResult; floor: LoadResult; ratio: number }[] = [];
    const baselineRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // With a baseline build the two Konto builds swap places every other round, so that
      // neither is always the one that runs right after the other.
      const baselineFirst = baseline && round % 2 === 0 ? await measure(baseline, op, targets, false) : null;
      const kontoResult = await measure(konto, op, targets, round === 1);
      const baselineResult = baselineFirst ?? (baseline ? await measure(baseline, op, targets, round === 1) : null);
      const floorResult = await measure(floor, op, targets, round === 1);
      rounds.push({
        konto: kontoResult,
        floor: floorResult,
        ratio: floorResult.reqPerSec ? kontoResult.reqPerSec / floorResult.reqPerSec : 0,
      });
      if (baselineResult) baselineRatios.push(floorResult.reqPerSec ? baselineResult.reqPerSec / floorResult.reqPerSec : 0);
    }
    const medianRound = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
    log(`${op}: konto/floor by round ${rounds.map((r) => r.ratio.toFixed(2)).join(", ")}; median ${medianRound.ratio.toFixed(2)}`);
    if (baseline) {
      log(
        `${op}: baseline build/floor by round ${baselineRatios.map((r) => r.toFixed(2)).join(", ")}; median ${median(baselineRatios).toFixed(2)}`,
      );
    }
    operations[op] = {
      konto: medianRound.konto,
      floor: medianRound.floor,
      kontoToFloor: medianRound.ratio,
      rounds: rounds.map((r) => r.ratio),
      p99Rounds: rounds.map((r) => (r.floor.p99Ms ? r.konto.p99Ms / r.floor.p99Ms : Infinity)),
      sqlStatements: sql[op],
    };
  }

  const memory = await memoryOf(konto);
  if (baseline) {
    const baselineMemory = await memoryOf(baseline);
    log(`baseline build after the runs: heap used ${mb(baselineMemory.heapUsed)} MB, rss ${mb(baselineMemory.rss)} MB`);
    await stop(baseline);
  }
  const heapRuns = await heapAcrossRuns(konto, targets);
  const sqlBySize = await sqlByPageSize(konto);
  log(`SQL statements for a customers page with contacts and products: first 5 → ${sqlBySize[5]}, first 50 → ${sqlBySize[50]}`);

  // Each lever switched off in turn (PERF_LEVERS_OFF), in rounds that alternate with the all-on Konto.
  const leverRuns: LeverReport[] = [];
  for (const lever of LEVERS_MEASURED) {
    const child = await startKonto(`konto-${lever}-off`, { ...kontoEnv, PERF_LEVERS_OFF: lever }, { staff });
    const gains: LeverReport["gains"] = {};
    for (const op of OPERATIONS) {
      const rounds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const on = (await measure(konto, op, targets, round === 0)).reqPerSec;
        const off = (await measure(child, op, targets, round === 0)).reqPerSec;
        rounds.push(on / off);
      }
      gains[op] = { median: median(rounds), rounds };
      log(`${lever} off, ${op}: all-on/off by round ${rounds.map((r) => r.toFixed(2)).join(", ")}`);
    }
    leverRuns.push({ lever, gains });
    await stop(child);
  }
  // OpenTelemetry (issue 22): Konto as it runs by default (tracing off) against Konto exporting
  // every span over OTLP to a local receiver, in alternating rounds; BENCH_TELEMETRY_ROUNDS=0 skips it.
  const telemetryRuns: Record<string, { median: number; rounds: number[] }> = {};
  if (TELEMETRY_ROUNDS > 0) {
    const receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const traced = await startKonto("konto-traced", { ...kontoEnv, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, { staff });
    for (const op of OPERATIONS) {
      const rounds: number[] = [];
      for (let round = 0; round < TELEMETRY_ROUNDS; round++) {
        const off = (await measure(konto, op, targets, round === 0)).reqPerSec;
        const on = (await measure(traced, op, targets, round === 0)).reqPerSec;
        rounds.push(off / on);
      }
      telemetryRuns[op] = { median: median(rounds), rounds };
      log(`tracing off ÷ on, ${op}: by round ${rounds.map((r) => r.toFixed(2)).join(", ")}`);
    }
    await stop(traced);
    receiver.close();
  }
  const revocation =
    REVOCATION_ROUNDS > 0
      ? await measureCheckCost(
          "revocation check",
          { script: KONTO_MAIN, env: { ...kontoEnv, REVOCATION_CHECK: "off" } },
          { env: kontoEnv },
          floor,
          staff,
          targets,
          REVOCATION_ROUNDS,
        )
      : null;
  let tracingOff: CheckCostReport | null = null;
  if (TELEMETRY_ROUNDS > 0 && TRACING_OFF_ROUNDS > 0) {
    const build = buildWithoutTracing(ROOT);
    try {
      tracingOff = await measureCheckCost(
        "tracing when off",
        { script: build.main, env: kontoEnv },
        { env: kontoEnv },
        floor,
        staff,
        targets,
        TRACING_OFF_ROUNDS,
      );
    } finally {
      build.remove();
    }
  }
  await stop(floor);
  const problems = [
    ...Object.entries(operations).flatMap(([op, r]) => [...problemsOf("konto", op, r.konto), ...problemsOf("floor", op, r.floor)]),
    ...Object.entries(sql)
      .filter(([, s]) => s.konto.length !== 1)
      .map(([op, s]) => `${op}: Konto's SQL statements per request vary: ${s.konto.join(", ")}`),
  ];
  if (floor.warnings.length) {
    log(`floor wrote ${floor.warnings.length} error lines; the first ones:`);
    for (const line of floor.warnings.slice(0, 10)) console.log(`  ${line.slice(0, 500)}`);
  }
  const reads: ReadsReport = {
    operations,
    memory: {
      heapUsedMB: mb(memory.heapUsed),
      rssMB: mb(memory.rss),
      heapTotalMB: mb(memory.heapTotal),
      externalMB: mb(memory.external),
      beforeLoad: { heapUsedMB: mb(before.heapUsed), rssMB: mb(before.rss) },
    },
    heapRuns,
    sqlBySize,
    leverRuns,
    telemetryRuns,
    revocation,
    tracingOff,
  };
  return { reads, problems };
}

async function main(): Promise<number> {
  log(
    `workloads ${[...ONLY].join(", ")}; ${ROUNDS} rounds; database ${NAME}, ${CUSTOMERS} customers, ${DURATION} s per run, ${CONNECTIONS} connections; Konto runs with node ${KONTO_NODE_FLAGS.join(" ")} (npm start's flags)`,
  );
  const staff = await staffLogin();
  const problems: string[] = [];
  // Konto's mail (the demo data's invoice reminders, the verification links, the fan-out, the invoices) goes to a counting sink.
  sink = new SmtpSink();
  const smtpUrl = await sink.start();
  const kontoEnv = kontoEnvironment(smtpUrl);
  const config = loadConfig(kontoEnv);
  const poolSize = config.databasePoolSize;
  const threadPool = threadPoolSize(kontoEnv);
  // The login storm's hash is made here with Konto's cost.
  configurePasswordHashing(config.passwordHashCost);

  let seeded: Awaited<ReturnType<typeof seed>> | null = null;
  if (runs("reads") || runs("login") || runs("mutation")) {
    seeded = await seed(staff);
    log(`seeded in ${seconds(seeded.seedMs)}: ${JSON.stringify(seeded.counts)}`);
    if (!seeded.targets.customerIds.length) throw new Error("the seeder made no customers");
    if (!seeded.resellerIds.length) throw new Error("the seeder made no customers with a reseller; ResellerPage needs some");
  } else {
    databases.length = 0;
  }

  let reads: ReadsReport | null = null;
  let loginStorm: LoginStormReport | null = null;
  if (seeded && (runs("reads") || runs("login"))) {
    const konto = await startKonto("konto", kontoEnv, {
      staff,
      nodeFlags: ["--expose-gc"],
      note: `, signed in as staff ${staff.email}, thread pool ${threadPool}`,
    });
    if (runs("reads")) {
      const result = await measureReads(konto, kontoEnv, staff, seeded, poolSize);
      reads = result.reads;
      problems.push(...result.problems);
    }
    if (runs("login") && LOGIN_ROUNDS > 0) {
      const config = loadConfig({ DATABASE_URL, REDIS_URL, QUEUE_PREFIX, LOG_LEVEL: "warn" });
      const db = await openDatabase({ ...config, databasePoolSize: 2 }, createLogger("warn"));
      try {
        loginStorm = await runLoginStorm(
          {
            db,
            konto,
            headers: headersOf(konto),
            customerIds: seeded.targets.customerIds,
            users: LOGIN_USERS,
            connections: LOGIN_CONNECTIONS,
            rounds: LOGIN_ROUNDS,
            warmupSeconds: WARMUP,
            durationSeconds: DURATION,
            threadPool,
            dashboardConnections: FANOUT_CONNECTIONS,
            dashboardRate: FANOUT_RATE,
            log,
            interrupted: () => interrupted,
          },
          `Bench-${randomBytes(12).toString("base64url")}`,
        ).catch((error: Error) => {
          console.error(`[bench] the login storm failed: ${error.stack ?? error.message}`);
          problems.push(`login storm failed: ${error.message.split("\n")[0]}`);
          return null;
        });
      } finally {
        await db.destroy();
      }
      if (loginStorm) problems.push(...loginStorm.problems);
    }
    await stop(konto);
  }

  let mutation: MutationReport | null = null;
  if (seeded && runs("mutation") && MUTATION_ROUNDS > 0) {
    mutation = await measureMutation(kontoEnv, staff, poolSize).catch((error: Error) => {
      console.error(`[bench] the mutation measurement failed: ${error.stack ?? error.message}`);
      problems.push(`mutation failed: ${error.message.split("\n")[0]}`);
      return null;
    });
    if (mutation) problems.push(...mutation.problems);
  }

  // The fan-out and the invoice run get the machine to themselves: the servers above are gone.
  let fanout: FanoutReport | null = null;
  if (runs("fanout") && FANOUT_CUSTOMERS > 0) {
    fanout = await measureFanout(kontoEnv, staff, sink).catch((error: Error) => {
      console.error(`[bench] the fan-out measurement failed: ${error.stack ?? error.message}`);
      problems.push(`fan-out failed: ${error.message.split("\n")[0]}`);
      return null;
    });
    if (fanout) problems.push(...fanout.problems);
    // Its API and its worker process, before the invoice run measures on the same cores.
    await Promise.all(children.filter((c) => c.name.startsWith("konto-fanout")).map(stop));
  }

  let invoiceRun: InvoiceRunReport | null = null;
  if (runs("invoice-run") && INVOICE_RUN_INVOICES > 0) {
    invoiceRun = await measureInvoiceRun(kontoEnv, staff, sink).catch((error: Error) => {
      console.error(`[bench] the invoice run measurement failed: ${error.stack ?? error.message}`);
      problems.push(`invoice run failed: ${error.message.split("\n")[0]}`);
      return null;
    });
    if (invoiceRun) problems.push(...invoiceRun.problems);
  }

  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    mariadb: seeded?.mariadb ?? "",
    date: new Date().toISOString(),
    // The machine may be shared: the load average says how much else ran (1, 5 and 15 minutes).
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    threadPool,
  };
  const report = {
    workloads: [...ONLY],
    rounds: ROUNDS,
    machine,
    setup: seeded ? { customers: CUSTOMERS, seedMs: seeded.seedMs, counts: seeded.counts, poolSize } : null,
    load: { connections: CONNECTIONS, warmupSeconds: WARMUP, durationSeconds: DURATION },
    reads,
    loginStorm,
    mutation,
    fanout,
    invoiceRun,
  };
  printReport(report);
  const targetsMet = targetLines(report);
  console.log(targetsMet.lines.join("\n") + "\n");

  let kontoWarnings = 0;
  for (const child of children.filter((c) => c.name.startsWith("konto") && c.warnings.length)) {
    kontoWarnings += child.warnings.length;
    log(`${child.name} logged ${child.warnings.length} warnings or errors; the first ones:`);
    for (const line of child.warnings.slice(0, 10)) console.log(`  ${line.slice(0, 500)}`);
  }

  const file = path.resolve("bench-results.json");
  writeFileSync(file, JSON.stringify({ ...report, targets: targetsMet.results, problems, kontoWarnings }, null, 2) + "\n");
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
