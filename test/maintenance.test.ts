import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { eventually, startTestApp, TestApp } from "./support/harness";

// Products and maintenance notices end to end: announcement, fan-out worker, notice jobs, SMTP sink.
let t: TestApp;
const PLAN = "Maintenance Test Plan";
const customers: Record<string, { id: number; gid: string; email: string }> = {};
const products: Record<string, string> = {};

async function addContact(customerId: number, email: string, types: string, confirmed = true) {
  await t.app.db.query(
    "INSERT INTO contacts (customer_id, types, first_name, last_name, email, email_confirmed_at) VALUES (?, ?, 'Test', 'Person', ?, ?)",
    [customerId, types, email, confirmed ? new Date() : null],
  );
}
async function addProduct(name: string, customerId: number, plan = PLAN) {
  const r = await t.app.db.query(
    "INSERT INTO products (customer_id, type, plan, identifier, status, price_amount, start_date) VALUES (?, 'SERVER', ?, ?, 'ACTIVE', 4990, '2025-01-01')",
    [customerId, plan, `${name}.server.example`],
  );
  products[name] = toGlobalId("Product", r.insertId);
}

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 6 });
  // A known world: C1 has two confirmed technical contacts and one unconfirmed; C2 has none
  // (its main email gets the notice); C3's technical contact is also C1's; C4 is not affected.
  for (const [name, number] of [
    ["C1", "1000003"],
    ["C2", "1000004"],
    ["C3", "1000005"],
    ["C4", "1000006"],
  ]) {
    const [row] = await t.app.db.query("SELECT id, email FROM customers WHERE customer_number = ?", [number]);
    customers[name] = { id: row.id, gid: toGlobalId("Customer", row.id), email: row.email };
    await t.app.db.query("DELETE FROM contacts WHERE customer_id = ?", [row.id]);
    await addContact(row.id, `standard-${name.toLowerCase()}@kunde.example`, "STANDARD");
  }
  await addContact(customers.C1.id, "shared.tech@kunde.example", "TECHNICAL");
  await addContact(customers.C1.id, "second.tech@kunde.example", "TECHNICAL,BILLING");
  await addContact(customers.C1.id, "unconfirmed.tech@kunde.example", "TECHNICAL", false);
  await addContact(customers.C3.id, "shared.tech@kunde.example", "TECHNICAL");
  await addContact(customers.C4.id, "c4.tech@kunde.example", "TECHNICAL");
  await addProduct("p1a", customers.C1.id);
  await addProduct("p1b", customers.C1.id);
  await addProduct("p2", customers.C2.id);
  await addProduct("p3", customers.C3.id);
  await addProduct("p4", customers.C4.id, "Another Plan");
});
after(() => t?.stop());

const ANNOUNCE = `mutation($i: MaintenanceAnnounceInput!) { maintenanceAnnounce(input: $i) { announcement { id affectedProductCount affectedCustomerCount } userErrors { code field } } }`;
const window = (hoursFromNow: number, hours = 2) => ({
  startsAt: new Date(Date.now() + hoursFromNow * 3_600_000).toISOString(),
  endsAt: new Date(Date.now() + (hoursFromNow + hours) * 3_600_000).toISOString(),
});
const input = (title: string, products: object) => ({
  kind: "MAINTENANCE",
  titleDe: title,
  titleEn: `${title} (en)`,
  messageDe: "Wir tauschen Netzwerkkomponenten.",
  messageEn: "We replace network gear.",
  ...window(24),
  products,
});
const subjectIs = (subject: string) => (m: { parsed: { subject?: string } }) => m.parsed.subject === subject;

