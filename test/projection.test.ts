import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// Lists read only the columns their query selects (src/platform/projection.ts), and a customer's
// own page is read with a simpler statement than a page of many customers' lists
// (src/platform/loaders.ts). Neither may change an answer: each list here is compared with the
// same fields read through customer(id:), which reads whole rows.
let t: TestApp;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 40 });
  // Among the first page: a private customer, a billing address without its own name (it falls
  // back to displayName) and a SEPA mandate, whatever the seed made.
  const [a, b, c] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 3");
  await t.app.db.query("UPDATE customers SET kind = 'PRIVATE', first_name = 'Ada', last_name = 'Lovelace' WHERE id = ?", [a.id]);
  await t.app.db.query(
    "UPDATE customers SET billing_name = NULL, billing_street = 'Ringstr. 1', billing_postal_code = '1010', billing_city = 'Wien', billing_country_code = 'AT' WHERE id = ?",
    [b.id],
  );
  await t.app.db.query(
    "UPDATE customers SET payment_method = 'SEPA_DIRECT_DEBIT', sepa_iban = 'AT611904300234573201', sepa_account_holder = 'X', sepa_mandate_reference = 'M-1', sepa_scheme = 'CORE' WHERE id = ?",
    [c.id],
  );
});
after(() => t?.stop());

const WHOLE = `query($id: ID!) { customer(id: $id) {
  id customerNumber displayName kind email status
  billingAddress { name street city }
  payment { method sepa { iban scheme mandateReference } }
  contacts { id types firstName lastName email emailConfirmed hasPhonePassword receivesInvoices }
  products(first: 10) { totalCount nodes { id type plan status price { amount currency } startDate specs installationAddress { city } } }
  invoices(first: 5) { totalCount pageInfo { endCursor } nodes { id number status dueDate gross { amount currency } vatBreakdown { rate net { amount currency } }
    paymentTerms { method } billingAddress { name city addressees } lines { net { amount currency } } } }
} }`;

test("a page of customers that selects a few fields, alone or through fragments, aliases and edges, answers as whole rows do", async () => {
  const wholes = new Map<string, any>();
  for (const { id } of (await t.gql(`query { customers(first: 20) { nodes { id } } }`)).body.data.customers.nodes) {
    wholes.set(id, (await t.gql(WHOLE, { id })).body.data.customer);
  }
  // Each selection alone, so that no other field brings the columns it needs along: displayName
  // reads the name columns, billingAddress falls back to it, payment reads the SEPA columns.
  const alone = [
    "displayName",
    "billingAddress { name street city }",
    "payment { method sepa { iban scheme mandateReference } }",
    "contacts { emailConfirmed }",
    "contacts { hasPhonePassword receivesInvoices types }",
    "products(first: 10) { totalCount nodes { price { amount currency } } }",
    "products(first: 10) { nodes { specs installationAddress { city } } }",
    "invoices(first: 5) { totalCount nodes { status } }",
    "invoices(first: 5) { nodes { vatBreakdown { rate net { amount currency } } } }",
    "invoices(first: 5) { nodes { paymentTerms { method } } }",
    "invoices(first: 5) { nodes { lines { net { amount currency } } } }",
    "invoices(first: 5) { pageInfo { endCursor } nodes { billingAddress { name city addressees } } }",
  ];
  const pick = (whole: any, shape: any): any =>
    Array.isArray(shape)
      ? shape.map((item, i) => pick(whole[i], item))
      : shape && typeof shape === "object"
        ? Object.fromEntries(Object.keys(shape).map((k) => [k, pick(whole[k], shape[k])]))
        : whole;
  for (const selection of alone) {
    const res = await t.gql(`query { customers(first: 20) { nodes { id ${selection} } } }`);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    for (const node of res.body.data.customers.nodes) assert.deepEqual(node, pick(wholes.get(node.id), node), `${selection} of ${node.id}`);
  }
  const together = `query { customers(first: 20) {
    edges { node { id ...Names } }
    nodes {
      id
      mail: email
      ... on Customer { payment { method sepa { iban scheme mandateReference } } billingAddress { name street city } }
      contacts { id ...ContactFields }
      products(first: 10) { totalCount nodes { id price { amount currency } ...ProductFields } }
      invoices(first: 5) { totalCount pageInfo { endCursor } edges { node { id number status dueDate gross { amount currency } } }
        nodes { id vatBreakdown { rate net { amount currency } } paymentTerms { method } billingAddress { name city addressees } lines { net { amount currency } } } }
    }
  } }
  fragment Names on Customer { customerNumber displayName kind status }
  fragment ContactFields on Contact { types firstName lastName email emailConfirmed hasPhonePassword receivesInvoices }
  fragment ProductFields on Product { type plan status startDate specs installationAddress { city } }`;
  const res = await t.gql(together);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const { edges, nodes } = res.body.data.customers;
  assert.equal(nodes.length, 20);
  for (const [i, node] of nodes.entries()) {
    const { mail, invoices, ...rest } = node;
    const invoiceNodes = invoices.nodes.map((n: object, j: number) => ({ ...invoices.edges[j].node, ...n }));
    assert.deepEqual(
      {
        ...edges[i].node,
        ...rest,
        email: mail,
        invoices: { totalCount: invoices.totalCount, pageInfo: invoices.pageInfo, nodes: invoiceNodes },
      },
      wholes.get(node.id),
    );
  }
  // The comparisons covered the columns that only some customers fill.
  const all = [...wholes.values()];
  assert.ok(all.some((w) => w.payment.sepa) && all.some((w) => w.billingAddress) && all.some((w) => w.kind === "PRIVATE"));
});

test("a customer's product page after a cursor and by status is the same alone as within a page of many customers", async () => {
  const [row] = await t.app.db.query(
    "SELECT customer_id, COUNT(*) AS n FROM products WHERE status = 'ACTIVE' GROUP BY customer_id ORDER BY n DESC, customer_id LIMIT 1",
  );
  assert.ok(Number(row.n) >= 3, "the seed has a customer with three active products");
  const products = `products(first: 1, after: $after, status: [ACTIVE]) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id status } }`;
  const alone = `query($id: ID!, $after: String) { customer(id: $id) { id ${products} } }`;
  const many = `query($after: String) { customers(first: 40) { nodes { id ${products} } } }`;
  const { id } = (await t.gql(`query { customers(first: 40) { nodes { id } } }`)).body.data.customers.nodes.find(
    (n: { id: string }) => Buffer.from(n.id, "base64url").toString() === `Customer:${row.customer_id}`,
  );
  let after: string | null = null;
  const seen: string[] = [];
  for (let i = 0; i < Number(row.n); i++) {
    const own: any = (await t.gql(alone, { id, after })).body.data.customer.products;
    const inPage: any = (await t.gql(many, { after })).body.data.customers.nodes.find((n: { id: string }) => n.id === id).products;
    assert.deepEqual(own, inPage, `page ${i + 1}`);
    assert.equal(own.totalCount, Number(row.n));
    assert.equal(own.pageInfo.hasPreviousPage, after !== null);
    seen.push(...own.nodes.map((p: { id: string }) => p.id));
    after = own.pageInfo.endCursor;
  }
  assert.equal(new Set(seen).size, Number(row.n));
});
