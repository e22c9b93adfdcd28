import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// The read API over HTTP against seeded demo data; expected values come from the database itself.
let t: TestApp;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 60 });
});
after(() => t?.stop());

const DASHBOARD = `query Dashboard($id: ID!) {
  customer(id: $id) {
    id customerNumber displayName kind email locale status version
    address { street postalCode city countryCode }
    billingAddress { name street city }
    payment { method sepa { iban scheme mandateReference } }
    contacts { id types firstName lastName email emailConfirmed receivesInvoices hasPhonePassword }
    products(first: 100) { totalCount nodes { id type plan identifier status price { amount currency } startDate specs installationAddress { city } } }
    invoices(first: 100) { totalCount nodes { id number status issueDate dueDate gross { amount currency } lines { position description quantity vatRate net { amount } product { id } } } }
  }
}`;

describe("customer lookup", () => {
  test("by global id and by customer number return the same customer", async () => {
    const [row] = await t.app.db.query("SELECT id, customer_number, email FROM customers ORDER BY id LIMIT 1");
    const byId = await t.gql(`query($id: ID!) { customer(id: $id) { id customerNumber email } }`, { id: toGlobalId("Customer", row.id) });
    const byNumber = await t.gql(`query($n: String!) { customer(customerNumber: $n) { id customerNumber email } }`, {
      n: row.customer_number,
    });
    assert.equal(byId.body.errors, undefined);
    assert.deepEqual(byId.body.data, byNumber.body.data);
    assert.equal(byId.body.data.customer.email, row.email);
  });

  test("an unknown customer number gives null, a malformed id a BAD_USER_INPUT error", async () => {
    const missing = await t.gql(`{ customer(customerNumber: "9999999") { id } }`);
    assert.equal(missing.body.data.customer, null);
    const malformed = await t.gql(`{ customer(id: "bm9wZQ") { id } }`);
    assert.equal(malformed.body.errors?.[0].extensions?.code, "BAD_USER_INPUT");
    const both = await t.gql(`{ customer(id: "x", customerNumber: "1") { id } }`);
    assert.equal(both.body.errors?.[0].extensions?.code, "BAD_USER_INPUT");
  });

  test("the dashboard shows the customer's contacts, products, invoices and lines as stored", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
    const res = await t.gql(DASHBOARD, { id: toGlobalId("Customer", row.id) });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const customer = res.body.data.customer;

    const contacts = await t.app.db.query("SELECT id, types, email FROM contacts WHERE customer_id = ? ORDER BY id", [row.id]);
    assert.deepEqual(
      customer.contacts.map((c: any) => [c.id, c.types.join(","), c.email]),
      contacts.map((c: any) => [toGlobalId("Contact", c.id), c.types, c.email]),
    );
    assert.ok(customer.contacts.some((c: any) => c.types.includes("STANDARD")));

    const [{ n: productCount }] = await t.app.db.query("SELECT COUNT(*) AS n FROM products WHERE customer_id = ?", [row.id]);
    assert.equal(customer.products.totalCount, Number(productCount));
    assert.equal(customer.products.nodes.length, Number(productCount));

    const invoices = await t.app.db.query(
      "SELECT id, number, gross_amount FROM invoices WHERE customer_id = ? ORDER BY issue_date DESC, id DESC",
      [row.id],
    );
    assert.deepEqual(
      customer.invoices.nodes.map((i: any) => [i.number, i.gross.amount, i.gross.currency]),
      invoices.map((i: any) => [i.number, i.gross_amount, "EUR"]),
    );
    for (const invoice of customer.invoices.nodes) {
      assert.ok(invoice.lines.length > 0, `invoice ${invoice.number} has lines`);
      assert.deepEqual(
        invoice.lines.map((l: any) => l.position),
        invoice.lines.map((_: unknown, i: number) => i + 1),
      );
    }
    // Staff see the IBAN in full (others see it masked: see invoices.test).
    if (customer.payment.sepa) assert.match(customer.payment.sepa.iban, /^(AT|DE)\d{18,20}$/);
  });
});