describe("maintenance notices", () => {
  let announcementId: string;

  test("exactly the technical contacts of affected customers get one email each, listing their products; no technical contact means the main email", async () => {
    const res = await t.gql(ANNOUNCE, { i: input("Wartung Rechenzentrum Wien", { plan: PLAN }) });
    assert.deepEqual(res.body.data.maintenanceAnnounce.userErrors, []);
    const announcement = res.body.data.maintenanceAnnounce.announcement;
    announcementId = announcement.id;
    assert.deepEqual([announcement.affectedProductCount, announcement.affectedCustomerCount], [4, 3]);

    const expected = ["second.tech@kunde.example", "shared.tech@kunde.example", customers.C2.email].sort();
    const mails = await t.mailbox.waitFor(subjectIs("Wartung Rechenzentrum Wien"), expected.length);
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
    const all = t.mailbox.messages.filter(subjectIs("Wartung Rechenzentrum Wien"));
    assert.deepEqual(all.map((m) => m.envelopeTo[0]).sort(), expected, "exactly these recipients, once each");

    const shared = mails.find((m) => m.envelopeTo[0] === "shared.tech@kunde.example")!;
    for (const product of ["p1a", "p1b", "p3"]) assert.match(shared.parsed.text ?? "", new RegExp(`${product}\\.server\\.example`));
    const second = mails.find((m) => m.envelopeTo[0] === "second.tech@kunde.example")!;
    assert.doesNotMatch(second.parsed.text ?? "", /p3\.server\.example/);
    const main = mails.find((m) => m.envelopeTo[0] === customers.C2.email)!;
    assert.match(main.parsed.text ?? "", /p2\.server\.example/);

    const stats = await eventually(async () => {
      const r = await t.gql(
        `query($id: ID!) { node(id: $id) { ... on MaintenanceAnnouncement { noticeStats { queued sent failed } notices(first: 10) { nodes { recipient status productCount } } } } }`,
        { id: announcementId },
      );
      return r.body.data.node.noticeStats.sent === 3 ? r.body.data.node : undefined;
    });
    assert.deepEqual(stats.noticeStats, { queued: 0, sent: 3, failed: 0 });
    const shared3 = stats.notices.nodes.find((n: any) => n.recipient === "shared.tech@kunde.example");
    assert.equal(shared3.productCount, 3);
  });

  test("customers see the window for their own products only", async () => {
    const Q = `query($id: ID!) { customer(id: $id) { maintenanceWindows { title current products { identifier } } } }`;
    const c1 = (await t.gql(Q, { id: customers.C1.gid })).body.data.customer.maintenanceWindows;
    assert.deepEqual(
      c1.map((w: any) => [w.title, w.current, w.products.map((p: any) => p.identifier).sort()]),
      [["Wartung Rechenzentrum Wien", false, ["p1a.server.example", "p1b.server.example"]]],
    );
    const c4 = (await t.gql(Q, { id: customers.C4.gid })).body.data.customer.maintenanceWindows;
    assert.deepEqual(c4, []);
  });

  test("running the fan-out and the notice jobs again sends no duplicates", async () => {
    // As if every job had been lost and the done marks with them (Redis restarted empty, a crash).
    const rows: { id: string }[] = await t.app.db.query(
      "SELECT id FROM outbox WHERE topic IN ('maintenance-fanout', 'maintenance-notices') ORDER BY id",
    );
    const notices = await t.app.db.query("SELECT id FROM maintenance_notices");
    assert.ok(notices.length > 0 && rows.length >= 2, "a fan-out and at least one batch");
    const ids = rows.map((r) => String(r.id));
    for (const id of ids) await t.app.queues.maintenance.remove(`outbox-${id}`);
    await t.app.db.query("UPDATE outbox SET done_at = NULL WHERE id IN (?)", [ids]);
    await t.app.relay.dispatch(ids);
    await eventually(async () => {
      const [open] = await t.app.db.query("SELECT COUNT(*) AS n FROM outbox WHERE done_at IS NULL");
      return Number(open.n) === 0 ? true : undefined;
    });
    assert.equal(t.mailbox.messages.filter(subjectIs("Wartung Rechenzentrum Wien")).length, 3);
  });

  test("cancelling sends a follow-up to the same recipients and removes the window", async () => {
    const res = await t.gql(`mutation($id: ID!) { maintenanceCancel(id: $id) { announcement { status revision } userErrors { code } } }`, {
      id: announcementId,
    });
    assert.deepEqual(res.body.data.maintenanceCancel.announcement, { status: "CANCELLED", revision: 2 });
    const followUps = await t.mailbox.waitFor(subjectIs("Abgesagt: Wartung Rechenzentrum Wien"), 3);
    assert.deepEqual(
      followUps.map((m) => m.envelopeTo[0]).sort(),
      ["second.tech@kunde.example", "shared.tech@kunde.example", customers.C2.email].sort(),
    );
    const windows = await t.gql(`query($id: ID!) { customer(id: $id) { maintenanceWindows { title } } }`, { id: customers.C1.gid });
    assert.deepEqual(windows.body.data.customer.maintenanceWindows, []);
  });

  test("rescheduling sends a follow-up with the new window", async () => {
    const res = await t.gql(ANNOUNCE, { i: input("Firmware-Update", { productIds: [products.p2] }) });
    const id = res.body.data.maintenanceAnnounce.announcement.id;
    await t.mailbox.waitFor(subjectIs("Firmware-Update"));
    const moved = window(48, 3);
    await t.gql(
      `mutation($id: ID!, $s: DateTime!, $e: DateTime!) { maintenanceReschedule(id: $id, startsAt: $s, endsAt: $e) { userErrors { code } } }`,
      { id, s: moved.startsAt, e: moved.endsAt },
    );
    const [followUp] = await t.mailbox.waitFor(subjectIs("Verschoben: Firmware-Update"));
    assert.deepEqual(followUp.envelopeTo, [customers.C2.email]);
    assert.match(followUp.parsed.text ?? "", new RegExp(moved.startsAt.slice(0, 16).replace("T", " ")));
  });

  test("a selection without products or with a past window is refused and nothing is stored", async () => {
    const [{ n: before }] = await t.app.db.query("SELECT COUNT(*) AS n FROM maintenance_announcements");
    const none = await t.gql(ANNOUNCE, { i: input("Nichts", { plan: "No Such Plan" }) });
    assert.equal(none.body.data.maintenanceAnnounce.userErrors[0].code, "NOT_FOUND");
    const past = await t.gql(ANNOUNCE, { i: { ...input("Vorbei", { plan: PLAN }), ...window(-5) } });
    assert.equal(past.body.data.maintenanceAnnounce.userErrors[0].code, "INVALID_INPUT");
    const backwards = await t.gql(ANNOUNCE, { i: { ...input("Rückwärts", { plan: PLAN }), ...window(24, -1) } });
    assert.deepEqual(backwards.body.data.maintenanceAnnounce, {
      announcement: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["input", "endsAt"] }],
    });
    const unselected = await t.gql(ANNOUNCE, { i: input("Alles?", { productIds: [customers.C1.gid] }) });
    assert.deepEqual(unselected.body.data.maintenanceAnnounce.userErrors, [
      { code: "INVALID_INPUT", field: ["input", "products", "productIds", "0"] },
    ]);
    const nothing = await t.gql(ANNOUNCE, { i: input("Nichts gewählt", {}) });
    assert.deepEqual(nothing.body.data.maintenanceAnnounce.userErrors, [{ code: "INVALID_INPUT", field: ["input", "products"] }]);
    const [{ n: afterwards }] = await t.app.db.query("SELECT COUNT(*) AS n FROM maintenance_announcements");
    assert.equal(afterwards, before);
  });
});

