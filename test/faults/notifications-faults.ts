import "reflect-metadata";
// The notifications pipeline under faults: thousands of emails of three kinds, triggered through
// the real GraphQL API, delivered by two worker processes to the SMTP sink, while a worker is
// killed, Redis restarts (with its AOF, then empty), MariaDB restarts and the API is stopped.
// The expected messages come from what the test triggered, never from the pipeline's own records;
// a logical message is (Message-ID, envelope recipient), matched to what was triggered by its
// recipient and subject.

import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import mysql from "mysql2/promise";
import { KeyStore } from "../../src/access/keys";
import { AccessTokens } from "../../src/access/tokens";
import { loadConfig } from "../../src/config";
import { connect, createDataSource } from "../../src/database";
import { toGlobalId } from "../../src/platform/global-id";
import { createLogger } from "../../src/platform/logger";
import { seedDemoData } from "../../src/seed/demo-data";
import { freePort, STAFF_ADMIN } from "../support/harness";
import { Mailbox, ReceivedMail } from "../support/mailbox";
import { PrivateMariaDb, PrivateRedis, startPrivateMariaDb, startPrivateRedis } from "../support/private-servers";

export type MessageKind = "notice" | "confirmation" | "invoice";
export const MESSAGE_KINDS: readonly MessageKind[] = ["notice", "confirmation", "invoice"];

export interface NotificationFaultOptions {
  /** How many messages to trigger in all (a little more, as announcements and invoices come whole). */
  messages: number;
  /** Demo customers seeded (their technical contacts get the notices). */
  customers?: number;
  /** SMTP connections per worker process; a SIGKILL may duplicate at most one message per connection. */
  smtpPoolSize?: number;
  workerLockMs?: number;
  outboxSweepMs?: number;
  /** Done when every expected message arrived, nothing is left QUEUED or SENDING, and no message came for this long. */
  quietMs?: number;
  /** After each fault, how long to wait for everything triggered so far before the next slice. */
  recoveryTimeoutMs?: number;
  /** Given up when no message came for this long although some are missing or unfinished. */
  stuckAfterMs?: number;
  /** Overall limit for the wait after the last fault. */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KindCounts {
  expected: number;
  /** Distinct expected messages that arrived. */
  received: number;
  lost: number;
  /** Copies beyond the first. */
  duplicated: number;
}

export interface FaultRecord {
  name: string;
  /** Milliseconds since the first trigger. */
  atMs: number;
  /** Messages triggered before this fault that had not arrived yet when it struck. */
  outstanding: number;
  /** From the fault until every message triggered before it had arrived; null when some never did (in time). */
  recoveredAfterMs: number | null;
  /** Duplicates that arrived after this fault and before the next one. */
  duplicatesAfter: number;
}

export interface NotificationFaultReport {
  byKind: Record<MessageKind, KindCounts>;
  total: KindCounts;
  /** Of the duplicates, those that carried the Message-ID of an earlier copy (a receiver could drop them). */
  duplicatesWithSameMessageId: number;
  /** Messages of the test's kinds to a recipient that should not get them. */
  unexpected: number;
  /** Messages the test did not trigger (e.g. payment reminders for seeded overdue invoices). */
  other: number;
  faults: FaultRecord[];
  /** Lost messages by the slice that triggered them (slice i is struck by fault i). */
  lostBySlice: number[];
  /** From the SIGKILL until another worker delivered a message the killed one had in flight; null when none was cut off. */
  takeoverMs: number | null;
  /** SMTP transactions the SIGKILL cut off. */
  interruptedByKill: number;
  /** From the SIGKILL until the first message the replacement or surviving worker sent after it. */
  firstDeliveryAfterKillMs: number | null;
  /** Messages the killed worker delivered in the second before the kill (was it sending?). */
  killedWorkerSentInLastSecond: number;
  leftInFlight: { mailDeliveries: number; maintenanceNotices: number | null };
  /** Trigger requests that failed and were checked and retried. */
  triggerRetries: number;
  smtpPoolSize: number;
  settled: "complete" | "stuck" | "timeout";
  durationMs: number;
}

const API_SCRIPT = join(__dirname, "..", "..", "src", "main.js");
const WORKER_SCRIPT = join(__dirname, "..", "..", "workers", "index.js");
const CHANGE_DOMAIN = "change-faults.example";
const SLICES = 6; // one before each of the five faults, one after the last
const TAIL_LINES = 200;

// ---- Child processes: the API and the workers ----

interface NodeChild {
  name: string;
  proc: ChildProcess;
  tail: string[];
}

/** Spawns `node script` and waits for the JSON log line whose msg is `readyMsg`. */
function startNodeChild(name: string, script: string, env: NodeJS.ProcessEnv, readyMsg: string, timeoutMs = 60_000): Promise<NodeChild> {
  const proc = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${name} was not ready within ${timeoutMs} ms; its output:\n${tail.join("\n")}`));
    }, timeoutMs);
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      remember(line);
      if (!ready && line.includes(`"msg":"${readyMsg}"`)) {
        ready = true;
        clearTimeout(timer);
        resolve({ name, proc, tail });
      }
    });
    createInterface({ input: proc.stderr! }).on("line", (line) => remember(`[stderr] ${line}`));
    proc.on("error", (error) => {
      clearTimeout(timer);
      if (!ready) reject(error);
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal}); its output:\n${tail.join("\n")}`));
    });
  });
}

