// The monthly invoice run at provider scale (run.ts calls it after the fan-out; alone:
// `npm run bench:invoice-run`):
//
// 1. seeds its own database with `invoices` customers, each with one confirmed STANDARD contact
//    that receives invoices (so every invoice is one email), plus the staff login;
// 2. starts a Konto child on it whose SMTP_URL is the counting sink in the bench process;
// 3. measures the Dashboard idle at the offered load (like the fan-out);
// 4. under that load, calls invoiceRunStart with 500 invoices per call until all are handed in,
//    and waits until the sink has accepted an email (with its PDF) for every customer;
//    invoices per second end to end = invoices / (first call → last email accepted);
// 5. stops the load, reads the runs over the API (issued, failed, emailed), and renders
//    `pdfSamples` of the issued invoices' PDFs in this process, one after another, for the
//    PDF-only rate on the same machine (Konto's worker renders on one core too).
// It reports; only breakage (timeout, duplicates, failed invoices, errors under load) is a problem.

import { performance } from "node:perf_hooks";
import type { DataSource } from "typeorm";
import { loadConfig } from "../../src/config";
import { openDatabase } from "../../src/database";
import { printableInvoice } from "../../src/invoices/invoice-documents";
import { renderInvoicePdf } from "../../src/invoices/invoice-pdf";
import { createLogger } from "../../src/platform/logger";
import { isRunning } from "./children";
import { insertRows } from "./fanout";
import { LoadResult, WorkloadSettings, load, problemsOf, startLoad } from "./load";
import { DASHBOARD, globalId, requestBody } from "./queries";
import { createStaffUser, graphql, logIn } from "./staff";

export interface InvoiceRunSettings extends WorkloadSettings {
  invoices: number;
  pdfSamples: number;
}

export interface InvoiceRunReport {
  invoices: number;
  seedMs: number;
  calls: number;
  /** The calls of invoiceRunStart, summed: the time the API took to accept the whole run. */
  handInMs: number;
  completed: boolean;
  /** First call until every invoice was issued (no item PENDING). */
  issuedSeconds: number | null;
  /** First call until the sink had an email for every invoice. */
  endToEndSeconds: number | null;
  invoicesPerSecond: number | null;
  issued: number;
  failed: number;
  emailed: number;
  messagesReceived: number;
  duplicates: number;
  /** PDFs rendered one after another in the bench process (rendering only, data read before). */
  pdfOnlyPerSecond: number | null;
  pdfSamples: number;
  dashboard: { idle: LoadResult; during: LoadResult; connections: number; rate: number | null } | null;
  kontoWarnings: number;
  problems: string[];
}

