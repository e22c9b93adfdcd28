// The maintenance fan-out measurement (run.ts calls it after the read benchmark):
//
// 1. seeds its own database with `customers` customers, each with 2 TECHNICAL contacts with
//    distinct confirmed emails, 1 STANDARD contact (confirmed too: it must get nothing) and one
//    ACTIVE INTERNET_LINE product, plus the staff login;
// 2. starts Konto on it as compose.yaml deploys it, the API (WORKERS_IN_PROCESS=false) and a worker
//    process beside it, whose SMTP_URL is a counting sink in the bench process;
// 3. measures the Dashboard idle (warm-up, then `idleSeconds`), unless `connections` is 0;
// 4. starts the Dashboard load again (unless `connections` is 0), calls maintenanceAnnounce for every INTERNET_LINE product,
//    and waits until the sink has accepted a message for each of the 2 × customers technical
//    addresses (or `timeoutMs` passes, or the sink sees nothing new for `stallMs`);
// 5. stops the load, waits for the notice rows to settle and reads noticeStats over the API.
// It reports; only breakage (timeout, duplicates, wrong recipients, failed notices, errors under
// load) becomes a problem.

import { spawn } from "node:child_process";
import path from "node:path";
import type { DataSource } from "typeorm";
import { loadConfig } from "../../src/config";
import { openDatabase } from "../../src/database";
import { createLogger } from "../../src/platform/logger";
import { Child, cpuProfileFlags, isRunning } from "./children";
import { LoadResult, WorkloadSettings, load, problemsOf, startLoad } from "./load";
import { DASHBOARD, globalId, requestBody } from "./queries";
import { createStaffUser, graphql, logIn } from "./staff";
import { median } from "./stats";

const ROWS_PER_STATEMENT = 1000;
const SETTLE_MS = 30_000;

export interface FanoutSettings extends WorkloadSettings {
  customers: number;
  /** Starts a worker process (`npm run workers`) with this environment, kept for the cleanup like Konto. */
  startWorkers: (name: string, env: NodeJS.ProcessEnv) => Promise<Child>;
  /** Alternating rounds of the raw blast and Konto alone after the run under load (0: none). */
  rounds: number;
}

export interface FanoutRound {
  /** Konto alone: notices per second from publish. */
  kontoPerSecond: number;
  /** The raw pooled nodemailer blast of the same messages to the same sink. */
  blastPerSecond: number;
  ratio: number;
}

export interface FanoutReport {
  customers: number;
  expectedNotices: number;
  noticeConcurrency: number;
  /** SMTP connections of Konto's pool, and of the blast. */
  smtpPoolSize: number;
  seedMs: number;
  counts: Record<string, number>;
  mutationMs: number;
  affectedProductCount: number;
  affectedCustomerCount: number;
  completed: boolean;
  /** From the mutation's answer until the sink had accepted every expected message. */
  fanoutSeconds: number | null;
  /** From sending the mutation until then (the issue's "from publish"). */
  fromPublishSeconds: number | null;
  noticesPerSecond: number | null;
  /** After the mutation's answer: when the maintenance_notices rows were visible, and when the first message arrived. */
  recipientsWorkedOutSeconds: number | null;
  firstMessageSeconds: number | null;
  /** Messages / (last − first accepted): the rate of the sending alone. */
  sendingPerSecond: number | null;
  messagesReceived: number;
  distinctRecipients: number;
  /** messagesReceived − distinctRecipients; must be 0. */
  duplicates: number;
  /** Expected technical addresses without a message. */
  missingRecipients: number;
  /** Recipients that are not technical contacts (the STANDARD contact or the main email): must be 0. */
  unexpectedRecipients: number;
  smtpConnections: number;
  noticeStats: { queued: number; sent: number; failed: number } | null;
  /** null with connections 0: the fan-out alone. */
  dashboard: { idle: LoadResult; duringFanout: LoadResult; connections: number; rate: number | null } | null;
  /** Issue 25: alternating rounds of the raw blast and Konto alone (no Dashboard load); the median ratio. */
  rounds: FanoutRound[];
  ratio: number | null;
  kontoWarnings: number;
  problems: string[];
}

