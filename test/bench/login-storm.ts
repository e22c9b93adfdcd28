// The login storm (issue 25, target 4; run.ts calls it on the read benchmark's database and Konto):
//
// 1. seeds `users` customer users (ADMIN of one customer each, no second factor), all with one
//    password hashed with Konto's configured cost (PASSWORD_HASH_COST): every login verifies a
//    hash of the same cost, and many accounts keep the per-account limit out of the way;
// 2. per round: authLogin under `connections` concurrent clients (autocannon, a random user per
//    request; every answer must carry an access token), then the bare scrypt floor
//    (scrypt-floor.ts, a child with the same thread-pool size) verifying the same hash with the
//    same concurrency; the ratio of the two rates counts, the median of the rounds;
// 3. per round (as many as in 2), the Dashboard at the offered rate of the fan-out (idle) and the
//    same Dashboard load while logins are offered at half the limit (the floor's median rate),
//    taking turns: its p99 during ÷ idle, the median of the rounds.
// All logins come from one address (127.0.0.1): at most 20 are in flight at once, which is just
// what Konto's per-address limit lets through without a failure; a failure would be counted and
// make the rest wait, so every refusal shows up as a failed login in the report.

import { spawn } from "node:child_process";
import path from "node:path";
import type { DataSource } from "typeorm";
import { hashPassword } from "../../src/access/passwords";
import { Child } from "./children";
import { insertRows } from "./fanout";
import { LoadResult, load, loadSteady, problemsOf, startLoad } from "./load";
import { DASHBOARD, globalId, requestBody } from "./queries";
import { median } from "./stats";

export interface LoginStormSettings {
  /** The database Konto runs on, with customers 1..n already seeded. */
  db: DataSource;
  konto: Child;
  /** Staff token headers for the Dashboard. */
  headers: Record<string, string>;
  customerIds: number[];
  users: number;
  connections: number;
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Konto's libuv thread-pool size: the floor runs with the same. */
  threadPool: number;
  /** The Dashboard of step 3: connections and requests per second (as in the fan-out). */
  dashboardConnections: number;
  dashboardRate: number;
  log: (message: string) => void;
  interrupted: () => boolean;
}

export interface LoginRound {
  konto: LoadResult;
  scryptPerSecond: number;
  ratio: number;
}

/** One round at half the limit: the Dashboard idle, and during logins offered at that rate. */
export interface HalfLoadRound {
  logins: LoadResult;
  dashboardIdle: LoadResult;
  dashboardDuring: LoadResult;
  /** Dashboard p99 during ÷ idle. */
  p99Ratio: number;
}

export interface LoginStormReport {
  users: number;
  connections: number;
  threadPool: number;
  cost: string;
  rounds: LoginRound[];
  /** Median of the rounds' ratios: logins/s ÷ bare scrypt verifications/s. */
  ratio: number;
  /** The limit: the floor's median rate. */
  limitPerSecond: number;
  halfLoad: {
    offeredPerSecond: number;
    rounds: HalfLoadRound[];
    /** Median of the rounds' Dashboard p99 during ÷ idle. */
    p99Ratio: number;
  } | null;
  problems: string[];
}

const EMAIL_DOMAIN = "login-storm.konto-bench.example";
const userEmail = (i: number) => `user${i}@${EMAIL_DOMAIN}`;

