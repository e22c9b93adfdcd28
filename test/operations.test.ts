import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { CustomerRole, StaffRole } from "../src/users/user.enums";
import { unitOfWork } from "../src/unit-of-work/unit-of-work";
import { eventually, system, startTestApp, TestApp, confirmByLink } from "./support/harness";

// What an operations team relies on: metrics, the queue dashboard, request ids, clean logs.
let t: TestApp;
const logs: string[] = [];
const METRICS_TOKEN = "metrics-secret-for-tests";

before(async () => {
  t = await startTestApp(
    { LOG_LEVEL: "debug", METRICS_TOKEN, ADMIN_DASHBOARD_USER: "ops", ADMIN_DASHBOARD_PASSWORD: "dashboard password 2026" },
    { logLines: logs },
  );
  await seedDemoData(t.app.db, { customers: 3 });
});
after(() => t?.stop());

const scrape = async () => {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(res.status, 200);
  return res.text();
};
const valueOf = (text: string, series: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const entries = () => logs.map((l) => JSON.parse(l) as Record<string, any>);

describe("metrics", () => {
  test("/metrics needs the token and exposes the named series", async () => {
    assert.equal((await fetch(`${t.url}/metrics`)).status, 401);
    const text = await scrape();
    for (const series of [
      "konto_graphql_requests_total",
      "konto_graphql_request_duration_seconds",
      "konto_sql_statements_per_request",
      "konto_db_pool_connections",
      "konto_queue_jobs",
      "konto_outbox_oldest_undispatched_age_seconds",
      "konto_mail_sent_total",
      "konto_mail_failed_total",
      "konto_email_verifications",
      "konto_process_cpu_user_seconds_total",
      "konto_nodejs_heap_size_used_bytes",
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${series} `, "m"), series);
    }
  });

  test("the pool gauge shows each pool to the primary: a transaction's connection is in use while it runs", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const work = unitOfWork(system(t), async ({ tx }) => {
      await tx.query("SELECT 1");
      started();
      await held;
    });
    await running;
    const during = await scrape();
    release();
    await work;
    const series = (pool: string, state: string) => `konto_db_pool_connections{pool="${pool}",state="${state}"}`;
    assert.ok(
      valueOf(during, series("transactions", "in_use")) >= 1,
      during
        .split("\n")
        .filter((l) => l.includes("pool_conn"))
        .join("\n"),
    );
    for (const pool of ["statements", "transactions", "reads"]) {
      assert.match(during, new RegExp(`^${series(pool, "idle").replace(/[{}]/g, "\\$&")} \\d+$`, "m"), pool);
    }
  });

  test("request and job series change after a request and after a job", async () => {
    const before = await scrape();
    const res = await t.gql(`query OpsProbe { customers(first: 2) { totalCount } }`);
    assert.equal(res.body.errors, undefined);
    const [customer] = await t.app.db.query("SELECT customer_number, email FROM customers ORDER BY id LIMIT 1");
    await unitOfWork(system(t), ({ emit }) => emit("username-reminder", { customerNumber: customer.customer_number }));
    await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email));
    const afterwards = await eventually(async () => {
      const text = await scrape();
      // The job completes a moment after the server accepted its message.
      const done =
        valueOf(text, 'konto_mail_sent_total{kind="username-reminder"}') === 1 &&
        valueOf(text, 'konto_jobs_total{queue="mail",outcome="completed"}') >= 1;
      return done ? text : undefined;
    });
    assert.equal(
      valueOf(afterwards, 'konto_graphql_requests_total{operation="OpsProbe",outcome="ok"}'),
      valueOf(before, 'konto_graphql_requests_total{operation="OpsProbe",outcome="ok"}') + 1,
    );
    assert.ok(valueOf(afterwards, "konto_sql_statements_per_request_count") > valueOf(before, "konto_sql_statements_per_request_count"));
    assert.ok(valueOf(afterwards, 'konto_jobs_total{queue="mail",outcome="completed"}') >= 1);
    assert.ok(valueOf(afterwards, 'konto_queue_jobs{queue="mail",state="completed"}') >= 1);
  });
});

describe("queue dashboard", () => {
  test("only staff admins (token) or the configured basic-auth login get in", async () => {
    const url = `${t.url}/admin/queues`;
    assert.equal((await fetch(url)).status, 401);
    const [c] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
    const customerAdmin = await t.as({
      kind: "customer",
      userId: 1,
      roles: new Map([[c.id, CustomerRole.ADMIN]]),
      label: "x",
      sessionId: null,
    });
    assert.equal((await fetch(url, { headers: customerAdmin })).status, 403);
    const support = await t.as({ kind: "staff", userId: 2, role: StaffRole.SUPPORT, label: "support", sessionId: null });
    assert.equal((await fetch(url, { headers: support })).status, 403);
    const admin = await t.as({ kind: "staff", userId: 3, role: StaffRole.ADMIN, label: "admin", sessionId: null });
    const page = await fetch(url, { headers: admin });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const basic = { authorization: `Basic ${Buffer.from("ops:dashboard password 2026").toString("base64")}` };
    assert.equal((await fetch(`${url}/api/queues`, { headers: basic })).status, 200);
    const wrong = { authorization: `Basic ${Buffer.from("ops:guess").toString("base64")}` };
    assert.equal((await fetch(url, { headers: wrong })).status, 401);
  });
});

describe("request ids and logs", () => {
  test("a request id passed in is in the response, the request's log line, a masked error and the jobs it caused", async () => {
    const res = await t.gql(`query Probe2 { customers(first: 1) { totalCount } }`, {}, { "x-request-id": "ops-req-42" });
    assert.equal(res.headers.get("x-request-id"), "ops-req-42");
    const line = entries().find((e) => e.msg === "graphql request" && e.requestId === "ops-req-42");
    assert.deepEqual([line?.operation, line?.principal, line?.outcome, typeof line?.ms], ["Probe2", "staff", "ok", "number"]);

    const traced = await t.gql(
      `{ customers(first: 1) { totalCount } }`,
      {},
      { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    );
    assert.equal(traced.headers.get("x-request-id"), "4bf92f3577b34da6a3ce929d0e0e4736");

    const [invoice] = await t.app.db.query("SELECT id FROM invoices ORDER BY id LIMIT 1");
    await t.app.db.query("RENAME TABLE invoice_lines TO invoice_lines_gone");
    try {
      const failed = await t.gql(
        `query($id: ID!) { node(id: $id) { ... on Invoice { lines { description } } } }`,
        { id: toGlobalId("Invoice", invoice.id) },
        { "x-request-id": "ops-req-43" },
      );
      assert.equal(failed.body.errors![0].extensions!.requestId, "ops-req-43");
      assert.ok(entries().some((e) => e.msg === "unexpected error" && e.requestId === "ops-req-43"));
    } finally {
      await t.app.db.query("RENAME TABLE invoice_lines_gone TO invoice_lines");
    }

    const [contact] = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT 1");
    await t.gql(
      `mutation($id: ID!) { contactUpdate(contactId: $id, input: { email: "traced@example.com" }) { userErrors { code } } }`,
      { id: toGlobalId("Contact", contact.id) },
      { "x-request-id": "ops-req-44" },
    );
    await eventually(async () =>
      entries().some((e) => e.msg === "job" && e.requestId === "ops-req-44" && e.outcome === "completed") ? true : undefined,
    );
  });

  test("secrets never reach the log: a login, a confirmation link, a SEPA change", async () => {
    await t.gql(
      `mutation($p: String!) { authLogin(input: { email: "admin@alpenblick.at", password: $p }) { accessToken } }`,
      { p: DEMO_PASSWORD },
      { authorization: "" },
    );
    await t.gql(
      `mutation { authLogin(input: { email: "admin@alpenblick.at", password: "Wrong-Secret-Value-123" }) { accessToken } }`,
      {},
      { authorization: "" },
    );
    const [contact] = await t.app.db.query("SELECT id FROM contacts ORDER BY id DESC LIMIT 1");
    await t.gql(`mutation($id: ID!) { contactUpdate(contactId: $id, input: { email: "log-check@example.com" }) { userErrors { code } } }`, {
      id: toGlobalId("Contact", contact.id),
    });
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes("log-check@example.com"));
    const token = /token=([\w-]+)/.exec(mail.parsed.text ?? "")![1];
    await confirmByLink(`${t.url}/verify-email?token=${token}`);
    const [c] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
    const sepa = await t.gql(
      `mutation($id: ID!) { customerPaymentMethodUpdate(customerId: $id, input: { method: SEPA_DIRECT_DEBIT, sepa: { iban: "DE89370400440532013000", accountHolder: "Log Check" } }) { userErrors { code } } }`,
      { id: toGlobalId("Customer", c.id) },
    );
    assert.deepEqual(sepa.body.data.customerPaymentMethodUpdate.userErrors, []);
    const text = logs.join("\n");
    assert.ok(logs.length > 10, "the app did log");
    for (const secret of [DEMO_PASSWORD, "Wrong-Secret-Value-123", token, "DE89370400440532013000", "0532013000"]) {
      assert.ok(!text.includes(secret), `a secret reached the log: ${secret.slice(0, 6)}…`);
    }
  });
});
