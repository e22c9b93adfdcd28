import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { StaffRole } from "../src/platform/principal";
import { seedDemoData } from "../src/seed/demo-data";
import { eventually, startTestApp, TestApp } from "./support/harness";

// The monthly invoice run: staff hand in invoices in bulk; workers issue, render and email them.
let t: TestApp;
const customers: { id: number; gid: string }[] = [];
let foreignProduct: string;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 3 });
  for (const row of await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 3")) {
    customers.push({ id: row.id, gid: toGlobalId("Customer", row.id) });
    await t.app.db.query(
      "UPDATE customers SET online_invoice_enabled = 1, online_invoice_email = ?, online_invoice_enabled_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = ?",
      [`rechnung-${row.id}@run.example`, row.id],
    );
  }
  const [product] = await t.app.db.query("SELECT id FROM products WHERE customer_id = ? LIMIT 1", [customers[1].id]);
  foreignProduct = toGlobalId("Product", product.id);
});
after(() => t?.stop());

const START = `mutation($i: InvoiceRunStartInput!, $k: String) { invoiceRunStart(input: $i, idempotencyKey: $k) {
  run { id status total } skipped userErrors { code field } } }`;
const RUN = `query($id: ID!) { invoiceRun(id: $id) { status total pending issued failed emailed failures { customerNumber periodStart error } } }`;
const line = { description: "Webhosting M – November", quantity: 1, unitPriceAmount: 1990, vatRate: 20 };
const item = (c: { gid: string }, lines: object[] = [line]) => ({
  customerId: c.gid,
  periodStart: "2026-11-01",
  periodEnd: "2026-11-30",
  lines,
});

async function finished(runId: string) {
  return eventually(
    async () => {
      const run = (await t.gql(RUN, { id: runId })).body.data.invoiceRun;
      return run.pending === 0 && run.emailed === run.issued ? run : undefined;
    },
    30_000,
    "the run",
  );
}

describe("invoice runs", () => {
  test("a run issues, renders and emails its invoices; a failed one is shown with its reason", async () => {
    const res = await t.gql(START, {
      i: { invoices: [item(customers[0]), item(customers[1]), item(customers[2], [{ ...line, productId: foreignProduct }])] },
    });
    const { run, skipped, userErrors } = res.body.data.invoiceRunStart;
    assert.deepEqual(userErrors, []);
    assert.equal(skipped, 0);
    assert.equal(run.total, 3);
    const done = await finished(run.id);
    assert.deepEqual(
      { status: done.status, issued: done.issued, failed: done.failed, emailed: done.emailed },
      { status: "COMPLETED_WITH_FAILURES", issued: 2, failed: 1, emailed: 2 },
    );
    assert.equal(done.failures.length, 1);
    assert.equal(done.failures[0].periodStart, "2026-11-01");
    assert.match(done.failures[0].error, /product is not the customer's/);
    for (const c of customers.slice(0, 2)) {
      const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(`rechnung-${c.id}@run.example`));
      assert.ok((mail.parsed.attachments ?? []).some((a) => a.contentType === "application/pdf"));
      const [invoice] = await t.app.db.query(
        "SELECT period_start, period_end FROM invoices WHERE customer_id = ? ORDER BY id DESC LIMIT 1",
        [c.id],
      );
      assert.deepEqual([String(invoice.period_start), String(invoice.period_end)], ["2026-11-01", "2026-11-30"]);
    }
  });

  test("a customer and period is billed once: handed in again it is skipped; a failed one is tried again", async () => {
    const invoices = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM invoices"))[0].n);
    const before = await invoices();
    const res = await t.gql(START, { i: { invoices: [item(customers[0]), item(customers[1]), item(customers[2])] } });
    const { run, skipped } = res.body.data.invoiceRunStart;
    assert.equal(skipped, 2);
    assert.equal(run.total, 1);
    const done = await finished(run.id);
    assert.deepEqual([done.status, done.issued], ["COMPLETED", 1]);
    assert.equal(await invoices(), before + 1);
  });

  test("an idempotency key gives the same run", async () => {
    const i = { invoices: [{ ...item(customers[0]), periodStart: "2026-12-01", periodEnd: "2026-12-31" }] };
    const first = (await t.gql(START, { i, k: "run-2026-12" })).body.data.invoiceRunStart;
    const again = (await t.gql(START, { i, k: "run-2026-12" })).body.data.invoiceRunStart;
    assert.deepEqual(again.run.id, first.run.id);
    assert.equal(again.skipped, 0);
  });

  test("refusals: an unknown customer, a period in reverse, the same customer and period twice; only staff admins start runs", async () => {
    const res = await t.gql(START, {
      i: {
        invoices: [
          item({ gid: toGlobalId("Customer", 999_999) }),
          { ...item(customers[1]), periodStart: "2027-01-31", periodEnd: "2027-01-01" },
        ],
      },
    });
    assert.deepEqual(
      res.body.data.invoiceRunStart.userErrors.map((e: any) => [e.code, e.field.join(".")]),
      [["INVALID_INPUT", "input.invoices.1.periodEnd"]],
    );
    const unknown = await t.gql(START, { i: { invoices: [item({ gid: toGlobalId("Customer", 999_999) })] } });
    assert.deepEqual(
      unknown.body.data.invoiceRunStart.userErrors.map((e: any) => [e.code, e.field.join(".")]),
      [["NOT_FOUND", "input.invoices.0.customerId"]],
    );
    const twice = await t.gql(START, { i: { invoices: [item(customers[1]), item(customers[1])] } });
    assert.equal(twice.body.data.invoiceRunStart.userErrors[0].code, "INVALID_INPUT");
    const support = await t.as({ kind: "staff", userId: 5, role: StaffRole.SUPPORT, label: "support", sessionId: null });
    const refused = await t.gql(START, { i: { invoices: [item(customers[0])] } }, support);
    assert.equal(refused.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoice_runs");
    assert.equal(Number(n), 3, "refused calls record no run");
  });
});