const LOGIN = `mutation BenchLogin($input: AuthLoginInput!) { authLogin(input: $input) { accessToken userErrors { code } } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the logins autocannon left behind at the end of a run are done in Konto: they still
 * count against the per-address limit of 20 at once, and the next run's 20 would be refused.
 */
const drained = (run: LoadResult, connections: number) =>
  sleep(Math.min(30_000, 1000 + (1000 * connections) / Math.max(run.reqPerSec, 0.5)));

async function seedUsers(db: DataSource, users: number, hash: string): Promise<void> {
  await db.query("DELETE m FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email LIKE ?", [`%@${EMAIL_DOMAIN}`]);
  await db.query("DELETE FROM users WHERE email LIKE ?", [`%@${EMAIL_DOMAIN}`]);
  const rows = Array.from({ length: users }, (_, i) => ["CUSTOMER", userEmail(i + 1), `Login Storm ${i + 1}`, hash, new Date()]);
  await insertRows(db, "users", ["kind", "email", "display_name", "password_hash", "password_changed_at"], rows);
  // Each user is ADMIN of one customer that lets every login in: no IP allowlist (which would
  // refuse 127.0.0.1 like a wrong password), no second-factor requirement, not closed.
  await db.query(
    `INSERT INTO memberships (user_id, customer_id, role)
     SELECT u.id, c.id, 'ADMIN'
       FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM users WHERE email LIKE ?) u
       JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM customers
              WHERE ip_allowlist IS NULL AND second_factor_required = 0 AND status <> 'CLOSED') c
         ON c.k = MOD(u.k, (SELECT COUNT(*) FROM customers WHERE ip_allowlist IS NULL AND second_factor_required = 0 AND status <> 'CLOSED'))`,
    [`%@${EMAIL_DOMAIN}`],
  );
}

/** One run of scrypt-floor.ts with the thread-pool size given; verifications per second. */
function scryptFloor(s: LoginStormSettings, hash: string, password: string): Promise<{ perSecond: number; cost: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, "scrypt-floor.js")], {
    env: {
      ...process.env,
      UV_THREADPOOL_SIZE: String(s.threadPool),
      SCRYPT_HASH: hash,
      SCRYPT_PASSWORD: password,
      SCRYPT_CONCURRENCY: String(s.connections),
      SCRYPT_WARMUP_MS: String(s.warmupSeconds * 1000),
      SCRYPT_DURATION_MS: String(s.durationSeconds * 1000),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.includes('"scrypt floor"'));
      if (code !== 0 || !line) return reject(new Error(`the scrypt floor failed (exit ${code}): ${err.slice(0, 2000)}`));
      const result = JSON.parse(line) as { perSecond: number; cost: { N: number; r: number; p: number } };
      resolve({ perSecond: result.perSecond, cost: `N=${result.cost.N},r=${result.cost.r},p=${result.cost.p}` });
    });
  });
}

export async function runLoginStorm(s: LoginStormSettings, password: string): Promise<LoginStormReport> {
  const problems: string[] = [];
  const hash = await hashPassword(password);
  await seedUsers(s.db, s.users, hash);
  s.log(`login storm: ${s.users} users seeded, one hash of Konto's cost for all; thread pool ${s.threadPool} in Konto and the floor`);

  const logins = (duration: number, overallRate?: number) => ({
    url: s.konto.url,
    connections: s.connections,
    duration,
    overallRate,
    // A login waits its turn for the pool: given up and sent again, it would be a 21st in flight.
    timeoutSeconds: 120,
    body: () => {
      const i = 1 + Math.floor(Math.random() * s.users);
      return JSON.stringify({ query: LOGIN, variables: { input: { email: userEmail(i), password } } });
    },
    // Every login must succeed: an answer without an access token (a refusal, a rate limit) is a failure.
    verifyBody: (body: string) => {
      const ok = body.includes('"accessToken":"');
      if (!ok) firstFailure ??= body.slice(0, 500);
      return ok;
    },
  });
  /** The first answer without a token, for the report: autocannon only counts them. */
  let firstFailure: string | undefined;

  // One login first: a refusal here names its reason, which autocannon's count would not.
  const probe = await fetch(s.konto.url, { method: "POST", headers: { "content-type": "application/json" }, body: logins(1).body() });
  const probeText = await probe.text();
  if (!probeText.includes('"accessToken":"')) throw new Error(`a seeded user's login failed: ${probe.status} ${probeText.slice(0, 500)}`);

  const rounds: LoginRound[] = [];
  let cost = "";
  for (let round = 1; round <= s.rounds; round++) {
    const konto = await loadSteady(logins(s.durationSeconds), s.warmupSeconds);
    await drained(konto, s.connections);
    problems.push(...problemsOf("konto", `login storm round ${round}`, konto));
    // A login takes (clients ÷ rate) seconds at saturation: a run shorter than that counts nothing.
    if (konto.requests === 0) problems.push(`login storm round ${round}: no login finished within the run (BENCH_DURATION too short here)`);
    const floor = await scryptFloor(s, hash, password);
    cost = floor.cost;
    const ratio = floor.perSecond ? konto.reqPerSec / floor.perSecond : 0;
    rounds.push({ konto, scryptPerSecond: floor.perSecond, ratio });
    s.log(
      `login storm round ${round}: konto ${konto.reqPerSec.toFixed(1)} logins/s (p50 ${konto.p50Ms} ms, p99 ${konto.p99Ms} ms, ` +
        `${konto.requests} logins, ${konto.graphqlErrors} failed), bare scrypt ${floor.perSecond.toFixed(1)}/s → ${ratio.toFixed(2)}`,
    );
    if (s.interrupted()) throw new Error("interrupted");
  }
  const limitPerSecond = median(rounds.map((r) => r.scryptPerSecond));
  if (firstFailure) problems.push(`login storm: the first failed login answered ${firstFailure}`);

  let halfLoad: LoginStormReport["halfLoad"] = null;
  if (s.dashboardConnections > 0) {
    const dashboard = (duration: number) => ({
      url: s.konto.url,
      connections: s.dashboardConnections,
      duration,
      overallRate: s.dashboardRate || undefined,
      headers: s.headers,
      body: () => requestBody(DASHBOARD, { id: globalId("Customer", s.customerIds[Math.floor(Math.random() * s.customerIds.length)]) }),
    });
    await load(dashboard(s.warmupSeconds));
    // autocannon paces whole requests per second; at least one.
    const offeredPerSecond = Math.max(1, Math.round(limitPerSecond / 2));
    const halfRounds: HalfLoadRound[] = [];
    // As many rounds as the storm's, idle and during taking turns (which goes first alternates):
    // one p99 of a few seconds moved by 2.5× between runs on this machine (2026-11-29).
    const idle = () => load(dashboard(s.durationSeconds));
    const during = async () => {
      const loginRun = startLoad(logins(s.durationSeconds, offeredPerSecond));
      const dashboardDuring = await load(dashboard(s.durationSeconds));
      const loginResult = await loginRun;
      await drained(loginResult, s.connections);
      return { dashboardDuring, loginResult };
    };
    for (let round = 1; round <= s.rounds; round++) {
      const idleBefore = round % 2 === 1 ? await idle() : null;
      const { dashboardDuring, loginResult } = await during();
      const idleRun = idleBefore ?? (await idle());
      problems.push(
        ...problemsOf("konto", `logins at half the limit, round ${round}`, loginResult),
        ...problemsOf("konto", `Dashboard idle (login storm), round ${round}`, idleRun),
        ...problemsOf("konto", `Dashboard during logins, round ${round}`, dashboardDuring),
      );
      const p99Ratio = idleRun.p99Ms ? dashboardDuring.p99Ms / idleRun.p99Ms : Infinity;
      halfRounds.push({ logins: loginResult, dashboardIdle: idleRun, dashboardDuring, p99Ratio });
      s.log(
        `login storm at half the limit, round ${round} (${offeredPerSecond} logins/s offered, ${loginResult.reqPerSec.toFixed(1)} done): ` +
          `Dashboard p99 ${dashboardDuring.p99Ms} ms during, ${idleRun.p99Ms} ms idle → ${p99Ratio.toFixed(2)}×`,
      );
      if (s.interrupted()) throw new Error("interrupted");
    }
    if (firstFailure) problems.push(`login storm: the first failed login answered ${firstFailure}`);
    halfLoad = { offeredPerSecond, rounds: halfRounds, p99Ratio: median(halfRounds.map((r) => r.p99Ratio)) };
  }
  return {
    users: s.users,
    connections: s.connections,
    threadPool: s.threadPool,
    cost,
    rounds,
    ratio: median(rounds.map((r) => r.ratio)),
    limitPerSecond,
    halfLoad,
    problems,
  };
}