describe("maintenance follow-ups refused", () => {
  const REVISE = `mutation($id: ID!, $s: DateTime!, $e: DateTime!) { maintenanceReschedule(id: $id, startsAt: $s, endsAt: $e) { announcement { revision } userErrors { code field } } }`;
  const CANCEL = `mutation($id: ID!) { maintenanceCancel(id: $id) { announcement { revision } userErrors { code field } } }`;
  const state = async (gid: string) => {
    const id = Number(Buffer.from(gid, "base64url").toString().split(":")[1]);
    const [row] = await t.app.db.query("SELECT starts_at, ends_at, status, revision FROM maintenance_announcements WHERE id = ?", [id]);
    const [{ n }] = await t.app.db.query(
      "SELECT COUNT(*) AS n FROM outbox WHERE topic = 'maintenance-fanout' AND JSON_VALUE(payload, '$.announcementId') = ?",
      [id],
    );
    return { ...row, fanouts: Number(n) };
  };

  test("a window that ends before it starts, an unknown or a cancelled announcement change nothing", async () => {
    const created = await t.gql(ANNOUNCE, { i: input("Refused follow-ups", { productIds: [products.p2] }) });
    const id = created.body.data.maintenanceAnnounce.announcement.id;
    const before = await state(id);
    const backwards = window(10, -1);
    const moved = await t.gql(REVISE, { id, s: backwards.startsAt, e: backwards.endsAt });
    assert.deepEqual(moved.body.data.maintenanceReschedule, {
      announcement: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["endsAt"] }],
    });
    assert.deepEqual(await state(id), before);

    const unknown = await t.gql(CANCEL, { id: toGlobalId("MaintenanceAnnouncement", 999_999) });
    assert.deepEqual(unknown.body.data.maintenanceCancel.userErrors, [{ code: "NOT_FOUND", field: ["id"] }]);

    assert.deepEqual((await t.gql(CANCEL, { id })).body.data.maintenanceCancel, { announcement: { revision: 2 }, userErrors: [] });
    const cancelled = await state(id);
    const again = await t.gql(CANCEL, { id });
    assert.deepEqual(again.body.data.maintenanceCancel, { announcement: null, userErrors: [{ code: "NOT_PENDING", field: ["id"] }] });
    const later = window(30);
    const revived = await t.gql(REVISE, { id, s: later.startsAt, e: later.endsAt });
    assert.deepEqual(revived.body.data.maintenanceReschedule.userErrors, [{ code: "NOT_PENDING", field: ["id"] }]);
    assert.deepEqual(await state(id), cancelled);
  });
});