// ---- data

const techEmail = (i: number, n: 1 | 2) => `tech${n}@c${i}.fanout.example`;

export async function insertRows(db: DataSource, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ?`;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await db.query(sql, [rows.slice(start, start + ROWS_PER_STATEMENT)]);
  }
}

/** Customers 1..n with their contacts and one line each, in an empty, migrated database. */
async function seedFanoutData(db: DataSource, customers: number): Promise<void> {
  const confirmed = new Date(Date.now() - 30 * 86_400_000);
  const customerRows: unknown[][] = [];
  const contactRows: unknown[][] = [];
  const productRows: unknown[][] = [];
  for (let i = 1; i <= customers; i++) {
    const domain = `c${i}.fanout.example`;
    customerRows.push([
      i,
      String(5_000_000 + i),
      "BUSINESS",
      `Fanout ${i} GmbH`,
      "GmbH",
      `Teststraße ${i}`,
      "1010",
      "Wien",
      "AT",
      `info@${domain}`,
      i % 4 === 0 ? "en" : "de",
      "ACTIVE",
    ]);
    contactRows.push(
      [i, "TECHNICAL", "Tina", `Technik ${i}`, techEmail(i, 1), confirmed],
      [i, "TECHNICAL", "Tom", `Technik ${i}`, techEmail(i, 2), confirmed],
      [i, "STANDARD", "Sam", `Office ${i}`, `office@${domain}`, confirmed],
    );
    productRows.push([
      i,
      "INTERNET_LINE",
      "Business Fiber 300/100",
      `LINE-AT-${String(i).padStart(8, "0")}`,
      "ACTIVE",
      5990,
      "EUR",
      "MONTHLY",
      "2025-01-01",
    ]);
  }
  await insertRows(
    db,
    "customers",
    [
      "id",
      "customer_number",
      "kind",
      "company_name",
      "legal_form",
      "street",
      "postal_code",
      "city",
      "country_code",
      "email",
      "locale",
      "status",
    ],
    customerRows,
  );
  await insertRows(db, "contacts", ["customer_id", "types", "first_name", "last_name", "email", "email_confirmed_at"], contactRows);
  await insertRows(
    db,
    "products",
    ["customer_id", "type", "plan", "identifier", "status", "price_amount", "price_currency", "billing_period", "start_date"],
    productRows,
  );
}

// ---- the measurement

const ANNOUNCE = `mutation BenchAnnounce($i: MaintenanceAnnounceInput!) {
  maintenanceAnnounce(input: $i) {
    announcement { id affectedProductCount affectedCustomerCount noticeStats { queued sent failed } }
    userErrors { code message }
  }
}`;

const STATS = `query BenchNoticeStats($id: ID!) {
  node(id: $id) { ... on MaintenanceAnnouncement { noticeStats { queued sent failed } } }
}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const secondsBetween = (from: number, to: number | undefined) => (to === undefined ? null : (to - from) / 1000);

async function noticeCounts(db: DataSource): Promise<Record<string, number>> {
  const rows: { status: string; n: string | number }[] = await db.query(
    "SELECT COALESCE(d.status, 'QUEUED') AS status, COUNT(*) AS n FROM maintenance_notices n LEFT JOIN mail_deliveries d ON d.notice_id = n.id GROUP BY 1",
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** One round of the fan-out's floor: mail-blast.ts as a child, the same messages to the same sink. */
async function blastOnce(s: FanoutSettings, env: NodeJS.ProcessEnv, announcement: object, expected: Set<string>) {
  s.sink.reset();
  s.sink.expect(expected);
  // BENCH_CPU_PROF profiles the blast too, so that Konto's cost per message can be set against it.
  const child = spawn(process.execPath, [...cpuProfileFlags(), path.join(__dirname, "mail-blast.js")], {
    env: {
      ...env,
      BLAST_CUSTOMERS: String(s.customers),
      BLAST_ANNOUNCEMENT: JSON.stringify(announcement),
      BLAST_PROVIDER: loadConfig(env).provider.name,
      SMTP_POOL_SIZE: String(loadConfig(env).smtpPoolSize),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (err += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", resolve);
  });
  const line = out.split("\n").find((l) => l.includes('"mail blast"'));
  if (code !== 0 || !line) throw new Error(`the mail blast failed (exit ${code}): ${err.slice(0, 2000)}`);
  const result = JSON.parse(line) as { sent: number; seconds: number; perSecond: number };
  const duplicates = s.sink.accepted - s.sink.perRecipient.size;
  return { perSecond: result.perSecond, seconds: result.seconds, reached: s.sink.expectedReached, duplicates };
}

export async function runFanout(s: FanoutSettings): Promise<FanoutReport> {
  const expectedNotices = 2 * s.customers;
  const problems: string[] = [];

  // 1. data
  const config = loadConfig({
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.kontoEnv.REDIS_URL,
    QUEUE_PREFIX: s.queuePrefix,
    LOG_LEVEL: "warn",
  });
  const db = await openDatabase({ ...config, databasePoolSize: 2 }, createLogger("warn"));
  try {
    const seedStarted = Date.now();
    await seedFanoutData(db, s.customers);
    await createStaffUser(db, s.staff);
    const seedMs = Date.now() - seedStarted;
    const counts: Record<string, number> = {};
    for (const table of ["customers", "contacts", "products"])
      counts[table] = Number((await db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    s.log(`fan-out: seeded in ${(seedMs / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);

    // 2. Konto on it, mailing the sink
    const env: NodeJS.ProcessEnv = {
      ...s.kontoEnv,
      DATABASE_URL: s.databaseUrl,
      QUEUE_PREFIX: s.queuePrefix,
      SMTP_URL: `smtp://127.0.0.1:${s.sink.port}`,
    };
    const noticeConcurrency = loadConfig(env).noticeConcurrency;
    const smtpPoolSize = loadConfig(env).smtpPoolSize;
    // As compose.yaml deploys Konto: the API without workers, and a worker process beside it, so
    // that the notices' work does not share the API's event loop.
    const konto = await s.startKonto("konto-fanout", { ...env, WORKERS_IN_PROCESS: "false" });
    const workers = await s.startWorkers("konto-fanout-workers", env);
    const token = await logIn(konto.url, s.staff);
    const headers = { authorization: `Bearer ${token}` };
    const ids = Array.from({ length: s.customers }, (_, i) => globalId("Customer", i + 1));
    const dashboard = (duration: number) => ({
      url: konto.url,
      connections: s.connections,
      duration,
      overallRate: s.rate || undefined,
      headers,
      body: () => requestBody(DASHBOARD, { id: ids[Math.floor(Math.random() * ids.length)] }),
    });

    // 3. the Dashboard without a fan-out
    let idle: LoadResult | undefined;
    if (s.connections) {
      await load(dashboard(s.warmupSeconds));
      idle = await load(dashboard(s.idleSeconds));
      s.log(
        `fan-out: Dashboard idle ${idle.reqPerSec.toFixed(1)} req/s, p50 ${idle.p50Ms} ms, p99 ${idle.p99Ms} ms (${s.connections} connections${s.rate ? `, at most ${s.rate} req/s` : ""})`,
      );
    }
    if (s.interrupted()) throw new Error("interrupted");

    const expected = new Set<string>();
    for (let i = 1; i <= s.customers; i++) expected.add(techEmail(i, 1)).add(techEmail(i, 2));
    const startsAt = new Date(Date.now() + 7 * 86_400_000);
    const input = {
      kind: "MAINTENANCE",
      titleDe: "Wartung am Glasfasernetz",
      titleEn: "Fibre network maintenance",
      messageDe: "Wir arbeiten an unserem Glasfasernetz. Ihre Leitung kann bis zu 30 Minuten unterbrochen sein.",
      messageEn: "We are working on our fibre network. Your line may be down for up to 30 minutes.",
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 4 * 3_600_000).toISOString(),
      products: { type: "INTERNET_LINE" },
    };

    /**
     * 4.–5. One announcement for every line, until the sink has a message for each technical
     * address (under the Dashboard load when `withLoad`), then the settled rows and the API's figures.
     */
    const announceOnce = async (withLoad: boolean, label: string) => {
      s.sink.reset();
      s.sink.expect(expected);
      const running = withLoad && s.connections ? startLoad(dashboard(Math.ceil((s.timeoutMs + SETTLE_MS) / 1000) + 60)) : undefined;
      const stopLoad = async () => {
        if (!running) return undefined;
        running.stop();
        return await running;
      };
      const published = Date.now();
      let answer: any;
      try {
        answer = (await graphql(konto.url, ANNOUNCE, { i: input }, token)).maintenanceAnnounce;
      } catch (error) {
        await stopLoad();
        throw error;
      }
      const returned = Date.now();
      const mutationMs = returned - published;
      if (answer.userErrors.length || !answer.announcement) {
        await stopLoad();
        throw new Error(`maintenanceAnnounce answered with user errors: ${JSON.stringify(answer.userErrors)}`);
      }
      const announcement = answer.announcement;
      const announcementDbId = Number(Buffer.from(announcement.id, "base64url").toString("utf8").split(":")[1]);
      s.log(
        `fan-out ${label}: maintenanceAnnounce took ${mutationMs} ms (${announcement.affectedProductCount} products, ` +
          `${announcement.affectedCustomerCount} customers); waiting for ${expectedNotices} messages`,
      );

      const deadline = returned + s.timeoutMs;
      let rowsVisibleAt: number | undefined;
      let lastProgress = { at: returned, accepted: s.sink.accepted };
      let lastLog = returned;
      let stopReason: string | undefined;
      for (;;) {
        await sleep(100);
        const now = Date.now();
        if (s.sink.allExpectedAt !== undefined) break;
        if (s.interrupted()) stopReason = "interrupted";
        else if (!isRunning(konto)) stopReason = `Konto exited; its last output:\n${konto.tail.slice(-10).join("\n")}`;
        else if (!isRunning(workers)) stopReason = `Konto's workers exited; their last output:\n${workers.tail.slice(-10).join("\n")}`;
        else if (now > deadline) stopReason = `timed out after ${s.timeoutMs / 1000} s`;
        else if (now - lastProgress.at > s.stallMs) stopReason = `no message for ${s.stallMs / 1000} s`;
        if (stopReason) break;
        if (s.sink.accepted !== lastProgress.accepted) lastProgress = { at: now, accepted: s.sink.accepted };
        if (
          rowsVisibleAt === undefined &&
          Number((await db.query("SELECT COUNT(*) AS n FROM maintenance_notices WHERE announcement_id = ?", [announcementDbId]))[0].n) > 0
        )
          rowsVisibleAt = Date.now();
        if (now - lastLog >= 5000) {
          lastLog = now;
          s.log(
            `fan-out ${label}: ${s.sink.expectedReached}/${expectedNotices} recipients after ${((now - returned) / 1000).toFixed(0)} s; notices ${JSON.stringify(await noticeCounts(db))}`,
          );
        }
      }
      const duringFanout = await stopLoad();
      const completed = s.sink.allExpectedAt !== undefined;
      const roundProblems: string[] = [];
      if (!completed)
        roundProblems.push(
          `fan-out ${label} did not finish: ${stopReason} (${s.sink.expectedReached} of ${expectedNotices} recipients reached)`,
        );
      else
        s.log(
          `fan-out ${label}: all ${expectedNotices} recipients reached after ${((s.sink.allExpectedAt! - returned) / 1000).toFixed(1)} s`,
        );
      if (duringFanout)
        s.log(
          `fan-out: Dashboard during it ${duringFanout.reqPerSec.toFixed(1)} req/s, p50 ${duringFanout.p50Ms} ms, p99 ${duringFanout.p99Ms} ms`,
        );

      // Settle: every notice row SENT or FAILED (the row is updated after the 250), then a
      // second more for late duplicates, then the API's own figures.
      const settleUntil = Date.now() + (completed ? SETTLE_MS : 2000);
      let counts2 = await noticeCounts(db);
      while ((counts2.QUEUED ?? 0) + (counts2.SENDING ?? 0) > 0 && Date.now() < settleUntil && isRunning(konto)) {
        await sleep(250);
        counts2 = await noticeCounts(db);
      }
      await sleep(1000);
      let noticeStats: FanoutReport["noticeStats"] = null;
      if (isRunning(konto)) {
        noticeStats = (await graphql(konto.url, STATS, { id: announcement.id }, token)).node.noticeStats;
      }

      const messagesReceived = s.sink.accepted;
      const perRecipient = s.sink.perRecipient;
      let missingRecipients = 0;
      for (const address of expected) if (!perRecipient.has(address)) missingRecipients++;
      const unexpectedRecipients = [...perRecipient.keys()].filter((a) => !expected.has(a)).length;
      const duplicates = messagesReceived - perRecipient.size;
      const fanoutSeconds = completed ? secondsBetween(returned, s.sink.allExpectedAt) : null;
      const fromPublishSeconds = completed ? secondsBetween(published, s.sink.allExpectedAt) : null;
      const firstAt = s.sink.firstAt;
      const lastAt = s.sink.lastAt;

      if (duplicates)
        roundProblems.push(
          `fan-out ${label}: ${duplicates} duplicate messages (${messagesReceived} messages to ${perRecipient.size} addresses)`,
        );
      if (unexpectedRecipients)
        roundProblems.push(`fan-out ${label}: ${unexpectedRecipients} addresses got a message that are no technical contact`);
      if (noticeStats && (noticeStats.failed || noticeStats.queued))
        roundProblems.push(`fan-out ${label}: noticeStats at the end ${JSON.stringify(noticeStats)}`);
      if (noticeStats && completed && noticeStats.sent !== expectedNotices)
        roundProblems.push(`fan-out ${label}: noticeStats.sent is ${noticeStats.sent}, expected ${expectedNotices}`);
      if (announcement.affectedProductCount !== s.customers)
        roundProblems.push(`fan-out ${label}: affectedProductCount ${announcement.affectedProductCount}, expected ${s.customers}`);
      return {
        mutationMs,
        affectedProductCount: announcement.affectedProductCount as number,
        affectedCustomerCount: announcement.affectedCustomerCount as number,
        completed,
        fanoutSeconds,
        fromPublishSeconds,
        noticesPerSecond: fanoutSeconds ? expectedNotices / fanoutSeconds : null,
        fromPublishPerSecond: fromPublishSeconds ? expectedNotices / fromPublishSeconds : null,
        recipientsWorkedOutSeconds: secondsBetween(returned, rowsVisibleAt),
        firstMessageSeconds: secondsBetween(returned, firstAt),
        sendingPerSecond:
          firstAt !== undefined && lastAt !== undefined && lastAt > firstAt ? messagesReceived / ((lastAt - firstAt) / 1000) : null,
        messagesReceived,
        distinctRecipients: perRecipient.size,
        duplicates,
        missingRecipients,
        unexpectedRecipients,
        smtpConnections: s.sink.connections,
        noticeStats,
        duringFanout,
        problems: roundProblems,
      };
    };

    // The issue-9 run: the fan-out with the Dashboard under load meanwhile.
    const first = await announceOnce(true, "under Dashboard load");
    problems.push(...first.problems);
    if (idle && first.duringFanout)
      problems.push(
        ...problemsOf("konto", "Dashboard idle (fan-out db)", idle),
        ...problemsOf("konto", "Dashboard during fan-out", first.duringFanout),
      );

    // Issue 25: the floor (a raw blast) and Konto alone, in alternating rounds.
    const rounds: FanoutRound[] = [];
    for (let round = 1; round <= s.rounds && first.completed; round++) {
      if (s.interrupted()) throw new Error("interrupted");
      const blast = await blastOnce(s, env, input, expected);
      if (blast.reached !== expectedNotices || blast.duplicates)
        problems.push(`fan-out blast round ${round}: ${blast.reached} of ${expectedNotices} reached, ${blast.duplicates} duplicates`);
      const alone = await announceOnce(false, `round ${round}`);
      problems.push(...alone.problems);
      const kontoPerSecond = alone.fromPublishPerSecond ?? 0;
      rounds.push({ kontoPerSecond, blastPerSecond: blast.perSecond, ratio: blast.perSecond ? kontoPerSecond / blast.perSecond : 0 });
      s.log(
        `fan-out round ${round}: konto ${kontoPerSecond.toFixed(0)} notices/s from publish, raw blast ${blast.perSecond.toFixed(0)}/s ` +
          `(${smtpPoolSize} connections) → ${rounds[rounds.length - 1].ratio.toFixed(2)}`,
      );
    }

    const { duringFanout, problems: _firstProblems, fromPublishPerSecond: _rate, ...firstFigures } = first;
    return {
      customers: s.customers,
      expectedNotices,
      noticeConcurrency,
      smtpPoolSize,
      seedMs,
      counts,
      ...firstFigures,
      dashboard: idle && duringFanout ? { idle, duringFanout, connections: s.connections, rate: s.rate || null } : null,
      rounds,
      ratio: rounds.length ? median(rounds.map((r) => r.ratio)) : null,
      kontoWarnings: konto.warnings.length + workers.warnings.length,
      problems,
    };
  } finally {
    await db.destroy();
  }
}

// ---- report

export function fanoutLines(r: FanoutReport): string[] {
  const f = (n: number | null, digits = 1, unit = "") => (n === null ? "—" : `${n.toFixed(digits)}${unit}`);
  const d = (x: LoadResult) =>
    `${x.reqPerSec.toFixed(1).padStart(7)} req/s  p50 ${String(x.p50Ms).padStart(4)} ms  p99 ${String(x.p99Ms).padStart(5)} ms  max ${x.maxMs} ms`;
  const stats = r.noticeStats
    ? `queued ${r.noticeStats.queued}, sent ${r.noticeStats.sent}, failed ${r.noticeStats.failed}`
    : "not read (Konto is gone)";
  return [
    `maintenance fan-out: ${r.customers} customers × 2 technical contacts (+ 1 standard contact, 1 INTERNET_LINE line each), ` +
      `NOTICE_CONCURRENCY ${r.noticeConcurrency}, counting SMTP sink in the bench process`,
    `  maintenanceAnnounce            ${r.mutationMs} ms  (${r.affectedProductCount} products, ${r.affectedCustomerCount} customers)`,
    `  after the mutation's answer:   notice rows visible ${f(r.recipientsWorkedOutSeconds, 1, " s")}, first message ${f(r.firstMessageSeconds, 1, " s")}`,
    r.completed
      ? `  fan-out                        ${r.expectedNotices} messages in ${f(r.fanoutSeconds, 1, " s")} → ${f(r.noticesPerSecond, 0)} notices/s ` +
        `(from publish ${f(r.fromPublishSeconds, 1, " s")}; sending alone ${f(r.sendingPerSecond, 0)}/s)`
      : `  fan-out                        DID NOT FINISH: ${r.distinctRecipients} of ${r.expectedNotices} recipients reached`,
    ...(r.dashboard
      ? [
          `  Dashboard idle                 ${d(r.dashboard.idle)}   (${r.dashboard.connections} connections, ${r.dashboard.rate ? `at most ${r.dashboard.rate} req/s` : "each sends again at once"})`,
          `  Dashboard during fan-out       ${d(r.dashboard.duringFanout)}`,
        ]
      : ["  Dashboard                      not loaded (BENCH_FANOUT_CONNECTIONS=0): the fan-out alone"]),
    `  messages ${r.messagesReceived}, distinct recipients ${r.distinctRecipients}, duplicates ${r.duplicates}, ` +
      `missing ${r.missingRecipients}, not technical ${r.unexpectedRecipients}; SMTP connections ${r.smtpConnections}`,
    `  noticeStats at the end         ${stats}`,
    ...(r.rounds.length
      ? [
          `  Konto alone ÷ raw pooled nodemailer blast (same messages, same sink, ${r.smtpPoolSize} connections each), by round:`,
          ...r.rounds.map(
            (x, i) =>
              `    round ${i + 1}: konto ${x.kontoPerSecond.toFixed(0).padStart(5)}/s from publish | blast ${x.blastPerSecond.toFixed(0).padStart(5)}/s | ${x.ratio.toFixed(2)}`,
          ),
          `    median ${r.ratio?.toFixed(2)}`,
        ]
      : []),
  ];
}
