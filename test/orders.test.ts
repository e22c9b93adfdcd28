import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// The catalog, customers' orders and plan changes, and staff's and the reseller's decisions, over
// HTTP. Customer 1000001 (Alpenblick) has an ADMIN, a TECHNICAL and a READ_ONLY login; 1000002
// (Isarwerk) is managed by a reseller. The demo catalog is seeded with the demo data.
let t: TestApp;
const tokens: Record<string, Record<string, string>> = {};
let alpenblick: { id: number; gid: string; email: string };
let isarwerk: { id: number; gid: string };
let hostingProduct: string;
let hostingStart: string;

const LOGIN = `mutation($input: AuthLoginInput!) { authLogin(input: $input) { accessToken userErrors { code } } }`;
const ORDER = `mutation($c: ID!, $i: OrderCreateInput!) {
  orderCreate(customerId: $c, input: $i) { order { id kind status identifier decidedBy plan { nameDe } product { id plan status identifier } } userErrors { code field } } }`;
const CHANGE = `mutation($p: ID!, $i: OrderPlanChangeInput!) {
  orderPlanChange(productId: $p, input: $i) { order { id kind status plan { nameDe } } userErrors { code field } } }`;
const APPROVE = `mutation($o: ID!, $r: String) { orderApprove(orderId: $o, reason: $r) { order { status decidedBy reason product { id } } userErrors { code field } } }`;
const REJECT = `mutation($o: ID!, $r: String!) { orderReject(orderId: $o, reason: $r) { order { status reason } userErrors { code field } } }`;
const CANCEL = `mutation($o: ID!) { orderCancel(orderId: $o) { order { status } userErrors { code } } }`;
const PLANS = `query($type: ProductType) { catalogPlans(productType: $type) { id nameDe nameEn price { amount } approval technicalMayOrder changes { direction plan { nameDe } } } }`;
const PLAN_UPDATE = `mutation($id: ID!, $i: CatalogPlanInput!) { catalogPlanUpdate(planId: $id, input: $i) { plan { id approval } userErrors { code field } } }`;
const PLAN_CREATE = `mutation($i: CatalogPlanInput!) { catalogPlanCreate(input: $i) { plan { id nameDe } userErrors { code field } } }`;

async function login(email: string): Promise<Record<string, string>> {
  const res = await t.gql(LOGIN, { input: { email, password: DEMO_PASSWORD } }, { authorization: "" });
  const token = res.body.data.authLogin.accessToken;
  assert.ok(token, `login of ${email}: ${JSON.stringify(res.body)}`);
  return { authorization: `Bearer ${token}` };
}

async function planId(type: string, nameDe: string): Promise<string> {
  const res = await t.gql(PLANS, { type });
  const plan = res.body.data.catalogPlans.find((p: { nameDe: string }) => p.nameDe === nameDe);
  assert.ok(plan, `plan ${nameDe} in the catalog`);
  return plan.id;
}

const count = async (sql: string, params: unknown[] = []) => Number((await t.app.db.query(sql, params))[0].n);
const mailTo = (address: string, subject: RegExp) =>
  t.mailbox.waitFor((m) => m.envelopeTo.includes(address) && subject.test(m.parsed.subject ?? ""));

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 3 });
  const [a] = await t.app.db.query("SELECT id, email FROM customers WHERE customer_number = '1000001'");
  const [b] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000002'");
  alpenblick = { id: a.id, gid: toGlobalId("Customer", a.id), email: a.email };
  isarwerk = { id: b.id, gid: toGlobalId("Customer", b.id) };
  const [hosting] = await t.app.db.query(
    "SELECT id, start_date FROM products WHERE customer_id = ? AND type = 'WEB_HOSTING' ORDER BY id LIMIT 1",
    [a.id],
  );
  hostingProduct = toGlobalId("Product", hosting.id);
  hostingStart = hosting.start_date;
  for (const [name, email] of [
    ["admin", "admin@alpenblick.at"],
    ["technical", "technik@alpenblick.at"],
    ["readOnly", "lesen@alpenblick.at"],
    ["isarwerkAdmin", "admin@isarwerk.de"],
  ]) {
    tokens[name] = await login(email);
  }
  const [reseller] = await t.app.db.query("SELECT email FROM users WHERE kind = 'RESELLER' LIMIT 1");
  tokens.reseller = await login(reseller.email);
});
after(() => t?.stop());