describe("customers connection", () => {
  test("pages follow each other without gaps or overlaps, and totalCount counts all", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await t.gql(
        `query($after: String) { customers(first: 25, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { customerNumber } } } }`,
        { after },
      );
      const page = res.body.data.customers;
      assert.equal(page.totalCount, 60);
      assert.equal(page.pageInfo.hasPreviousPage, after !== null);
      seen.push(...page.edges.map((e: any) => e.node.customerNumber));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    const stored = await t.app.db.query("SELECT customer_number FROM customers ORDER BY id");
    assert.deepEqual(
      seen,
      stored.map((r: any) => r.customer_number),
    );
  });

  test("search finds by number prefix, company name and email, and counts only matches", async () => {
    const [row] = await t.app.db.query(
      "SELECT customer_number, company_name, email FROM customers WHERE company_name IS NOT NULL ORDER BY id DESC LIMIT 1",
    );
    const q = `query($s: String!) { customers(first: 100, search: $s) { totalCount nodes { customerNumber } } }`;
    for (const term of [row.customer_number, row.company_name.slice(0, 8), row.email.split("@")[1]]) {
      const res = await t.gql(q, { s: term });
      const numbers = res.body.data.customers.nodes.map((n: any) => n.customerNumber);
      assert.ok(numbers.includes(row.customer_number), `search "${term}" finds ${row.customer_number}`);
      assert.equal(res.body.data.customers.totalCount, numbers.length);
    }
    const none = await t.gql(q, { s: "100%_no such customer" });
    assert.equal(none.body.data.customers.totalCount, 0);
  });

  test("a cursor from another list or garbage is refused with BAD_USER_INPUT", async () => {
    const res = await t.gql(`{ customers(first: 5, after: "garbage") { totalCount } }`);
    assert.equal(res.body.errors?.[0].extensions?.code, "BAD_USER_INPUT");
  });
});

