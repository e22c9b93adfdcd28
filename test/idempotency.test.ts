import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IdempotencyKeys } from "../src/idempotency/idempotency-keys";
import { parseGlobalId, toGlobalId } from "../src/platform/global-id";
import { StaffRole } from "../src/platform/principal";
import { seedDemoData } from "../src/seed/demo-data";
import { eventually, startTestApp, TestApp } from "./support/harness";

// Idempotency keys over GraphQL: a retried mutation with the same key does its work once.
let t: TestApp;
let customerGid: string;
let customerId: number;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 2 });
  const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
  customerId = row.id;
  customerGid = toGlobalId("Customer", row.id);
});
after(() => t?.stop());

const ISSUE = `mutation($i: InvoiceIssueInput!, $k: String) { invoiceIssue(input: $i, idempotencyKey: $k) {
  invoice { id number } userErrors { code field message } } }`;
const lines = (price = 1990) => [{ description: "Webhosting M", quantity: 1, unitPriceAmount: price, vatRate: 20 }];
const invoiceCount = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM invoices"))[0].n);

async function issue(key: string | null, price = 1990, headers?: Record<string, string>) {
  const res = await t.gql(ISSUE, { i: { customerId: customerGid, lines: lines(price) }, k: key }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.invoiceIssue;
}

describe("invoiceIssue with an idempotency key", () => {
  test("a retry with the same key and input returns the first invoice and issues nothing new, not even an email", async () => {
    const before = await invoiceCount();
    const first = await issue("retry-1");
    assert.deepEqual(first.userErrors, []);
    const again = await issue("retry-1");
    assert.deepEqual(again, first);
    assert.equal(await invoiceCount(), before + 1);
    const [{ emails }] = await t.app.db.query(
      "SELECT COUNT(*) AS emails FROM outbox WHERE topic = 'invoice-email' AND JSON_VALUE(payload, '$.invoiceId') = ?",
      [parseGlobalId(first.invoice.id)!.id],
    );
    assert.equal(Number(emails), 1, "one email job for the one invoice");
  });

  test("the same key with a different input answers IDEMPOTENCY_KEY_REUSED and writes nothing", async () => {
    await issue("reused-1", 1000);
    const before = await invoiceCount();
    const other = await issue("reused-1", 2000);
    assert.equal(other.invoice, null);
    assert.deepEqual(
      other.userErrors.map((e: { code: string; field: string[] }) => [e.code, e.field]),
      [["IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"]]],
    );
    assert.equal(await invoiceCount(), before);
  });

  test("20 concurrent requests with one key issue one invoice, and all answer with it", async () => {
    const before = await invoiceCount();
    const results = await Promise.all(Array.from({ length: 20 }, () => issue("concurrent-1")));
    assert.equal(await invoiceCount(), before + 1);
    assert.deepEqual(new Set(results.map((r) => r.invoice?.number)).size, 1);
    assert.ok(results.every((r) => r.userErrors.length === 0 && r.invoice));
  });

  test("keys are per caller: another caller's same key is its own request", async () => {
    const first = await issue("per-caller");
    const otherStaff = await t.as({ kind: "staff", userId: 2, role: StaffRole.ADMIN, label: "second admin", sessionId: null });
    const second = await issue("per-caller", 1990, otherStaff);
    assert.deepEqual(second.userErrors, []);
    assert.notEqual(second.invoice.number, first.invoice.number);
  });

  test("a refused request keeps no key: the corrected request runs under it", async () => {
    const before = await invoiceCount();
    const refused = await issue("refused-first", -5000);
    assert.equal(refused.userErrors[0].code, "INVALID_INPUT");
    assert.equal(await invoiceCount(), before);
    const corrected = await issue("refused-first", 5000);
    assert.deepEqual(corrected.userErrors, []);
    assert.equal(await invoiceCount(), before + 1);
  });

  test("a key is kept 24 hours; after that the same key issues anew", async () => {
    const first = await issue("expiring");
    const [row] = await t.app.db.query(
      "SELECT TIMESTAMPDIFF(HOUR, created_at, expires_at) AS hours FROM idempotency_keys WHERE idempotency_key = 'expiring'",
    );
    assert.equal(Number(row.hours), 24);
    await t.app.db.query(
      "UPDATE idempotency_keys SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = 'expiring'",
    );
    const later = await issue("expiring");
    assert.notEqual(later.invoice.number, first.invoice.number);
    assert.equal(await issue("expiring").then((r) => r.invoice.number), later.invoice.number);
  });

  test("an empty or overlong key is INVALID_INPUT", async () => {
    for (const key of ["", "x".repeat(256)]) {
      const res = await issue(key);
      assert.deepEqual(
        res.userErrors.map((e: { code: string; field: string[] }) => [e.code, e.field]),
        [["INVALID_INPUT", ["idempotencyKey"]]],
      );
    }
  });
});

