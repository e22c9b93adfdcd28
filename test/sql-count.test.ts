import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// Every relation is batched: a page costs the same statements whatever its size.
let t: TestApp;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 60 });
});
after(() => t?.stop());

const PAGE = `query($first: Int!) { customers(first: $first) { nodes {
  customerNumber
  contacts { email types }
  products(first: 10) { totalCount nodes { identifier price { amount } } }
  invoices(first: 5) { totalCount nodes { number gross { amount } } }
} } }`;

async function statementsFor(first: number, headers?: Record<string, string>): Promise<number> {
  const res = await t.gql(PAGE, { first }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data.customers.nodes.length, first);
  return Number(res.headers.get("x-sql-statements"));
}

test("a page of 5 and a page of 50 customers with contacts, products and invoices cost the same 4 statements", async () => {
  const five = await statementsFor(5);
  const fifty = await statementsFor(50);
  // customers + contacts + products + invoices, each one statement for the whole page.
  assert.equal(five, 4);
  assert.equal(fifty, 4);
});

test("adding invoice lines adds exactly one statement, whatever the page size", async () => {
  const q = `query($first: Int!) { customers(first: $first) { nodes { invoices(first: 3) { nodes { lines { description } } } } } }`;
  for (const first of [5, 50]) {
    const res = await t.gql(q, { first });
    assert.equal(res.body.errors, undefined);
    assert.equal(Number(res.headers.get("x-sql-statements")), 3, `page of ${first}`);
  }
});

test("authorization adds no statement per row: a reseller's page costs the same", async () => {
  const [{ reseller_id }] = await t.app.db.query(
    "SELECT reseller_id, COUNT(*) AS n FROM customers WHERE reseller_id IS NOT NULL GROUP BY reseller_id ORDER BY n DESC LIMIT 1",
  );
  const headers = await t.as({
    kind: "reseller",
    resellerId: reseller_id,
    userId: null,
    clientId: 1,
    label: "bench reseller",
    sessionId: null,
  });
  assert.equal(await statementsFor(5, headers), 4);
});

test("requests running at the same time each count only their own statements, and a mutation's transaction is counted", async () => {
  // Each request's statements are counted on its own view of the DataSource (platform/request-scope.ts).
  const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => t.gql(PAGE, { first: i % 2 ? 5 : 50 })));
  for (const res of pages) assert.equal(Number(res.headers.get("x-sql-statements")), 4);
  const [contact] = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT 1");
  const q = `mutation($id: ID!) { contactUpdate(contactId: $id, input: { phone: "+43 1 234567" }) { contact { id } userErrors { code } } }`;
  const res = await t.gql(q, { id: Buffer.from(`Contact:${contact.id}`).toString("base64url") });
  assert.deepEqual(res.body.data.contactUpdate.userErrors, []);
  // START, the locked read, the update, the audit row, COMMIT and the payload's read (9 today):
  // without the transaction's statements only the 3 of the read path would be counted.
  assert.ok(Number(res.headers.get("x-sql-statements")) >= 6, res.headers.get("x-sql-statements") ?? "no header");
  const [audit] = await t.app.db.query("SELECT request_id FROM audit_log ORDER BY id DESC LIMIT 1");
  assert.ok(audit.request_id, "the audit row carries the request id");
});