describe("products", () => {
  test("a plan change is kept as history and the installation address is the product's own", async () => {
    const [before] = await t.app.db.query("SELECT street FROM customers WHERE id = ?", [customers.C1.id]);
    const UPDATE = `mutation($id: ID!, $i: ProductInput!) { productUpdate(productId: $id, input: $i) { product { plan installationAddress { street city } planHistory { oldPlan newPlan } } userErrors { code } } }`;
    const res = await t.gql(UPDATE, {
      id: products.p1a,
      i: { plan: "vServer 8", installationAddress: { street: "Serverweg 1", postalCode: "1110", city: "Wien", countryCode: "AT" } },
    });
    assert.deepEqual(res.body.data.productUpdate.product, {
      plan: "vServer 8",
      installationAddress: { street: "Serverweg 1", city: "Wien" },
      planHistory: [{ oldPlan: PLAN, newPlan: "vServer 8" }],
    });
    const [afterwards] = await t.app.db.query("SELECT street FROM customers WHERE id = ?", [customers.C1.id]);
    assert.equal(afterwards.street, before.street, "the customer's address did not move");
  });

  test("staff and the customer's reseller book, suspend and cancel products; customers cannot", async () => {
    const [row] = await t.app.db.query("SELECT id, reseller_id FROM customers WHERE reseller_id IS NOT NULL ORDER BY id LIMIT 1");
    const reseller = await t.as({
      kind: "reseller",
      resellerId: row.reseller_id,
      userId: null,
      clientId: 1,
      label: "reseller",
      sessionId: null,
    });
    const CREATE = `mutation($c: ID!, $i: ProductInput!) { productCreate(customerId: $c, input: $i) { product { id status plan } userErrors { code field } } }`;
    const created = await t.gql(
      CREATE,
      {
        c: toGlobalId("Customer", row.id),
        i: { type: "DOMAIN", plan: "Domain .at", identifier: "neu-gebucht.at", priceAmount: 1500, billingPeriod: "YEARLY" },
      },
      reseller,
    );
    const product = created.body.data.productCreate.product;
    assert.deepEqual([product.status, product.plan], ["ORDERED", "Domain .at"]);
    const missing = await t.gql(CREATE, { c: toGlobalId("Customer", row.id), i: { type: "DOMAIN" } }, reseller);
    assert.deepEqual(missing.body.data.productCreate.userErrors.map((e: any) => e.field[1]).sort(), ["identifier", "plan", "priceAmount"]);
    const suspended = await t.gql(
      `mutation($id: ID!) { productSuspend(productId: $id) { product { status } } }`,
      { id: product.id },
      reseller,
    );
    assert.equal(suspended.body.data.productSuspend.product.status, "SUSPENDED");
    const cancelled = await t.gql(
      `mutation($id: ID!) { productCancel(productId: $id, endDate: "2026-12-31") { product { status endDate } } }`,
      { id: product.id },
    );
    assert.deepEqual(cancelled.body.data.productCancel.product, { status: "CANCELLED", endDate: "2026-12-31" });
    const admin = await t.as({ kind: "customer", userId: 99, roles: new Map([[row.id, "ADMIN" as any]]), label: "admin", sessionId: null });
    const refused = await t.gql(`mutation($id: ID!) { productSuspend(productId: $id) { product { status } } }`, { id: product.id }, admin);
    assert.equal(refused.body.errors?.[0].extensions?.code, "FORBIDDEN");
  });
});