export function loginStormLines(r: LoginStormReport): string[] {
  const lines = [
    `login storm: ${r.users} users, ${r.connections} concurrent clients, scrypt ${r.cost}, thread pool ${r.threadPool} (Konto and the floor)`,
    ...r.rounds.map(
      (x, i) =>
        `  round ${i + 1}: konto ${x.konto.reqPerSec.toFixed(1).padStart(6)} logins/s (p50 ${x.konto.p50Ms} ms, p99 ${x.konto.p99Ms} ms, ` +
        `${x.konto.requests} logins, ${x.konto.graphqlErrors} failed) | bare scrypt ${x.scryptPerSecond.toFixed(1).padStart(6)}/s | ${x.ratio.toFixed(2)}`,
    ),
    `  median ${r.ratio.toFixed(2)}; the limit (bare scrypt, median) ${r.limitPerSecond.toFixed(1)}/s`,
  ];
  if (r.halfLoad) {
    const h = r.halfLoad;
    lines.push(
      `  at half the limit: ${h.offeredPerSecond} logins/s offered`,
      ...h.rounds.map(
        (x, i) =>
          `  round ${i + 1}: ${x.logins.reqPerSec.toFixed(1)} logins/s done (${x.logins.requests}, ${x.logins.graphqlErrors} failed) | Dashboard p99 ` +
          `idle ${x.dashboardIdle.p99Ms} ms (${x.dashboardIdle.reqPerSec.toFixed(1)} req/s), during ${x.dashboardDuring.p99Ms} ms ` +
          `(${x.dashboardDuring.reqPerSec.toFixed(1)} req/s) | ${x.p99Ratio.toFixed(2)}×`,
      ),
      `  median ${h.p99Ratio.toFixed(2)}×`,
    );
  }
  return lines;
}