async function stopNodeChild(child: NodeChild, signal: "SIGTERM" | "SIGKILL", graceMs = 20_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, "exit");
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

// ---- What the test expects ----

interface Expectation {
  kind: MessageKind;
  slice: number;
}

/** The logical message a received mail is, in the test's terms: kind, what triggered it, recipient. */
function logicalKeyOf(mail: ReceivedMail): { kind: MessageKind; key: string } | null {
  const recipient = (mail.envelopeTo[0] ?? "").toLowerCase();
  const subject = mail.parsed.subject ?? "";
  if (recipient.endsWith(`@${CHANGE_DOMAIN}`)) return { kind: "confirmation", key: `confirmation:${recipient}` };
  const notice = /\[FT-(\d+)\]/.exec(subject);
  if (notice) return { kind: "notice", key: `notice:${notice[1]}:${recipient}` };
  const invoice = /^(?:Rechnung|Invoice) (\S+)$/.exec(subject);
  if (invoice) return { kind: "invoice", key: `invoice:${invoice[1]}:${recipient}` };
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ANNOUNCE = `mutation($i: MaintenanceAnnounceInput!) { maintenanceAnnounce(input: $i) { announcement { id } userErrors { code message } } }`;
const CHANGE_EMAIL = `mutation($id: ID!, $i: ContactInput!) { contactUpdate(contactId: $id, input: $i) { contact { pendingEmail } userErrors { code message } } }`;
const ISSUE = `mutation($i: InvoiceIssueInput!) { invoiceIssue(input: $i) { invoice { number } userErrors { code message } } }`;

/** The recipients the maintenance fan-out should pick for these products (kind MAINTENANCE), by the documented rule. */
const NOTICE_RECIPIENTS_SQL = `
  SELECT DISTINCT LOWER(r.recipient) AS recipient FROM (
    SELECT k.email AS recipient FROM products p
      JOIN contacts k ON k.customer_id = p.customer_id AND FIND_IN_SET('TECHNICAL', k.types) AND k.email_confirmed_at IS NOT NULL
      WHERE p.id IN (?) AND p.status <> 'CANCELLED'
    UNION ALL
    SELECT c.email FROM products p JOIN customers c ON c.id = p.customer_id
      WHERE p.id IN (?) AND p.status <> 'CANCELLED' AND (c.notify_main_email = 1 OR NOT EXISTS (
        SELECT 1 FROM contacts k WHERE k.customer_id = c.id AND FIND_IN_SET('TECHNICAL', k.types) AND k.email_confirmed_at IS NOT NULL))
  ) r`;

/** An invoice's recipients as documented: the online-invoice address (if on before the invoice), and confirmed STANDARD/BILLING contacts that receive invoices. */
const INVOICE_RECIPIENTS_SQL = `
  SELECT i.number, LOWER(c.online_invoice_email) AS recipient FROM invoices i JOIN customers c ON c.id = i.customer_id
    WHERE i.number IN (?) AND c.online_invoice_enabled = 1 AND c.online_invoice_email IS NOT NULL AND c.online_invoice_enabled_at <= i.created_at
  UNION
  SELECT i.number, LOWER(k.email) FROM invoices i JOIN contacts k ON k.customer_id = i.customer_id
    WHERE i.number IN (?) AND k.receives_invoices = 1 AND k.email_confirmed_at IS NOT NULL
      AND (FIND_IN_SET('STANDARD', k.types) OR FIND_IN_SET('BILLING', k.types))`;

export async function runNotificationFaults(options: NotificationFaultOptions): Promise<NotificationFaultReport> {
  const o = {
    customers: 2000,
    smtpPoolSize: 10,
    workerLockMs: 10_000,
    outboxSweepMs: 1000,
    quietMs: 5000,
    // Past the job takeover (lock + stall check) and the delivery lease (30 s) of a killed worker.
    recoveryTimeoutMs: 60_000,
    stuckAfterMs: 60_000,
    settleTimeoutMs: 10 * 60_000,
    log: (line: string) => console.log(line),
    ...options,
  };
  const startedAt = Date.now();
  const children = new Set<NodeChild>();
  const mailbox = new Mailbox();
  let db: PrivateMariaDb | undefined;
  let redis: PrivateRedis | undefined;
  let pool: mysql.Pool | undefined;
  const workDir = mkdtempSync(join(tmpdir(), "konto-faults-"));

  try {
    const smtpUrl = await mailbox.start();
    [db, redis] = await Promise.all([startPrivateMariaDb(), startPrivateRedis({ appendonly: true })]);
    const apiPort = await freePort();
    const databaseUrl = `${db.url}/konto_faults`;
    const commonEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: "faults",
      SMTP_URL: smtpUrl,
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      JWT_DEV_KEY_FILE: join(workDir, "jwk.json"),
      ACCESS_TOKEN_TTL: "12h",
      LOG_LEVEL: "info",
    };
    const apiEnv = { ...commonEnv, HOST: "127.0.0.1", PORT: String(apiPort), SEED: "none", WORKERS_IN_PROCESS: "false" };
    const workerEnv = (n: number): NodeJS.ProcessEnv => ({
      ...commonEnv,
      WORKER_LOCK_DURATION: `${o.workerLockMs}ms`,
      OUTBOX_SWEEP_INTERVAL: `${o.outboxSweepMs}ms`,
      SMTP_POOL_SIZE: String(o.smtpPoolSize),
      // The envelope sender tells the sink which worker process sent a message.
      MAIL_FROM: `Konto Worker ${n} <worker-${n}@konto.localhost>`,
    });

    // The token is signed with the key file the API will load: the test writes it first.
    const config = loadConfig(apiEnv);
    const silent = createLogger("silent");
    const tokens = new AccessTokens(await KeyStore.load(config, silent), config.jwt);
    // A fresh token per request: the run outlasts STEP_UP_MAX_AGE, and an email change needs a recent sign-in.
    const staffToken = async () => (await tokens.sign(STAFF_ADMIN)).token;

    const startApi = async () => {
      const api = await startNodeChild("api", API_SCRIPT, apiEnv, "konto listening");
      children.add(api);
      return api;
    };
    let workerCount = 0;
    const startWorker = async () => {
      const n = ++workerCount;
      const worker = await startNodeChild(`worker-${n}`, WORKER_SCRIPT, workerEnv(n), "workers started");
      children.add(worker);
      return worker;
    };

    // The API migrates on start; the demo data goes in before any worker runs.
    let api = await startApi();
    const seedSource = await connect(createDataSource(config, silent));
    try {
      await seedDemoData(seedSource, { customers: o.customers });
    } finally {
      await seedSource.destroy();
    }
    pool = mysql.createPool({ uri: databaseUrl, connectionLimit: 4 });
    const sql = sqlWithRetry(pool);
    const workers = [await startWorker(), await startWorker()];
    o.log(
      `notification faults: servers, API and 2 workers up, ${o.customers} customers seeded in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );

    const gql = graphqlClient(`http://127.0.0.1:${apiPort}/graphql`, staffToken);
    const triggers = new Triggers(sql, gql, o.customers);
    await triggers.prepare();

    const expected = new Map<string, Expectation>();
    const expectedBySlice: string[][] = [];
    // Arrivals by logical key, classified as they come (the sink's list only grows).
    const arrivals = new Map<string, number>();
    let classified = 0;
    const classifyNew = () => {
      for (; classified < mailbox.messages.length; classified++) {
        const logical = logicalKeyOf(mailbox.messages[classified]);
        if (logical) arrivals.set(logical.key, (arrivals.get(logical.key) ?? 0) + 1);
      }
    };
    /** Expected messages of slices up to `slice` that have not arrived. */
    const missingUpTo = (slice: number) => {
      classifyNew();
      return expectedBySlice.slice(0, slice + 1).flatMap((keys) => keys.filter((key) => !arrivals.has(key)));
    };
    const outstandingUpTo = (slice: number) => missingUpTo(slice).length;
    // Messages still missing when a fault's recovery wait ran out: later waits do not wait for them
    // again (they still count as lost unless they arrive before the end).
    const writtenOff = new Set<string>();
    const arrivedOfSlice = (slice: number, prefix = "") => {
      classifyNew();
      return (expectedBySlice[slice] ?? []).filter((key) => key.startsWith(prefix) && arrivals.has(key)).length;
    };

    const perSlice = Math.ceil(o.messages / SLICES);
    const firstTriggerAt = Date.now();
    const sinceStart = (at = Date.now()) => `${((at - firstTriggerAt) / 1000).toFixed(1)} s`;
    const faults: FaultRecord[] = [];
    let killAt = 0;
    const killedSender = "worker-1@konto.localhost";

    const faultSteps: { name: string; run: () => Promise<void> }[] = [
      {
        name: "SIGKILL worker-1",
        run: async () => {
          killAt = Date.now();
          await stopNodeChild(workers[0], "SIGKILL");
          workers[0] = await startWorker();
        },
      },
      { name: "Redis restart with AOF", run: () => redis!.restart({ downMs: 1000 }) },
      { name: "Redis restart without AOF (empty)", run: () => redis!.restart({ appendonly: false, downMs: 1000 }) },
      { name: "MariaDB restart (down 5 s)", run: () => db!.restart({ downMs: 5000 }) },
      {
        name: "SIGTERM API, then start it again",
        run: async () => {
          await stopNodeChild(api, "SIGTERM");
          children.delete(api);
          api = await startApi();
        },
      },
    ];

    for (let slice = 0; slice < SLICES; slice++) {
      const triggered = await triggers.slice(slice, perSlice);
      for (const [key, kind] of triggered.expected) expected.set(key, { kind, slice });
      expectedBySlice[slice] = [...triggered.expected.keys()];
      o.log(`  slice ${slice + 1}: triggered ${triggered.expected.size} messages (${triggered.describe}) by ${sinceStart()}`);
      const step = faultSteps[slice];
      if (!step) continue;
      // Strike while the slice's notices are being sent: the first has arrived, the rest are on their way.
      await pollUntil(() => arrivedOfSlice(slice, `notice:${slice}:`) > 0, 60_000).catch(() =>
        o.log(`  no notice of slice ${slice + 1} arrived within 60 s; striking anyway`),
      );
      const outstanding = outstandingUpTo(slice);
      const at = Date.now();
      await step.run();
      const fault: FaultRecord = { name: step.name, atMs: at - firstTriggerAt, outstanding, recoveredAfterMs: null, duplicatesAfter: 0 };
      faults.push(fault);
      o.log(
        `  fault ${faults.length}: ${step.name} at ${sinceStart(at)} with ${outstanding} messages outstanding; back at ${sinceStart()}`,
      );
      // One fault at a time: the next comes once everything triggered so far arrived (or after a
      // while, when something is lost), so each loss or duplicate belongs to one fault.
      const recovered = await pollUntil(() => missingUpTo(slice).every((key) => writtenOff.has(key)), o.recoveryTimeoutMs).then(
        () => true,
        () => false,
      );
      if (recovered) fault.recoveredAfterMs = Date.now() - at;
      else {
        const missing = missingUpTo(slice).filter((key) => !writtenOff.has(key));
        missing.forEach((key) => writtenOff.add(key));
        o.log(`  ${missing.length} messages still missing ${o.recoveryTimeoutMs / 1000} s after the fault; going on`);
      }
    }

    // ---- Wait until the system is quiet ----
    const settleStart = Date.now();
    let settled: NotificationFaultReport["settled"] = "timeout";
    let leftInFlight = { mailDeliveries: -1, maintenanceNotices: null as number | null };
    for (;;) {
      await sleep(500);
      const lastArrival = Math.max(settleStart, mailbox.messages.at(-1)?.receivedAt ?? 0);
      const quietFor = Date.now() - lastArrival;
      if (quietFor >= o.quietMs && outstandingUpTo(SLICES - 1) === 0) {
        leftInFlight = await unfinishedDeliveries(sql);
        if (leftInFlight.mailDeliveries === 0 && !leftInFlight.maintenanceNotices) {
          settled = "complete";
          break;
        }
      }
      if (quietFor >= o.stuckAfterMs) {
        settled = "stuck";
        break;
      }
      if (Date.now() - settleStart > o.settleTimeoutMs) break;
    }
    leftInFlight = await unfinishedDeliveries(sql);

    // ---- Count ----
    const copies = new Map<string, ReceivedMail[]>();
    let unexpected = 0;
    let other = 0;
    // Invoices the test did not issue (the dunning fee invoices of the seeded overdue invoices,
    // which housekeeping issues and emails meanwhile) are not the test's messages.
    const testInvoices = new Set([...expected.keys()].filter((k) => k.startsWith("invoice:")).map((k) => k.split(":")[1]));
    for (const mail of mailbox.messages) {
      const logical = logicalKeyOf(mail);
      if (!logical) other++;
      else if (logical.kind === "invoice" && !testInvoices.has(logical.key.split(":")[1])) other++;
      else if (!expected.has(logical.key)) unexpected++;
      else copies.set(logical.key, [...(copies.get(logical.key) ?? []), mail]);
    }
    const zero = (): KindCounts => ({ expected: 0, received: 0, lost: 0, duplicated: 0 });
    const byKind = Object.fromEntries(MESSAGE_KINDS.map((k) => [k, zero()])) as Record<MessageKind, KindCounts>;
    const total = zero();
    let duplicatesWithSameMessageId = 0;
    const faultTimes = faults.map((f) => firstTriggerAt + f.atMs);
    const lostBySlice = Array.from({ length: SLICES }, () => 0);
    for (const [key, { kind, slice }] of expected) {
      const arrived = copies.get(key) ?? [];
      if (!arrived.length) lostBySlice[slice]++;
      for (const counts of [byKind[kind], total]) {
        counts.expected++;
        if (arrived.length) counts.received++;
        else counts.lost++;
        counts.duplicated += Math.max(0, arrived.length - 1);
      }
      const seenIds = new Set<string>();
      arrived.forEach((mail, i) => {
        const id = mail.parsed.messageId ?? "";
        if (i > 0) {
          if (seenIds.has(id)) duplicatesWithSameMessageId++;
          const after = faultTimes.filter((t) => t <= mail.receivedAt).length;
          if (after > 0) faults[after - 1].duplicatesAfter++;
        }
        seenIds.add(id);
      });
    }

    // Takeover: a transaction the SIGKILL cut off, delivered later by another worker.
    const cutOff = mailbox.interrupted.filter((t) => t.envelopeFrom === killedSender && t.at >= killAt);
    const cutOffRecipients = new Set(cutOff.flatMap((t) => t.envelopeTo.map((r) => r.toLowerCase())));
    const afterKill = mailbox.messages.filter((m) => killAt && m.receivedAt > killAt && m.envelopeFrom !== killedSender);
    const takeover = afterKill.find((m) => cutOffRecipients.has((m.envelopeTo[0] ?? "").toLowerCase()));
    const report: NotificationFaultReport = {
      byKind,
      total,
      duplicatesWithSameMessageId,
      unexpected,
      other,
      faults,
      lostBySlice,
      takeoverMs: takeover ? takeover.receivedAt - killAt : null,
      interruptedByKill: cutOff.length,
      firstDeliveryAfterKillMs: afterKill.length ? afterKill[0].receivedAt - killAt : null,
      killedWorkerSentInLastSecond: mailbox.messages.filter(
        (m) => m.envelopeFrom === killedSender && m.receivedAt > killAt - 1000 && m.receivedAt <= killAt,
      ).length,
      leftInFlight,
      triggerRetries: triggers.retries,
      smtpPoolSize: o.smtpPoolSize,
      settled,
      durationMs: Date.now() - startedAt,
    };
    o.log(summaryOf(report));
    return report;
  } catch (error) {
    for (const child of children) {
      if (child.proc.exitCode !== null)
        o.log(
          `--- ${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}); its output ends:\n${child.tail.slice(-30).join("\n")}`,
        );
    }
    throw error;
  } finally {
    // Senders first, so the sink's close does not wait for their connections.
    await Promise.all([...children].map((child) => stopNodeChild(child, "SIGKILL")));
    await pool?.end().catch(() => undefined);
    await mailbox.stop();
    await Promise.all([db?.remove(), redis?.remove()]);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** What every run must show: faults struck with deliveries in flight, nothing lost, at most one duplicate per connection of the killed worker, nothing unfinished. */
export function assertFaultReport(report: NotificationFaultReport, minimumMessages: number): void {
  for (const fault of report.faults) assert.ok(fault.outstanding > 0, `${fault.name}: deliveries should have been in flight`);
  for (const kind of MESSAGE_KINDS) assert.ok(report.byKind[kind].expected > 0, `${kind}: some messages expected`);
  assert.ok(report.total.expected >= minimumMessages, `at least ${minimumMessages} messages expected, got ${report.total.expected}`);
  for (const kind of MESSAGE_KINDS) assert.equal(report.byKind[kind].lost, 0, `${kind}: messages lost`);
  // Only the SIGKILL may duplicate: at most the message in flight on each of the killed worker's SMTP connections.
  assert.ok(
    report.total.duplicated <= report.smtpPoolSize,
    `${report.total.duplicated} duplicates, more than SMTP_POOL_SIZE ${report.smtpPoolSize}`,
  );
  for (const fault of report.faults.slice(1)) assert.equal(fault.duplicatesAfter, 0, `${fault.name}: duplicates`);
  assert.equal(report.unexpected, 0, "messages to recipients that should not get them");
  assert.equal(report.leftInFlight.mailDeliveries, 0, "mail_deliveries left QUEUED or SENDING");
  assert.ok(!report.leftInFlight.maintenanceNotices, "maintenance_notices left QUEUED or SENDING");
}

export function summaryOf(r: NotificationFaultReport): string {
  const kinds = [...MESSAGE_KINDS.map((k) => [k, r.byKind[k]] as const), ["total", r.total] as const]
    .map(([name, c]) => `${name}: expected ${c.expected}, received ${c.received}, lost ${c.lost}, duplicated ${c.duplicated}`)
    .join("; ");
  const seconds = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
  const faults = r.faults
    .map(
      (f) =>
        `${f.name} (${f.outstanding} outstanding; all arrived after ${f.recoveredAfterMs === null ? "never" : seconds(f.recoveredAfterMs)}; ${f.duplicatesAfter} duplicates after)`,
    )
    .join(", ");
  return [
    `notification faults: ${kinds}`,
    `  duplicates with a repeated Message-ID: ${r.duplicatesWithSameMessageId}; unexpected recipients: ${r.unexpected}; not triggered by the test: ${r.other}`,
    `  takeover after SIGKILL: everything triggered before the kill had arrived after ${seconds(r.faults[0]?.recoveredAfterMs ?? null)}; ` +
      `the killed worker sent ${r.killedWorkerSentInLastSecond} messages in its last second, ${r.interruptedByKill} of its SMTP transactions were cut off` +
      `${r.takeoverMs === null ? "" : `, the first of them redelivered after ${seconds(r.takeoverMs)}`}; another worker's first delivery after the kill came after ${seconds(r.firstDeliveryAfterKillMs)}`,
    `  faults: ${faults}`,
    `  lost by the slice that triggered them (slice i was triggered just before fault i): ${r.lostBySlice.join(", ")}`,
    `  left QUEUED/SENDING: mail_deliveries ${r.leftInFlight.mailDeliveries}, maintenance_notices ${r.leftInFlight.maintenanceNotices ?? "n/a"}; settled: ${r.settled}; trigger retries: ${r.triggerRetries}; run time ${seconds(r.durationMs)}`,
  ].join("\n");
}

// ---- SQL and GraphQL helpers ----

type Sql = <T = Record<string, any>>(statement: string, params?: unknown[]) => Promise<T[]>;

/** A query that rides out a server that is briefly away (the pool drops dead connections). */
function sqlWithRetry(pool: mysql.Pool): Sql {
  return async <T>(statement: string, params: unknown[] = []) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const [rows] = await pool.query(statement, params);
        return rows as T[];
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(500);
      }
    }
  };
}

