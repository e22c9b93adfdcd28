import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// What staff, resellers and the customer's users are refused when they create or change customers,
// products and API clients: userErrors in the payload, and nothing written (no row, no audit entry,
// no confirmation link).
let t: TestApp;
let business: { id: number; gid: string; email: string };
let person: { id: number; gid: string };

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 2 });
  const [a, b] = await t.app.db.query("SELECT id, email FROM customers ORDER BY id LIMIT 2");
  await t.app.db.query("UPDATE customers SET kind = 'BUSINESS', company_name = 'Refusal GmbH' WHERE id = ?", [a.id]);
  await t.app.db.query("UPDATE customers SET kind = 'PRIVATE', payment_method = 'BANK_TRANSFER' WHERE id = ?", [b.id]);
  business = { id: a.id, gid: toGlobalId("Customer", a.id), email: a.email };
  person = { id: b.id, gid: toGlobalId("Customer", b.id) };
});
after(() => t?.stop());

/** Everything a refused mutation of this file could have written. */
async function snapshot(): Promise<string> {
  const tables: [string, string][] = [
    ["customers", "SELECT * FROM customers ORDER BY id"],
    ["contacts", "SELECT * FROM contacts ORDER BY id"],
    ["products", "SELECT * FROM products ORDER BY id"],
    ["product_plan_changes", "SELECT * FROM product_plan_changes ORDER BY id"],
    ["api_clients", "SELECT * FROM api_clients ORDER BY id"],
    // Not the delivery state: the worker marks the links of earlier tests as sent at any time.
    ["email_verifications", "SELECT id, customer_id, purpose, target_id, new_email, status FROM email_verifications ORDER BY id"],
    ["audit_log", "SELECT * FROM audit_log ORDER BY id"],
    // Ids only: the relay updates the state of rows written before.
    ["outbox", "SELECT id FROM outbox ORDER BY id"],
  ];
  const rows = await Promise.all(tables.map(([, sql]) => t.app.db.query(sql)));
  return JSON.stringify(Object.fromEntries(tables.map(([name], i) => [name, rows[i]])));
}