describe("the catalog", () => {
  test("the demo catalog is seeded as catalog rows, and the demo products refer to their plans", async () => {
    const hosting = (await t.gql(PLANS, { type: "WEB_HOSTING" }, tokens.admin)).body.data.catalogPlans;
    assert.deepEqual(
      hosting.filter((p: { nameDe: string }) => p.nameDe.startsWith("Webhosting")).map((p: { nameDe: string }) => p.nameDe),
      ["Webhosting S", "Webhosting M", "Webhosting L"],
    );
    const m = hosting.find((p: { nameDe: string }) => p.nameDe === "Webhosting M");
    assert.deepEqual(m.changes.map((c: { direction: string; plan: { nameDe: string } }) => `${c.direction} ${c.plan.nameDe}`).sort(), [
      "DOWNGRADE Webhosting S",
      "UPGRADE Webhosting L",
    ]);
    const product = await t.gql(`{ node(id: "${hostingProduct}") { ... on Product { plan catalogPlan { nameDe } } } }`, {}, tokens.admin);
    assert.deepEqual(product.body.data.node, { plan: "Webhosting M", catalogPlan: { nameDe: "Webhosting M" } });
  });

  test("only staff admins maintain the catalog; a plan name is unique per product type", async () => {
    const input = {
      productType: "WEB_HOSTING",
      nameDe: "Webhosting XL",
      nameEn: "Web hosting XL",
      priceAmount: 9990,
      billingPeriod: "MONTHLY",
    };
    const refused = await t.gql(PLAN_CREATE, { i: input }, tokens.admin);
    assert.equal(refused.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const created = await t.gql(PLAN_CREATE, { i: input });
    assert.deepEqual(created.body.data.catalogPlanCreate.userErrors, []);
    const again = await t.gql(PLAN_CREATE, { i: input });
    assert.deepEqual(again.body.data.catalogPlanCreate.userErrors, [{ code: "TAKEN", field: ["input", "nameDe"] }]);
  });
});

describe("orders", () => {
  test("an ADMIN orders a domain: the catalog approves it at once, the product is booked and both addresses get the confirmation", async () => {
    const before = await count("SELECT COUNT(*) AS n FROM products WHERE customer_id = ?", [alpenblick.id]);
    const res = await t.gql(
      ORDER,
      { c: alpenblick.gid, i: { planId: await planId("DOMAIN", "Domain .at"), identifier: "Alpenblick-Neu.AT" } },
      tokens.admin,
    );
    const { order, userErrors } = res.body.data.orderCreate;
    assert.deepEqual(userErrors, []);
    assert.equal(order.status, "APPROVED");
    assert.equal(order.decidedBy, "catalog (approved at once)");
    assert.deepEqual(
      { ...order.product, id: undefined },
      { id: undefined, plan: "Domain .at", status: "ORDERED", identifier: "alpenblick-neu.at" },
    );
    assert.equal(await count("SELECT COUNT(*) AS n FROM products WHERE customer_id = ?", [alpenblick.id]), before + 1);
    const [toCustomer] = await mailTo(alpenblick.email, /Bestellung/);
    assert.match(toCustomer.parsed.text ?? "", /alpenblick-neu\.at/);
    assert.match(toCustomer.parsed.text ?? "", /freigegeben/);
    await mailTo("admin@alpenblick.at", /Bestellung/);

    const listed = await t.gql(
      `query($id: ID!) { customer(id: $id) { orders(first: 5) { totalCount nodes { id status plan { nameDe } } } } }`,
      { id: alpenblick.gid },
      tokens.admin,
    );
    assert.equal(listed.body.data.customer.orders.nodes[0].id, order.id);
  });

  test("an order with an idempotency key is placed once: a repeat answers with the first order, other input with IDEMPOTENCY_KEY_REUSED", async () => {
    const ORDER_ONCE = `mutation($c: ID!, $i: OrderCreateInput!, $k: String) {
      orderCreate(customerId: $c, input: $i, idempotencyKey: $k) { order { id status } userErrors { code field } } }`;
    const input = { planId: await planId("DOMAIN", "Domain .com"), identifier: "alpenblick-once.com" };
    const ordersBefore = await count("SELECT COUNT(*) AS n FROM orders");
    const first = await t.gql(ORDER_ONCE, { c: alpenblick.gid, i: input, k: "order-once-1" }, tokens.admin);
    const repeat = await t.gql(ORDER_ONCE, { c: alpenblick.gid, i: input, k: "order-once-1" }, tokens.admin);
    assert.deepEqual(first.body.data?.orderCreate.userErrors, [], JSON.stringify(first.body));
    assert.deepEqual(repeat.body.data?.orderCreate, first.body.data.orderCreate, JSON.stringify(repeat.body));
    assert.equal(await count("SELECT COUNT(*) AS n FROM orders"), ordersBefore + 1);
    assert.equal(await count("SELECT COUNT(*) AS n FROM products WHERE identifier = 'alpenblick-once.com'"), 1);
    const other = await t.gql(
      ORDER_ONCE,
      { c: alpenblick.gid, i: { ...input, identifier: "alpenblick-twice.com" }, k: "order-once-1" },
      tokens.admin,
    );
    assert.deepEqual(other.body.data.orderCreate.userErrors, [{ code: "IDEMPOTENCY_KEY_REUSED", field: ["idempotencyKey"] }]);
    assert.equal(await count("SELECT COUNT(*) AS n FROM orders"), ordersBefore + 1);
  });

  test("a domain held by an active product, or ordered already, is DUPLICATE_DOMAIN and writes nothing", async () => {
    const domainAt = await planId("DOMAIN", "Domain .at");
    const ordersBefore = await count("SELECT COUNT(*) AS n FROM orders");
    // alpenblick.at is a demo product of 1000001; Isarwerk tries to take it.
    const held = await t.gql(ORDER, { c: isarwerk.gid, i: { planId: domainAt, identifier: "alpenblick.at" } }, tokens.isarwerkAdmin);
    assert.deepEqual(held.body.data.orderCreate.userErrors, [{ code: "DUPLICATE_DOMAIN", field: ["input", "identifier"] }]);
    assert.equal(await count("SELECT COUNT(*) AS n FROM orders"), ordersBefore);
  });

  test("the database holds a domain for one active product only, whoever books it", async () => {
    const res = await t.gql(
      `mutation($c: ID!) { productCreate(customerId: $c, input: { type: DOMAIN, plan: "Domain .at", identifier: "ALPENBLICK.at", priceAmount: 1500 }) { product { id } userErrors { code } } }`,
      { c: isarwerk.gid },
    );
    assert.deepEqual(res.body.data.productCreate.userErrors, [{ code: "DUPLICATE_DOMAIN" }]);
    await assert.rejects(
      t.app.db.query(
        "INSERT INTO products (customer_id, type, plan, identifier, status, price_amount, start_date) VALUES (?, 'DOMAIN', 'x', 'alpenblick.at', 'ACTIVE', 1, '2026-01-01')",
        [isarwerk.id],
      ),
      /Duplicate entry/,
    );
    // A cancelled domain product does not hold its domain.
    await t.app.db.query(
      "INSERT INTO products (customer_id, type, plan, identifier, status, price_amount, start_date) VALUES (?, 'DOMAIN', 'x', 'alpenblick.at', 'CANCELLED', 1, '2026-01-01')",
      [isarwerk.id],
    );
  });

  test("an ADMIN upgrades a hosting plan; staff approve; the product, its price from the next billing period and the plan history show it", async () => {
    // Staff make upgrades to Webhosting L a reviewed order.
    const large = await planId("WEB_HOSTING", "Webhosting L");
    assert.deepEqual((await t.gql(PLAN_UPDATE, { id: large, i: { approval: "REVIEW" } })).body.data.catalogPlanUpdate.userErrors, []);

    const ordered = await t.gql(CHANGE, { p: hostingProduct, i: { planId: large } }, tokens.admin);
    const order = ordered.body.data.orderPlanChange.order;
    assert.deepEqual(ordered.body.data.orderPlanChange.userErrors, []);
    assert.deepEqual({ kind: order.kind, status: order.status }, { kind: "PLAN_CHANGE", status: "PENDING" });
    await mailTo(alpenblick.email, /Bestellung/);
    const again = await t.gql(CHANGE, { p: hostingProduct, i: { planId: large } }, tokens.admin);
    assert.deepEqual(again.body.data.orderPlanChange.userErrors, [{ code: "CONFLICT", field: ["productId"] }]);

    const pending = await t.gql(`{ orders(first: 10, status: PENDING) { nodes { id kind customer { customerNumber } } } }`);
    assert.ok(pending.body.data.orders.nodes.some((o: { id: string }) => o.id === order.id));

    const approved = await t.gql(APPROVE, { o: order.id, r: "Viel Erfolg" });
    assert.deepEqual(approved.body.data.orderApprove.userErrors, []);
    assert.equal(approved.body.data.orderApprove.order.status, "APPROVED");

    const product = (
      await t.gql(
        `{ node(id: "${hostingProduct}") { ... on Product { plan catalogPlan { nameDe } price { amount } nextPrice { amount } nextPriceFrom specs
             planHistory { oldPlan newPlan price { amount } priceFrom } } } }`,
        {},
        tokens.admin,
      )
    ).body.data.node;
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(product.plan, "Webhosting L");
    assert.equal(product.catalogPlan.nameDe, "Webhosting L");
    assert.deepEqual(product.specs, { diskGb: 200, mailboxes: 100 });
    // Invoices take their lines from the caller: the product keeps its price until its next period.
    assert.equal(product.price.amount, 2490);
    assert.equal(product.nextPrice.amount, 4990);
    assert.ok(product.nextPriceFrom > today, `${product.nextPriceFrom} is after today`);
    assert.ok(Date.parse(product.nextPriceFrom) - Date.parse(today) <= 31 * 86_400_000, "within a month (monthly billing)");
    assert.equal(
      Number(product.nextPriceFrom.slice(8)) <= Number(hostingStart.slice(8)),
      true,
      "on the day of the month the product started (or the month's last)",
    );
    const last = product.planHistory[product.planHistory.length - 1];
    assert.deepEqual(last, { oldPlan: "Webhosting M", newPlan: "Webhosting L", price: { amount: 4990 }, priceFrom: product.nextPriceFrom });

    const [decided] = await mailTo("admin@alpenblick.at", /Bestellung \d+ freigegeben/);
    assert.match(decided.parsed.text ?? "", new RegExp(`Der neue Preis gilt ab\\s*${product.nextPriceFrom}`));
    await mailTo(alpenblick.email, /Bestellung \d+ freigegeben/);
  });

  test("the catalog refuses a change it does not list, and an unknown plan; nothing is written", async () => {
    const ordersBefore = await count("SELECT COUNT(*) AS n FROM orders");
    const xl = await planId("WEB_HOSTING", "Webhosting XL");
    const forbidden = await t.gql(CHANGE, { p: hostingProduct, i: { planId: xl } }, tokens.admin);
    assert.deepEqual(forbidden.body.data.orderPlanChange.userErrors, [{ code: "PLAN_CHANGE_NOT_ALLOWED", field: ["input", "planId"] }]);
    const otherType = await t.gql(CHANGE, { p: hostingProduct, i: { planId: await planId("DOMAIN", "Domain .de") } }, tokens.admin);
    assert.deepEqual(otherType.body.data.orderPlanChange.userErrors, [{ code: "PLAN_CHANGE_NOT_ALLOWED", field: ["input", "planId"] }]);
    for (const unknown of [toGlobalId("CatalogPlan", 999999), toGlobalId("Customer", 1), "not-an-id"]) {
      const res = await t.gql(ORDER, { c: alpenblick.gid, i: { planId: unknown, identifier: "x.example" } }, tokens.admin);
      assert.deepEqual(res.body.data.orderCreate.userErrors, [{ code: "UNKNOWN_PLAN", field: ["input", "planId"] }]);
    }
    assert.equal(await count("SELECT COUNT(*) AS n FROM orders"), ordersBefore);
  });

  test("a TECHNICAL user orders where the catalog allows it, and gets ADMIN_REQUIRED elsewhere", async () => {
    const domain = await t.gql(
      ORDER,
      { c: alpenblick.gid, i: { planId: await planId("DOMAIN", "Domain .eu"), identifier: "alpenblick-technik.eu" } },
      tokens.technical,
    );
    assert.deepEqual(domain.body.data.orderCreate.userErrors, []);
    const line = await t.gql(
      ORDER,
      {
        c: alpenblick.gid,
        i: {
          planId: await planId("INTERNET_LINE", "VDSL 100/40"),
          identifier: "new line",
          installationAddress: { street: "Neubaugasse 1", postalCode: "1070", city: "Wien", countryCode: "AT" },
        },
      },
      tokens.technical,
    );
    assert.deepEqual(line.body.data.orderCreate.userErrors, [{ code: "ADMIN_REQUIRED", field: ["input", "planId"] }]);
    const noAddress = await t.gql(
      ORDER,
      { c: alpenblick.gid, i: { planId: await planId("INTERNET_LINE", "VDSL 100/40"), identifier: "line" } },
      tokens.admin,
    );
    assert.deepEqual(noAddress.body.data.orderCreate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "installationAddress"] }]);
  });

  test("a READ_ONLY user may neither order nor see orders", async () => {
    const ordersBefore = await count("SELECT COUNT(*) AS n FROM orders");
    const res = await t.gql(
      ORDER,
      { c: alpenblick.gid, i: { planId: await planId("DOMAIN", "Domain .at"), identifier: "lesen-darf-nicht.at" } },
      tokens.readOnly,
    );
    assert.equal(res.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const change = await t.gql(CHANGE, { p: hostingProduct, i: { planId: await planId("WEB_HOSTING", "Webhosting S") } }, tokens.readOnly);
    assert.equal(change.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const list = await t.gql(
      `query($id: ID!) { customer(id: $id) { orders(first: 1) { totalCount } } }`,
      { id: alpenblick.gid },
      tokens.readOnly,
    );
    assert.equal(list.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(await count("SELECT COUNT(*) AS n FROM orders"), ordersBefore);
  });

  test("another customer's product is refused like one that does not exist", async () => {
    const small = await planId("WEB_HOSTING", "Webhosting S");
    const foreign = await t.gql(CHANGE, { p: hostingProduct, i: { planId: small } }, tokens.isarwerkAdmin);
    const unknown = await t.gql(CHANGE, { p: toGlobalId("Product", 999999), i: { planId: small } }, tokens.isarwerkAdmin);
    assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(foreign.body.errors?.[0].message, unknown.body.errors?.[0].message);
    const order = await t.gql(ORDER, { c: alpenblick.gid, i: { planId: small, identifier: "x.at" } }, tokens.isarwerkAdmin);
    assert.equal(order.body.errors?.[0].extensions?.code, "FORBIDDEN");
  });

  test("the reseller lists and decides its customers' orders only; a rejection needs a reason; the customer cancels while pending", async () => {
    const small = await planId("WEB_HOSTING", "Webhosting S");
    assert.deepEqual((await t.gql(PLAN_UPDATE, { id: small, i: { approval: "REVIEW" } })).body.data.catalogPlanUpdate.userErrors, []);
    const [isarwerkHosting] = await t.app.db.query(
      "SELECT id FROM products WHERE customer_id = ? AND type = 'WEB_HOSTING' AND plan_id IS NOT NULL LIMIT 1",
      [isarwerk.id],
    );
    const first = (await t.gql(CHANGE, { p: toGlobalId("Product", isarwerkHosting.id), i: { planId: small } }, tokens.isarwerkAdmin)).body
      .data.orderPlanChange.order;
    assert.equal(first.status, "PENDING");

    const listed = await t.gql(`{ orders(first: 50) { nodes { id customer { customerNumber } } } }`, {}, tokens.reseller);
    const numbers = new Set(listed.body.data.orders.nodes.map((o: { customer: { customerNumber: string } }) => o.customer.customerNumber));
    assert.deepEqual([...numbers], ["1000002"]);
    // Not the reseller of Alpenblick.
    const [alpenblickOrder] = await t.app.db.query("SELECT id FROM orders WHERE customer_id = ? ORDER BY id DESC LIMIT 1", [alpenblick.id]);
    const notTheirs = await t.gql(APPROVE, { o: toGlobalId("Order", alpenblickOrder.id) }, tokens.reseller);
    assert.equal(notTheirs.body.errors?.[0].extensions?.code, "FORBIDDEN");

    const noReason = await t.gql(REJECT, { o: first.id, r: " " }, tokens.reseller);
    assert.deepEqual(noReason.body.data.orderReject.userErrors, [{ code: "INVALID_INPUT", field: ["reason"] }]);
    const rejected = await t.gql(REJECT, { o: first.id, r: "Downgrade erst nach Vertragsende möglich" }, tokens.reseller);
    assert.deepEqual(rejected.body.data.orderReject.order, { status: "REJECTED", reason: "Downgrade erst nach Vertragsende möglich" });
    const [mail] = await mailTo("admin@isarwerk.de", /abgelehnt/);
    assert.match(mail.parsed.text ?? "", /Vertragsende/);
    const [plan] = await t.app.db.query("SELECT plan FROM products WHERE id = ?", [isarwerkHosting.id]);
    assert.notEqual(plan.plan, "Webhosting S");

    const second = (await t.gql(CHANGE, { p: toGlobalId("Product", isarwerkHosting.id), i: { planId: small } }, tokens.isarwerkAdmin)).body
      .data.orderPlanChange.order;
    assert.deepEqual((await t.gql(CANCEL, { o: second.id }, tokens.isarwerkAdmin)).body.data.orderCancel.order, { status: "CANCELLED" });
    const late = await t.gql(APPROVE, { o: second.id }, tokens.reseller);
    assert.deepEqual(late.body.data.orderApprove.userErrors, [{ code: "NOT_PENDING", field: ["orderId"] }]);
    const cancelAgain = await t.gql(CANCEL, { o: first.id }, tokens.isarwerkAdmin);
    assert.deepEqual(cancelAgain.body.data.orderCancel.userErrors, [{ code: "NOT_PENDING" }]);
  });
});