/** Deliveries not finished: none may be left QUEUED or SENDING (maintenance_notices only while it has a status). */
async function unfinishedDeliveries(sql: Sql): Promise<{ mailDeliveries: number; maintenanceNotices: number | null }> {
  const [deliveries] = await sql<{ n: number }>("SELECT COUNT(*) AS n FROM mail_deliveries WHERE status IN ('QUEUED', 'SENDING')");
  const [column] = await sql(
    "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'maintenance_notices' AND COLUMN_NAME = 'status'",
  );
  let notices: number | null = null;
  if (column)
    notices = Number(
      (await sql<{ n: number }>("SELECT COUNT(*) AS n FROM maintenance_notices WHERE status IN ('QUEUED', 'SENDING')"))[0].n,
    );
  return { mailDeliveries: Number(deliveries.n), maintenanceNotices: notices };
}

type Gql = (query: string, variables: Record<string, unknown>) => Promise<any>;

/** Returns `data`, or throws on transport errors, GraphQL errors and userErrors. */
function graphqlClient(url: string, token: () => Promise<string>): Gql {
  return async (query, variables) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL error: ${body.errors.map((e) => e.message).join("; ")}`);
    const payload = Object.values(body.data ?? {})[0] as { userErrors?: { message: string }[] } | undefined;
    if (payload?.userErrors?.length) throw new Error(`userErrors: ${JSON.stringify(payload.userErrors)}`);
    return body.data;
  };
}

/** Resolves once `condition` holds (checked every 200 ms), or rejects after `timeoutMs`. */
async function pollUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(200);
  }
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

/**
 * Makes the work of each slice through the API: one maintenance announcement (about half of the
 * messages), contact email changes (a quarter) and invoices (a quarter). A request that fails is
 * checked in the database by its unique marker before it is sent again, so the expected set is
 * exactly what was committed.
 */
class Triggers {
  retries = 0;
  private customerRecipients: { customerId: number; productId: number; notices: number; invoices: number }[] = [];
  private contactIds: number[] = [];
  private nextContact = 0;
  private nextNoticeCustomer = 0;
  private nextInvoiceCustomer = 0;
  private readonly run = Date.now().toString(36);

  constructor(
    private readonly sql: Sql,
    private readonly gql: Gql,
    private readonly customers: number,
  ) {}

  /** Per customer: one active product, and how many notice and invoice recipients it has (for sizing only). */
  async prepare(): Promise<void> {
    this.customerRecipients = (
      await this.sql(
        `SELECT c.id AS customerId, MIN(p.id) AS productId,
           (SELECT COUNT(*) FROM contacts k WHERE k.customer_id = c.id AND FIND_IN_SET('TECHNICAL', k.types) AND k.email_confirmed_at IS NOT NULL) AS technical,
           (SELECT COUNT(*) FROM contacts k WHERE k.customer_id = c.id AND k.receives_invoices = 1 AND k.email_confirmed_at IS NOT NULL
              AND (FIND_IN_SET('STANDARD', k.types) OR FIND_IN_SET('BILLING', k.types))) + (c.online_invoice_enabled = 1) AS invoices
         FROM customers c JOIN products p ON p.customer_id = c.id AND p.status <> 'CANCELLED' GROUP BY c.id ORDER BY c.id`,
      )
    ).map((r) => ({
      customerId: Number(r.customerId),
      productId: Number(r.productId),
      notices: Math.max(1, Number(r.technical)),
      invoices: Number(r.invoices),
    }));
    // Email changes go to contacts that get neither notices nor invoices, each changed once.
    this.contactIds = (
      await this.sql("SELECT id FROM contacts WHERE NOT FIND_IN_SET('TECHNICAL', types) AND receives_invoices = 0 ORDER BY id")
    ).map((r) => Number(r.id));
    if (this.customerRecipients.length < this.customers / 2)
      throw new Error(`only ${this.customerRecipients.length} customers with products`);
  }

  async slice(
    slice: number,
    messages: number,
  ): Promise<{ expected: Map<string, MessageKind>; invoiceNumbers: string[]; describe: string }> {
    const expected = new Map<string, MessageKind>();
    const invoiceNumbers: string[] = [];
    const noticeTarget = Math.ceil(messages / 2);
    const changeTarget = Math.ceil(messages / 4);
    const invoiceTarget = Math.max(1, messages - noticeTarget - changeTarget);

    // Confirmation links: one email change per contact, to a fresh address.
    const contacts = this.contactIds.slice(this.nextContact, this.nextContact + changeTarget);
    this.nextContact += contacts.length;
    if (contacts.length < changeTarget) throw new Error("not enough contacts for the email changes; seed more customers");
    await inParallel(contacts, 8, async (contactId) => {
      const address = `c${contactId}.${slice}.${this.run}@${CHANGE_DOMAIN}`;
      await this.withRetry(
        () => this.gql(CHANGE_EMAIL, { id: toGlobalId("Contact", contactId), i: { email: address } }),
        async () => (await this.sql("SELECT id FROM email_verifications WHERE new_email = ?", [address])).length > 0,
      );
      expected.set(`confirmation:${address.toLowerCase()}`, "confirmation");
    });

    // Invoices: customers with recipients, until about invoiceTarget messages are due.
    const invoiceCustomers: number[] = [];
    for (let planned = 0, looked = 0; planned < invoiceTarget && looked < this.customerRecipients.length; looked++) {
      const c = this.customerRecipients[this.nextInvoiceCustomer++ % this.customerRecipients.length];
      if (!c.invoices) continue;
      invoiceCustomers.push(c.customerId);
      planned += c.invoices;
    }
    await inParallel(invoiceCustomers, 8, async (customerId, i) => {
      // The line's description marks the invoice, so a failed request can be looked up.
      const description = `Fault test ${this.run} slice ${slice} invoice ${i}`;
      const data = await this.withRetry(
        () =>
          this.gql(ISSUE, {
            i: {
              customerId: toGlobalId("Customer", customerId),
              // No rate: Konto proposes the category and rate (reverse charge for the German business customers).
              lines: [{ description, quantity: 1, unitPriceAmount: 1990 }],
            },
          }),
        async () => (await this.sql("SELECT 1 FROM invoice_lines WHERE description = ?", [description])).length > 0,
      );
      const number: string =
        data?.invoiceIssue?.invoice?.number ??
        (
          await this.sql("SELECT i.number FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id WHERE l.description = ?", [
            description,
          ])
        )[0].number;
      invoiceNumbers.push(number);
    });
    // Notices last, so that they are what is in flight when the fault strikes: products of
    // enough customers to reach about noticeTarget recipients.
    const productIds: number[] = [];
    for (let planned = 0; planned < noticeTarget;) {
      const c = this.customerRecipients[this.nextNoticeCustomer++ % this.customerRecipients.length];
      productIds.push(c.productId);
      planned += c.notices;
    }
    const tag = `[FT-${slice}]`;
    const titleDe = `Wartung ${tag} ${this.run}`;
    const starts = Date.now() + 86_400_000;
    await this.withRetry(
      () =>
        this.gql(ANNOUNCE, {
          i: {
            kind: "MAINTENANCE",
            titleDe,
            titleEn: `Maintenance ${tag} ${this.run}`,
            messageDe: "Wir tauschen Netzwerkkomponenten.",
            messageEn: "We replace network gear.",
            startsAt: new Date(starts).toISOString(),
            endsAt: new Date(starts + 7_200_000).toISOString(),
            products: { productIds: productIds.map((id) => toGlobalId("Product", id)) },
          },
        }),
      async () => (await this.sql("SELECT id FROM maintenance_announcements WHERE title_de = ?", [titleDe])).length > 0,
    );
    const noticeRecipients = await this.sql<{ recipient: string }>(NOTICE_RECIPIENTS_SQL, [productIds, productIds]);
    for (const { recipient } of noticeRecipients) expected.set(`notice:${slice}:${recipient}`, "notice");

    let invoiceMessages = 0;
    if (invoiceNumbers.length) {
      for (const { number, recipient } of await this.sql<{ number: string; recipient: string }>(INVOICE_RECIPIENTS_SQL, [
        invoiceNumbers,
        invoiceNumbers,
      ])) {
        expected.set(`invoice:${number}:${recipient}`, "invoice");
        invoiceMessages++;
      }
    }
    return {
      expected,
      invoiceNumbers,
      describe: `${noticeRecipients.length} notices, ${contacts.length} confirmations, ${invoiceMessages} invoice emails of ${invoiceNumbers.length} invoices`,
    };
  }

  /** Runs `request`; when it fails, asks the database whether it was committed before trying again. */
  private async withRetry<T>(request: () => Promise<T>, committed: () => Promise<boolean>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (attempt >= 10) throw error;
        this.retries++;
        await sleep(1000);
        if (await committed()) return undefined;
      }
    }
  }
}