/** Runs the mutation (as staff ADMIN unless headers say otherwise) and returns its payload, asserting that nothing changed. */
async function refused(query: string, variables: Record<string, unknown>, headers?: Record<string, string>) {
  const before = await snapshot();
  const res = await t.gql(query, variables, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(await snapshot(), before, "a refused mutation writes nothing");
  return Object.values(res.body.data as Record<string, any>)[0];
}

const codesAndFields = (payload: { userErrors: { code: string; field: string[] }[] }) => payload.userErrors.map((e) => [e.code, e.field]);

describe("customers", () => {
  const CREATE = `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id } userErrors { code field } } }`;
  const input = {
    kind: "BUSINESS",
    companyName: "Neu GmbH",
    email: "office@neu.example",
    address: { street: "Neugasse 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
    contact: { firstName: "Nina", lastName: "Neu", email: "nina@neu.example" },
  };

  test("a new customer's problems and its first contact's come in one answer, and neither row is written", async () => {
    const payload = await refused(CREATE, { i: { ...input, companyName: " ", mobile: "12", contact: { ...input.contact, phone: "34" } } });
    assert.equal(payload.customer, null);
    assert.deepEqual(codesAndFields(payload), [
      ["INVALID_INPUT", ["input", "companyName"]],
      ["INVALID_INPUT", ["input", "mobile"]],
      ["INVALID_INPUT", ["input", "contact", "phone"]],
    ]);
    const privateWithoutName = await refused(CREATE, { i: { ...input, kind: "PRIVATE", companyName: undefined, firstName: "Nina" } });
    assert.deepEqual(codesAndFields(privateWithoutName), [["INVALID_INPUT", ["input", "lastName"]]]);
  });

  test("a customer under an unknown reseller is NOT_FOUND", async () => {
    const payload = await refused(CREATE, { i: { ...input, resellerId: toGlobalId("Reseller", 987654) } });
    assert.deepEqual(codesAndFields(payload), [["NOT_FOUND", ["input", "resellerId"]]]);
  });

  test("a created customer has its first STANDARD contact, with the phone in E.164, and one audit entry", async () => {
    const res = await t.gql(CREATE, { i: { ...input, contact: { ...input.contact, phone: "01 5551234" } } });
    assert.deepEqual(res.body.data.customerCreate.userErrors, []);
    const [customer] = await t.app.db.query("SELECT id, customer_number FROM customers WHERE id = (SELECT MAX(id) FROM customers)");
    assert.equal(res.body.data.customerCreate.customer.id, toGlobalId("Customer", customer.id));
    const contacts = await t.app.db.query("SELECT types, email, phone FROM contacts WHERE customer_id = ?", [customer.id]);
    assert.deepEqual(contacts, [{ types: "STANDARD", email: "nina@neu.example", phone: "+4315551234" }]);
    const audit = await t.app.db.query("SELECT action, customer_id FROM audit_log WHERE customer_id = ?", [customer.id]);
    assert.deepEqual(audit, [{ action: "customer.created", customer_id: customer.id }]);
  });

  test("the current address again is refused, and no confirmation link goes out", async () => {
    const payload = await refused(
      `mutation($id: ID!, $e: EmailAddress!) { customerEmailUpdate(customerId: $id, email: $e) { customer { id } userErrors { code field } } }`,
      { id: business.gid, e: business.email.toUpperCase() },
    );
    assert.deepEqual(codesAndFields(payload), [["INVALID_INPUT", ["email"]]]);
  });

  test("switching online invoices or the newsletter on needs the address", async () => {
    const invoice = await refused(
      `mutation($id: ID!) { customerOnlineInvoiceUpdate(customerId: $id, input: { enabled: true }) { customer { id } userErrors { code field } } }`,
      { id: business.gid },
    );
    assert.deepEqual(codesAndFields(invoice), [["INVALID_INPUT", ["input", "email"]]]);
    const newsletter = await refused(
      `mutation($id: ID!) { customerNewsletterUpdate(customerId: $id, input: { subscribed: true }) { customer { id } userErrors { code field } } }`,
      { id: business.gid },
    );
    assert.deepEqual(codesAndFields(newsletter), [["INVALID_INPUT", ["input", "email"]]]);
  });

  test("SEPA needs the account; a bad BIC and B2B for a private customer are refused together", async () => {
    const UPDATE = `mutation($id: ID!, $i: PaymentMethodInput!) { customerPaymentMethodUpdate(customerId: $id, input: $i) { customer { id } userErrors { code field } } }`;
    const noAccount = await refused(UPDATE, { id: person.gid, i: { method: "SEPA_DIRECT_DEBIT" } });
    assert.deepEqual(codesAndFields(noAccount), [["INVALID_INPUT", ["input", "sepa"]]]);
    const sepa = { iban: "DE89 3704 0044 0532 0130 00", bic: "NOT A BIC", accountHolder: "Nina Neu", scheme: "B2B" };
    const both = await refused(UPDATE, { id: person.gid, i: { method: "SEPA_DIRECT_DEBIT", sepa } });
    assert.deepEqual(codesAndFields(both), [
      ["INVALID_INPUT", ["input", "sepa", "bic"]],
      ["INVALID_INPUT", ["input", "sepa", "scheme"]],
    ]);
  });
});

describe("products", () => {
  let product: string;
  let cancelled: string;

  before(async () => {
    const insert = (status: string) =>
      t.app.db.query(
        "INSERT INTO products (customer_id, type, plan, identifier, status, price_amount, start_date) VALUES (?, 'DOMAIN', 'Domain .at', ?, ?, 1500, '2025-01-01')",
        [business.id, `${status.toLowerCase()}.at`, status],
      );
    product = toGlobalId("Product", (await insert("ACTIVE")).insertId);
    cancelled = toGlobalId("Product", (await insert("CANCELLED")).insertId);
  });

  test("a product without its required values is not booked", async () => {
    const payload = await refused(
      `mutation($c: ID!) { productCreate(customerId: $c, input: { type: DOMAIN, plan: "Domain .at" }) { product { id } userErrors { code field } } }`,
      { c: business.gid },
    );
    assert.deepEqual(codesAndFields(payload), [
      ["INVALID_INPUT", ["input", "identifier"]],
      ["INVALID_INPUT", ["input", "priceAmount"]],
    ]);
  });

  test("a product's type cannot change, and a cancelled product changes no more", async () => {
    const UPDATE = `mutation($id: ID!, $i: ProductInput!) { productUpdate(productId: $id, input: $i) { product { id } userErrors { code field } } }`;
    const retyped = await refused(UPDATE, { id: product, i: { type: "SERVER", plan: "Server M" } });
    assert.deepEqual(codesAndFields(retyped), [["INVALID_INPUT", ["input", "type"]]]);
    const changed = await refused(UPDATE, { id: cancelled, i: { plan: "Domain .com" } });
    assert.deepEqual(codesAndFields(changed), [["NOT_PENDING", ["productId"]]]);
    for (const mutation of ["productSuspend", "productCancel"]) {
      const payload = await refused(`mutation($id: ID!) { ${mutation}(productId: $id) { product { id } userErrors { code field } } }`, {
        id: cancelled,
      });
      assert.deepEqual(codesAndFields(payload), [["NOT_PENDING", ["productId"]]]);
    }
  });
});

describe("reseller API clients", () => {
  const CREATE = `mutation($r: ID!, $n: String!) { resellerApiClientCreate(resellerId: $r, name: $n) { clientId clientSecret userErrors { code field } } }`;

  test("an unknown reseller, an empty name and an over-long name are refused, and no client is made", async () => {
    const inserted = await t.app.db.query("INSERT INTO resellers (name, email) VALUES ('Refusal Partner', 'partner@refusal.example')");
    const known = toGlobalId("Reseller", inserted.insertId);
    const unknown = await refused(CREATE, { r: toGlobalId("Reseller", 987654), n: "ERP" });
    assert.deepEqual([unknown.clientId, unknown.clientSecret], [null, null]);
    assert.deepEqual(codesAndFields(unknown), [["NOT_FOUND", ["resellerId"]]]);
    assert.deepEqual(codesAndFields(await refused(CREATE, { r: known, n: "  " })), [["INVALID_INPUT", ["name"]]]);
    assert.deepEqual(codesAndFields(await refused(CREATE, { r: known, n: "x".repeat(201) })), [["INVALID_INPUT", ["name"]]]);
  });
});