describe("the other mutations with idempotency keys", () => {
  test("invoiceCancel retried gives the one credit note (not 'cancelled already')", async () => {
    const { invoice } = await issue(null);
    const CANCEL = `mutation($id: ID!, $k: String) { invoiceCancel(invoiceId: $id, reason: "Doppelt", idempotencyKey: $k) { invoice { number } userErrors { code } } }`;
    const first = await t.gql(CANCEL, { id: invoice.id, k: "cancel-1" });
    const again = await t.gql(CANCEL, { id: invoice.id, k: "cancel-1" });
    assert.deepEqual(first.body.data.invoiceCancel.userErrors, []);
    assert.deepEqual(again.body.data, first.body.data);
    const without = await t.gql(CANCEL, { id: invoice.id, k: null });
    assert.equal(without.body.data.invoiceCancel.userErrors[0].code, "NOT_PENDING");
  });

  test("paymentRecord retried records one payment", async () => {
    const PAY = `mutation($i: PaymentRecordInput!, $k: String) { paymentRecord(input: $i, idempotencyKey: $k) { payment { amount { amount } reference } userErrors { code } } }`;
    const input = { customerId: customerGid, amount: 777, receivedOn: "2026-11-01", reference: "Bank 4711" };
    const first = await t.gql(PAY, { i: input, k: "pay-1" });
    const again = await t.gql(PAY, { i: input, k: "pay-1" });
    assert.deepEqual(first.body.data.paymentRecord, { payment: { amount: { amount: 777 }, reference: "Bank 4711" }, userErrors: [] });
    assert.deepEqual(again.body.data, first.body.data);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM payments WHERE reference = 'Bank 4711'");
    assert.equal(Number(n), 1);
  });

  test("customerCreate retried creates one customer", async () => {
    const CREATE = `mutation($i: CustomerCreateInput!, $k: String) { customerCreate(input: $i, idempotencyKey: $k) { customer { id customerNumber } userErrors { code } } }`;
    const input = {
      kind: "BUSINESS",
      companyName: "Einmal GmbH",
      email: "office@einmal.example",
      address: { street: "Eingasse 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
      contact: { firstName: "Eva", lastName: "Einmal", email: "eva@einmal.example" },
    };
    const [first, again] = await Promise.all([t.gql(CREATE, { i: input, k: "create-1" }), t.gql(CREATE, { i: input, k: "create-1" })]);
    assert.deepEqual(first.body.data.customerCreate.userErrors, []);
    assert.deepEqual(again.body.data, first.body.data);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM customers WHERE company_name = 'Einmal GmbH'");
    assert.equal(Number(n), 1);
  });

  test("productCreate retried books one product; the same key for another mutation is a reuse", async () => {
    const CREATE = `mutation($c: ID!, $k: String) { productCreate(customerId: $c, input: { type: DOMAIN, plan: "Domain .at", identifier: "einmal.at", priceAmount: 1200 }, idempotencyKey: $k) { product { id } userErrors { code } } }`;
    const first = await t.gql(CREATE, { c: customerGid, k: "product-1" });
    const again = await t.gql(CREATE, { c: customerGid, k: "product-1" });
    assert.deepEqual(again.body.data, first.body.data);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM products WHERE identifier = 'einmal.at' AND customer_id = ?", [
      customerId,
    ]);
    assert.equal(Number(n), 1);
    const reused = await issue("product-1");
    assert.equal(reused.userErrors[0].code, "IDEMPOTENCY_KEY_REUSED");
  });

  test("maintenanceAnnounce retried announces once and queues one fan-out", async () => {
    const ANNOUNCE = `mutation($i: MaintenanceAnnounceInput!, $k: String) { maintenanceAnnounce(input: $i, idempotencyKey: $k) { announcement { id } userErrors { code } } }`;
    const input = {
      titleDe: "Wartung",
      titleEn: "Maintenance",
      messageDe: "Kurz",
      messageEn: "Short",
      startsAt: "2099-01-01T00:00:00Z",
      endsAt: "2099-01-01T02:00:00Z",
      products: { plan: "Domain .at" },
    };
    const first = await t.gql(ANNOUNCE, { i: input, k: "announce-1" });
    const again = await t.gql(ANNOUNCE, { i: input, k: "announce-1" });
    assert.deepEqual(first.body.data.maintenanceAnnounce.userErrors, []);
    assert.deepEqual(again.body.data, first.body.data);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM maintenance_announcements");
    assert.equal(Number(n), 1);
  });

  test("expired keys are purged by housekeeping", async () => {
    await t.app.db.query(
      "UPDATE idempotency_keys SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = 'pay-1'",
    );
    assert.ok((await IdempotencyKeys.purgeExpired(t.app.db)) >= 1);
    await eventually(async () => {
      const [row] = await t.app.db.query("SELECT 1 AS x FROM idempotency_keys WHERE idempotency_key = 'pay-1'");
      return row ? undefined : true;
    });
  });
});