const recipient = (i: number) => `rechnung@c${i}.run.example`;
const BATCH = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seedCustomers(db: DataSource, customers: number): Promise<void> {
  const confirmed = new Date(Date.now() - 30 * 86_400_000);
  const customerRows: unknown[][] = [];
  const contactRows: unknown[][] = [];
  for (let i = 1; i <= customers; i++) {
    customerRows.push([
      i,
      String(6_000_000 + i),
      "BUSINESS",
      `Rechnungslauf ${i} GmbH`,
      "GmbH",
      `Laufgasse ${i}`,
      "1010",
      "Wien",
      "AT",
      `info@c${i}.run.example`,
      i % 4 === 0 ? "en" : "de",
      "ACTIVE",
    ]);
    contactRows.push([i, "STANDARD", "Rita", `Rechnung ${i}`, recipient(i), confirmed, 1]);
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
  await insertRows(
    db,
    "contacts",
    ["customer_id", "types", "first_name", "last_name", "email", "email_confirmed_at", "receives_invoices"],
    contactRows,
  );
}

const START = `mutation BenchInvoiceRun($i: InvoiceRunStartInput!) { invoiceRunStart(input: $i) { run { id total } skipped userErrors { code message } } }`;
const RUN = `query BenchInvoiceRunProgress($id: ID!) { invoiceRun(id: $id) { total pending issued failed emailed } }`;

function runItems(from: number, to: number) {
  return Array.from({ length: to - from + 1 }, (_, k) => {
    const i = from + k;
    return {
      customerId: globalId("Customer", i),
      periodStart: "2026-11-01",
      periodEnd: "2026-11-30",
      lines: [
        { description: "Webhosting Business – November", quantity: 1, unitPriceAmount: 2490, vatRate: 20 },
        { description: "Domain .at", quantity: 1, unitPriceAmount: 120, vatRate: 20 },
        { description: "Zusätzliche Postfächer", quantity: 1 + (i % 5), unitPriceAmount: 150, vatRate: 20 },
      ],
    };
  });
}

export async function runInvoiceRun(s: InvoiceRunSettings): Promise<InvoiceRunReport> {
  const problems: string[] = [];
  const config = loadConfig({
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.kontoEnv.REDIS_URL,
    QUEUE_PREFIX: s.queuePrefix,
    LOG_LEVEL: "warn",
  });
  const db = await openDatabase({ ...config, databasePoolSize: 2 }, createLogger("warn"));
  try {
    const seedStarted = Date.now();
    await seedCustomers(db, s.invoices);
    await createStaffUser(db, s.staff);
    const seedMs = Date.now() - seedStarted;
    s.log(`invoice run: seeded ${s.invoices} customers in ${(seedMs / 1000).toFixed(1)} s`);

    const env: NodeJS.ProcessEnv = {
      ...s.kontoEnv,
      DATABASE_URL: s.databaseUrl,
      QUEUE_PREFIX: s.queuePrefix,
      SMTP_URL: `smtp://127.0.0.1:${s.sink.port}`,
    };
    const konto = await s.startKonto("konto-invoice-run", env);
    const token = await logIn(konto.url, s.staff);
    const headers = { authorization: `Bearer ${token}` };
    const dashboard = (duration: number) => ({
      url: konto.url,
      connections: s.connections,
      duration,
      overallRate: s.rate || undefined,
      headers,
      body: () => requestBody(DASHBOARD, { id: globalId("Customer", 1 + Math.floor(Math.random() * s.invoices)) }),
    });
    let idle: LoadResult | undefined;
    if (s.connections) {
      await load(dashboard(s.warmupSeconds));
      idle = await load(dashboard(s.idleSeconds));
      s.log(`invoice run: Dashboard idle ${idle.reqPerSec.toFixed(1)} req/s, p50 ${idle.p50Ms} ms, p99 ${idle.p99Ms} ms`);
    }
    if (s.interrupted()) throw new Error("interrupted");

    const expected = new Set(Array.from({ length: s.invoices }, (_, k) => recipient(k + 1)));
    s.sink.reset();
    s.sink.expect(expected);
    const running = s.connections ? startLoad(dashboard(Math.ceil(s.timeoutMs / 1000) + 60)) : undefined;
    const stopLoad = async () => {
      if (!running) return undefined;
      running.stop();
      return await running;
    };

    const started = Date.now();
    const runIds: string[] = [];
    let handInMs = 0;
    try {
      for (let from = 1; from <= s.invoices; from += BATCH) {
        const callStarted = Date.now();
        const answer = (
          await graphql(konto.url, START, { i: { invoices: runItems(from, Math.min(from + BATCH - 1, s.invoices)), dueInDays: 14 } }, token)
        ).invoiceRunStart;
        handInMs += Date.now() - callStarted;
        if (answer.userErrors.length) throw new Error(`invoiceRunStart answered ${JSON.stringify(answer.userErrors)}`);
        runIds.push(answer.run.id);
      }
    } catch (error) {
      await stopLoad();
      throw error;
    }
    s.log(
      `invoice run: ${runIds.length} calls handed in ${s.invoices} invoices in ${(handInMs / 1000).toFixed(1)} s; waiting for the emails`,
    );

    const progress = async () => {
      const totals = { pending: 0, issued: 0, failed: 0, emailed: 0 };
      for (const id of runIds) {
        const run = (await graphql(konto.url, RUN, { id }, token)).invoiceRun;
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += run[key];
      }
      return totals;
    };
    let issuedAt: number | undefined;
    let lastProgress = { at: Date.now(), accepted: s.sink.accepted };
    let lastLog = Date.now();
    let stopReason: string | undefined;
    for (;;) {
      await sleep(500);
      const now = Date.now();
      if (s.sink.allExpectedAt !== undefined && issuedAt !== undefined) break;
      if (s.interrupted()) stopReason = "interrupted";
      else if (!isRunning(konto)) stopReason = `Konto exited; its last output:\n${konto.tail.slice(-10).join("\n")}`;
      else if (now - started > s.timeoutMs) stopReason = `timed out after ${s.timeoutMs / 1000} s`;
      else if (now - lastProgress.at > s.stallMs) stopReason = `no email for ${s.stallMs / 1000} s`;
      if (stopReason) break;
      if (s.sink.accepted !== lastProgress.accepted) lastProgress = { at: now, accepted: s.sink.accepted };
      if (issuedAt === undefined && now - lastLog >= 2000) {
        const p = await progress();
        if (p.pending === 0) issuedAt = Date.now();
      }
      if (now - lastLog >= 5000) {
        lastLog = now;
        s.log(`invoice run: ${s.sink.expectedReached}/${s.invoices} emailed after ${((now - started) / 1000).toFixed(0)} s`);
      }
    }
    const during = await stopLoad();
    const completed = s.sink.allExpectedAt !== undefined;
    if (!completed) problems.push(`invoice run did not finish: ${stopReason} (${s.sink.expectedReached} of ${s.invoices} emailed)`);
    // The ledger marks SENT right after the sink's 250: give the last marks a moment.
    await sleep(2000);
    const totals = isRunning(konto) ? await progress() : { pending: -1, issued: -1, failed: -1, emailed: -1 };
    if (totals.failed) problems.push(`invoice run: ${totals.failed} invoices failed`);
    const messagesReceived = s.sink.accepted;
    const duplicates = messagesReceived - s.sink.perRecipient.size;
    if (duplicates) problems.push(`invoice run: ${duplicates} duplicate emails`);
    if (idle && during)
      problems.push(
        ...problemsOf("konto", "Dashboard idle (invoice run db)", idle),
        ...problemsOf("konto", "Dashboard during the invoice run", during),
      );

    // PDF-only: the same invoices rendered one after another, data read first.
    const ids: { id: number }[] = await db.query("SELECT id FROM invoices ORDER BY id LIMIT ?", [s.pdfSamples]);
    const printable = [];
    for (const { id } of ids) printable.push((await printableInvoice(db, config, id))!);
    let pdfOnlyPerSecond: number | null = null;
    if (printable.length) {
      const t0 = performance.now();
      for (const invoice of printable) await renderInvoicePdf(invoice, null);
      pdfOnlyPerSecond = printable.length / ((performance.now() - t0) / 1000);
    }

    const endToEndSeconds = completed ? (s.sink.allExpectedAt! - started) / 1000 : null;
    return {
      invoices: s.invoices,
      seedMs,
      calls: runIds.length,
      handInMs,
      completed,
      issuedSeconds: issuedAt === undefined ? null : (issuedAt - started) / 1000,
      endToEndSeconds,
      invoicesPerSecond: endToEndSeconds ? s.invoices / endToEndSeconds : null,
      issued: totals.issued,
      failed: totals.failed,
      emailed: totals.emailed,
      messagesReceived,
      duplicates,
      pdfOnlyPerSecond,
      pdfSamples: printable.length,
      dashboard: idle && during ? { idle, during, connections: s.connections, rate: s.rate || null } : null,
      kontoWarnings: konto.warnings.length,
      problems,
    };
  } finally {
    await db.destroy();
  }
}

export function invoiceRunLines(r: InvoiceRunReport): string[] {
  const f = (n: number | null, digits = 1, unit = "") => (n === null ? "—" : `${n.toFixed(digits)}${unit}`);
  const d = (x: LoadResult) =>
    `${x.reqPerSec.toFixed(1).padStart(7)} req/s  p50 ${String(x.p50Ms).padStart(4)} ms  p99 ${String(x.p99Ms).padStart(5)} ms  max ${x.maxMs} ms`;
  return [
    `invoice run: ${r.invoices} invoices (3 lines each) in ${r.calls} calls of invoiceRunStart, each emailed with its PDF to a counting SMTP sink`,
    `  hand-in (API)                  ${(r.handInMs / 1000).toFixed(1)} s for ${r.calls} calls`,
    r.completed
      ? `  end to end                     ${f(r.endToEndSeconds, 1, " s")} → ${f(r.invoicesPerSecond, 1)} invoices/s (all issued after ${f(r.issuedSeconds, 1, " s")})`
      : `  end to end                     DID NOT FINISH`,
    `  PDF-only render, same machine  ${f(r.pdfOnlyPerSecond, 1)} PDFs/s (${r.pdfSamples} rendered one after another in one process)`,
    ...(r.dashboard
      ? [
          `  Dashboard idle                 ${d(r.dashboard.idle)}   (${r.dashboard.connections} connections, ${r.dashboard.rate ? `at most ${r.dashboard.rate} req/s` : "unlimited"})`,
          `  Dashboard during the run       ${d(r.dashboard.during)}`,
        ]
      : ["  Dashboard                      not loaded"]),
    `  runs: issued ${r.issued}, failed ${r.failed}, emailed ${r.emailed}; emails ${r.messagesReceived}, duplicates ${r.duplicates}`,
  ];
}
