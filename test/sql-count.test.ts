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

async function statementsFor(first: number): Promise<number> {
  const res = await t.gql(PAGE, { first });
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