describe("nested connections", () => {
  test("products filter by status and page by cursor", async () => {
    const [row] = await t.app.db.query(
      "SELECT customer_id, COUNT(*) AS n FROM products WHERE status = 'ACTIVE' GROUP BY customer_id ORDER BY n DESC LIMIT 1",
    );
    const id = toGlobalId("Customer", row.customer_id);
    const q = `query($id: ID!, $after: String) { customer(id: $id) { products(first: 2, after: $after, status: [ACTIVE]) {
      totalCount pageInfo { hasNextPage endCursor } nodes { id status } } } }`;
    const first = (await t.gql(q, { id })).body.data.customer.products;
    assert.equal(first.totalCount, Number(row.n));
    assert.ok(first.nodes.every((p: any) => p.status === "ACTIVE"));
    const second = (await t.gql(q, { id, after: first.pageInfo.endCursor })).body.data.customer.products;
    assert.equal(second.totalCount, Number(row.n));
    const ids = [...first.nodes, ...second.nodes].map((p: any) => p.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  test("invoices page by cursors of two columns (newest issue date first, then id): every page's edges and endCursor continue where it ended, none twice", async () => {
    const [row] = await t.app.db.query("SELECT customer_id, COUNT(*) AS n FROM invoices GROUP BY customer_id ORDER BY n DESC LIMIT 1");
    const id = toGlobalId("Customer", row.customer_id);
    const q = `query($id: ID!, $after: String) { customer(id: $id) { invoices(first: 3, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id issueDate } } } } }`;
    const all = (await t.gql(`query($id: ID!) { customer(id: $id) { invoices(first: 100) { nodes { id } } } }`, { id })).body.data.customer
      .invoices.nodes;
    assert.ok(all.length > 3, "the demo customer has more than one page of invoices");
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const invoices: any = (await t.gql(q, { id, after })).body.data.customer.invoices;
      assert.equal(invoices.totalCount, all.length);
      assert.equal(invoices.pageInfo.hasPreviousPage, after !== null);
      seen.push(...invoices.edges.map((e: any) => e.node.id));
      const lastEdge = invoices.edges[invoices.edges.length - 1];
      assert.equal(invoices.pageInfo.endCursor, lastEdge.cursor, "endCursor is the last edge's cursor");
      if (invoices.edges.length > 1) {
        // The cursor of an edge in the middle continues right after that edge.
        const fromSecond: any = (await t.gql(q, { id, after: invoices.edges[0].cursor })).body.data.customer.invoices;
        assert.equal(fromSecond.edges[0].node.id, invoices.edges[1].node.id);
      }
      if (!invoices.pageInfo.hasNextPage) break;
      after = invoices.pageInfo.endCursor;
    }
    assert.deepEqual(
      seen,
      all.map((n: any) => n.id),
    );
  });

  test("invoices filtered by OVERDUE are open and past due", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const [row] = await t.app.db.query(
      "SELECT customer_id, COUNT(*) AS n FROM invoices WHERE status = 'OPEN' AND due_date < ? GROUP BY customer_id LIMIT 1",
      [today],
    );
    assert.ok(row, "demo data has an overdue invoice");
    const res = await t.gql(
      `query($id: ID!) { customer(id: $id) { overdue: invoices(status: [OVERDUE]) { totalCount nodes { status dueDate } } } }`,
      {
        id: toGlobalId("Customer", row.customer_id),
      },
    );
    const overdue = res.body.data.customer.overdue;
    assert.equal(overdue.totalCount, Number(row.n));
    assert.ok(overdue.nodes.every((i: any) => i.status === "OVERDUE" && i.dueDate < today));
  });

  test("pending email verifications are listed on the customer", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
    await t.app.db.query(
      `INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, expires_at)
       VALUES (?, 'CUSTOMER_EMAIL', ?, 'new@example.com', UNHEX(SHA2('t1', 256)), ?),
              (?, 'CUSTOMER_EMAIL', ?, 'old@example.com', UNHEX(SHA2('t2', 256)), ?)`,
      [row.id, row.id, new Date(Date.now() + 86_400_000), row.id, row.id, new Date(Date.now() - 1000)],
    );
    const res = await t.gql(
      `query($id: ID!) { customer(id: $id) { pendingEmailVerifications { purpose newEmail status expiresAt deliveryState } } }`,
      {
        id: toGlobalId("Customer", row.id),
      },
    );
    assert.deepEqual(
      res.body.data.customer.pendingEmailVerifications.map((v: any) => [v.purpose, v.newEmail, v.status]),
      [["CUSTOMER_EMAIL", "new@example.com", "PENDING"]],
    );
  });
});

describe("node(id:)", () => {
  test("resolves every node type and returns null for unknown ids", async () => {
    const [c] = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT 1");
    const [p] = await t.app.db.query("SELECT id, identifier FROM products ORDER BY id LIMIT 1");
    const [i] = await t.app.db.query("SELECT id, number FROM invoices ORDER BY id LIMIT 1");
    const [r] = await t.app.db.query("SELECT id, name FROM resellers ORDER BY id LIMIT 1");
    const q = `query($id: ID!) { node(id: $id) { __typename id
      ... on Contact { email } ... on Product { identifier } ... on Invoice { number } ... on Reseller { name customers(first: 1) { totalCount } } } }`;
    const contact = (await t.gql(q, { id: toGlobalId("Contact", c.id) })).body.data.node;
    assert.equal(contact.__typename, "Contact");
    assert.equal((await t.gql(q, { id: toGlobalId("Product", p.id) })).body.data.node.identifier, p.identifier);
    assert.equal((await t.gql(q, { id: toGlobalId("Invoice", i.id) })).body.data.node.number, i.number);
    const reseller = (await t.gql(q, { id: toGlobalId("Reseller", r.id) })).body.data.node;
    assert.equal(reseller.name, r.name);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM customers WHERE reseller_id = ?", [r.id]);
    assert.equal(reseller.customers.totalCount, Number(n));
    assert.equal((await t.gql(q, { id: toGlobalId("Customer", 999999) })).body.data.node, null);
    assert.equal((await t.gql(q, { id: "not-an-id" })).body.data.node, null);
  });
});
