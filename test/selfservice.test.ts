import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashPassword } from "../src/access/passwords";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { toGlobalId } from "../src/platform/global-id";
import { jsonColumn } from "../src/platform/rows";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole } from "../src/users/user.enums";
import { startTestApp, TestApp } from "./support/harness";

// Customer self-service: master data with version checks, staff-reviewed changes, notification
// settings, support requests and merging customer numbers.
let t: TestApp;
const c: Record<string, { id: number; gid: string; email: string }> = {};
const admin = (name: string): AuthenticatedPrincipal => ({
  kind: "customer",
  userId: 7000 + c[name].id,
  roles: new Map([[c[name].id, CustomerRole.ADMIN]]),
  label: `admin of ${name}`,
  sessionId: null,
});

before(async () => {
  t = await startTestApp({ SUPPORT_EMAIL: "support@provider.example" });
  await seedDemoData(t.app.db, { customers: 6 });
  for (const [name, number] of [
    ["A", "1000003"],
    ["B", "1000004"],
    ["C", "1000005"],
    ["D", "1000006"],
  ]) {
    const [row] = await t.app.db.query("SELECT id, email FROM customers WHERE customer_number = ?", [number]);
    c[name] = { id: row.id, gid: toGlobalId("Customer", row.id), email: row.email };
  }
});
after(() => t?.stop());

describe("master data", () => {
  const UPDATE = `mutation($id: ID!, $i: CustomerUpdateInput!) { customerUpdate(customerId: $id, input: $i) { customer { version address { street city } phone locale ipAllowlist email pendingEmail } userErrors { code field } } }`;

  test("the customer changes address, phone, locale and allowlist; a stale version is a CONFLICT that changes nothing", async () => {
    const headers = await t.as(admin("A"));
    const [before] = await t.app.db.query("SELECT version, street FROM customers WHERE id = ?", [c.A.id]);
    const [product] = await t.app.db.query("SELECT id, installation_street FROM products WHERE customer_id = ? ORDER BY id LIMIT 1", [
      c.A.id,
    ]);
    const res = await t.gql(
      UPDATE,
      {
        id: c.A.gid,
        i: {
          version: before.version,
          address: { street: "Neue Gasse 5", postalCode: "8010", city: "Graz", countryCode: "AT" },
          phone: "0316 123456",
          locale: "en",
          ipAllowlist: ["203.0.113.0/24", "198.51.100.7"],
          email: "neu@kunde-a.example",
        },
      },
      headers,
    );
    assert.deepEqual(res.body.data.customerUpdate.userErrors, []);
    const customer = res.body.data.customerUpdate.customer;
    assert.deepEqual(
      [customer.version, customer.address, customer.phone, customer.locale, customer.ipAllowlist],
      [before.version + 1, { street: "Neue Gasse 5", city: "Graz" }, "+43316123456", "en", ["203.0.113.0/24", "198.51.100.7"]],
    );
    assert.deepEqual(
      [customer.email, customer.pendingEmail],
      [c.A.email, "neu@kunde-a.example"],
      "the main email changes only through its link",
    );
    const [moved] = await t.app.db.query("SELECT installation_street FROM products WHERE id = ?", [product.id]);
    assert.equal(moved.installation_street, product.installation_street, "a product's installation address does not follow");

    const stale = await t.gql(UPDATE, { id: c.A.gid, i: { version: before.version, locale: "de" } }, headers);
    assert.deepEqual(stale.body.data.customerUpdate.userErrors, [{ code: "CONFLICT", field: ["input", "version"] }]);
    const [now] = await t.app.db.query("SELECT version, locale, mobile FROM customers WHERE id = ?", [c.A.id]);
    assert.deepEqual([now.version, now.locale], [before.version + 1, "en"]);

    const bad = await t.gql(UPDATE, { id: c.A.gid, i: { version: now.version, ipAllowlist: ["10.0.0.0/99"], mobile: "12" } }, headers);
    assert.deepEqual(bad.body.data.customerUpdate.userErrors.map((e: any) => e.field.join(".")).sort(), [
      "input.ipAllowlist.0",
      "input.mobile",
    ]);
    assert.equal(bad.body.data.customerUpdate.customer, null);
    const [unchanged] = await t.app.db.query("SELECT version, mobile, ip_allowlist FROM customers WHERE id = ?", [c.A.id]);
    assert.deepEqual(
      [unchanged.version, unchanged.mobile, jsonColumn(unchanged.ip_allowlist)],
      [now.version, now.mobile, ["203.0.113.0/24", "198.51.100.7"]],
    );
  });
});

describe("changes that need staff review", () => {
  const CREATE = `mutation($id: ID!, $i: ChangeRequestInput!) { customerChangeRequestCreate(customerId: $id, input: $i) { changeRequest { id status changes documents } userErrors { code } } }`;

  test("a company-name change waits for staff, is applied on approval and the main address is told", async () => {
    const res = await t.gql(
      CREATE,
      { id: c.B.gid, i: { companyName: "Neuer Name GmbH", vatId: "ATU99999993", documents: "Firmenbuchauszug vom 2026-11-02" } },
      await t.as(admin("B")),
    );
    const request = res.body.data.customerChangeRequestCreate.changeRequest;
    assert.equal(request.status, "PENDING");
    const [untouched] = await t.app.db.query("SELECT company_name FROM customers WHERE id = ?", [c.B.id]);
    assert.notEqual(untouched.company_name, "Neuer Name GmbH");
    const pending = await t.gql(`{ changeRequests(first: 10, status: PENDING) { nodes { id customer { customerNumber } documents } } }`);
    assert.ok(
      pending.body.data.changeRequests.nodes.some((n: any) => n.id === request.id && n.documents === "Firmenbuchauszug vom 2026-11-02"),
    );

    const approved = await t.gql(
      `mutation($id: ID!) { changeRequestApprove(id: $id) { changeRequest { status customer { companyName vatId } } userErrors { code } } }`,
      { id: request.id },
    );
    assert.deepEqual(approved.body.data.changeRequestApprove.changeRequest, {
      status: "APPROVED",
      customer: { companyName: "Neuer Name GmbH", vatId: "ATU99999993" },
    });
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.B.email) && /genehmigt|approved/.test(m.parsed.subject ?? ""));
    assert.ok(mail);
    const again = await t.gql(`mutation($id: ID!) { changeRequestReject(id: $id, reason: "zu spät") { userErrors { code } } }`, {
      id: request.id,
    });
    assert.equal(again.body.data.changeRequestReject.userErrors[0].code, "NOT_PENDING");
  });

  test("a rejected change leaves the customer as it was and the email gives the reason", async () => {
    const res = await t.gql(
      CREATE,
      { id: c.C.gid, i: { owner: { firstName: "Neue", lastName: "Inhaberin", email: "inhaberin@kunde-c.example" } } },
      await t.as(admin("C")),
    );
    const id = res.body.data.customerChangeRequestCreate.changeRequest.id;
    const [{ n: owners }] = await t.app.db.query(
      "SELECT COUNT(*) AS n FROM contacts WHERE customer_id = ? AND FIND_IN_SET('OWNER', types)",
      [c.C.id],
    );
    const rejected = await t.gql(
      `mutation($id: ID!) { changeRequestReject(id: $id, reason: "Unterschrift fehlt") { changeRequest { status } } }`,
      { id },
    );
    assert.equal(rejected.body.data.changeRequestReject.changeRequest.status, "REJECTED");
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.C.email) && /abgelehnt|rejected/.test(m.parsed.subject ?? ""));
    assert.match(mail.parsed.text ?? "", /Unterschrift fehlt/);
    const [{ n: ownersAfter }] = await t.app.db.query(
      "SELECT COUNT(*) AS n FROM contacts WHERE customer_id = ? AND FIND_IN_SET('OWNER', types)",
      [c.C.id],
    );
    assert.equal(ownersAfter, owners);
  });
});

describe("change requests refused", () => {
  const count = async (customerId: number) =>
    Number((await t.app.db.query("SELECT COUNT(*) AS n FROM change_requests WHERE customer_id = ?", [customerId]))[0].n);

  test("a request without a change is INVALID_INPUT and stores nothing", async () => {
    const before = await count(c.D.id);
    const res = await t.gql(
      `mutation($id: ID!) { customerChangeRequestCreate(customerId: $id, input: { documents: "nur Papier" }) { changeRequest { id } userErrors { code field } } }`,
      { id: c.D.gid },
      await t.as(admin("D")),
    );
    assert.deepEqual(res.body.data.customerChangeRequestCreate, {
      changeRequest: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["input"] }],
    });
    assert.equal(await count(c.D.id), before);
  });

  test("a reason over 500 characters is INVALID_INPUT and the request stays pending; an unknown request is NOT_FOUND", async () => {
    const created = await t.gql(
      `mutation($id: ID!) { customerChangeRequestCreate(customerId: $id, input: { vatId: "ATU99999993" }) { changeRequest { id } } }`,
      { id: c.D.gid },
      await t.as(admin("D")),
    );
    const id = created.body.data.customerChangeRequestCreate.changeRequest.id;
    const [vatBefore] = await t.app.db.query("SELECT vat_id FROM customers WHERE id = ?", [c.D.id]);
    for (const mutation of ["changeRequestApprove", "changeRequestReject"]) {
      const res = await t.gql(
        `mutation($id: ID!, $r: String!) { ${mutation}(id: $id, reason: $r) { changeRequest { id } userErrors { code field } } }`,
        {
          id,
          r: "x".repeat(501),
        },
      );
      assert.equal(res.body.errors, undefined);
      assert.deepEqual(res.body.data[mutation], { changeRequest: null, userErrors: [{ code: "INVALID_INPUT", field: ["reason"] }] });
    }
    const [row] = await t.app.db.query("SELECT status, reason FROM change_requests WHERE id = ?", [
      Number(Buffer.from(id, "base64url").toString().split(":")[1]),
    ]);
    assert.deepEqual([row.status, row.reason], ["PENDING", null]);
    const [vatAfter] = await t.app.db.query("SELECT vat_id FROM customers WHERE id = ?", [c.D.id]);
    assert.equal(vatAfter.vat_id, vatBefore.vat_id);

    const unknown = await t.gql(`mutation($id: ID!) { changeRequestApprove(id: $id) { changeRequest { id } userErrors { code field } } }`, {
      id: toGlobalId("ChangeRequest", 999999),
    });
    assert.deepEqual(unknown.body.data.changeRequestApprove, { changeRequest: null, userErrors: [{ code: "NOT_FOUND", field: ["id"] }] });
  });
});

describe("notification settings", () => {
  test("non-critical notices reach the main email only when asked for; security notices always do", async () => {
    await t.app.db.query(
      "INSERT INTO contacts (customer_id, types, first_name, last_name, email, email_confirmed_at) VALUES (?, 'TECHNICAL', 'Tech', 'D', 'tech-d@kunde-d.example', NOW(3))",
      [c.D.id],
    );
    const [product] = await t.app.db.query("SELECT id FROM products WHERE customer_id = ? AND status <> 'CANCELLED' ORDER BY id LIMIT 1", [
      c.D.id,
    ]);
    const announce = (kind: string, title: string) =>
      t.gql(`mutation($i: MaintenanceAnnounceInput!) { maintenanceAnnounce(input: $i) { userErrors { code } } }`, {
        i: {
          kind,
          titleDe: title,
          titleEn: title,
          messageDe: "x",
          messageEn: "x",
          startsAt: new Date(Date.now() + 3_600_000).toISOString(),
          endsAt: new Date(Date.now() + 7_200_000).toISOString(),
          products: { productIds: [toGlobalId("Product", product.id)] },
        },
      });
    const SETTINGS = `mutation($id: ID!, $on: Boolean!) { customerNotificationSettingsUpdate(customerId: $id, notifyMainEmail: $on) { customer { notifyMainEmail } } }`;
    await t.gql(SETTINGS, { id: c.D.gid, on: false }, await t.as(admin("D")));
    await announce("MAINTENANCE", "Wartung ohne Kopie");
    await t.mailbox.waitFor((m) => m.parsed.subject === "Wartung ohne Kopie" && m.envelopeTo.includes("tech-d@kunde-d.example"));
    await announce("SECURITY", "Sicherheitshinweis");
    await t.mailbox.waitFor((m) => m.parsed.subject === "Sicherheitshinweis" && m.envelopeTo.includes(c.D.email));
    const on = await t.gql(SETTINGS, { id: c.D.gid, on: true }, await t.as(admin("D")));
    assert.equal(on.body.data.customerNotificationSettingsUpdate.customer.notifyMainEmail, true);
    await announce("MAINTENANCE", "Wartung mit Kopie");
    await t.mailbox.waitFor((m) => m.parsed.subject === "Wartung mit Kopie" && m.envelopeTo.includes(c.D.email));
    assert.equal(t.mailbox.to(c.D.email).filter((m) => m.parsed.subject === "Wartung ohne Kopie").length, 0);
  });
});

describe("support requests", () => {
  test("a user of the customer opens one; support and the customer get emails with the reference; staff set its status", async () => {
    const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [c.A.id]);
    const user = await t.as({
      kind: "customer",
      userId: 7100,
      roles: new Map([[c.A.id, CustomerRole.TECHNICAL]]),
      label: "technical of A",
      sessionId: null,
    });
    const res = await t.gql(
      `mutation($id: ID!, $i: SupportRequestInput!) { supportRequestCreate(customerId: $id, input: $i) { supportRequest { id reference status } userErrors { code } } }`,
      {
        id: c.A.gid,
        i: { subject: "Mailserver langsam", message: "Seit heute früh.", callbackContactId: toGlobalId("Contact", contact.id) },
      },
      user,
    );
    const request = res.body.data.supportRequestCreate.supportRequest;
    assert.match(request.reference, /^SR-\d{4}-\d{6}$/);
    const [toSupport] = await t.mailbox.waitFor(
      (m) => m.envelopeTo.includes("support@provider.example") && (m.parsed.subject ?? "").includes(request.reference),
    );
    assert.match(toSupport.parsed.text ?? "", /Seit heute früh/);
    await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.A.email) && (m.parsed.subject ?? "").includes(request.reference));
    const own = await t.gql(
      `query($id: ID!) { customer(id: $id) { supportRequests(first: 5) { nodes { reference } } } }`,
      { id: c.A.gid },
      user,
    );
    assert.deepEqual(
      own.body.data.customer.supportRequests.nodes.map((n: any) => n.reference),
      [request.reference],
    );
    const closed = await t.gql(`mutation($id: ID!) { supportRequestStatusUpdate(id: $id, status: CLOSED) { supportRequest { status } } }`, {
      id: request.id,
    });
    assert.equal(closed.body.data.supportRequestStatusUpdate.supportRequest.status, "CLOSED");
    const all = await t.gql(`{ supportRequests(first: 10) { nodes { reference status } } }`);
    assert.ok(all.body.data.supportRequests.nodes.some((n: any) => n.reference === request.reference && n.status === "CLOSED"));
  });
});

describe("support requests refused", () => {
  const CREATE = `mutation($id: ID!, $i: SupportRequestInput!) { supportRequestCreate(customerId: $id, input: $i) { supportRequest { id } userErrors { code field } } }`;
  const count = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM support_requests"))[0].n);

  test("a product or contact of another customer is NOT_FOUND, an id of the wrong kind INVALID_INPUT; nothing is stored", async () => {
    const [productOfB] = await t.app.db.query("SELECT id FROM products WHERE customer_id = ? ORDER BY id LIMIT 1", [c.B.id]);
    const [contactOfB] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [c.B.id]);
    const before = await count();
    const headers = await t.as(admin("A"));
    const ask = (extra: Record<string, string>) =>
      t.gql(CREATE, { id: c.A.gid, i: { subject: "Hilfe", message: "Bitte", ...extra } }, headers);
    const cases: [Record<string, string>, { code: string; field: string[] }][] = [
      [{ productId: toGlobalId("Product", productOfB.id) }, { code: "NOT_FOUND", field: ["input", "productId"] }],
      [{ callbackContactId: toGlobalId("Contact", contactOfB.id) }, { code: "NOT_FOUND", field: ["input", "callbackContactId"] }],
      [{ productId: toGlobalId("Contact", contactOfB.id) }, { code: "INVALID_INPUT", field: ["input", "productId"] }],
    ];
    for (const [extra, error] of cases) {
      const res = await ask(extra);
      assert.equal(res.body.errors, undefined);
      assert.deepEqual(res.body.data.supportRequestCreate, { supportRequest: null, userErrors: [error] });
    }
    assert.equal(await count(), before);
  });

  test("staff do not open support requests for a customer (FORBIDDEN); an unknown request's status is NOT_FOUND", async () => {
    const before = await count();
    const staff = await t.gql(CREATE, { id: c.A.gid, i: { subject: "Hilfe", message: "Bitte" } });
    assert.equal(staff.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(await count(), before);
    const unknown = await t.gql(
      `mutation($id: ID!) { supportRequestStatusUpdate(id: $id, status: CLOSED) { supportRequest { id } userErrors { code field } } }`,
      {
        id: toGlobalId("SupportRequest", 999999),
      },
    );
    assert.deepEqual(unknown.body.data.supportRequestStatusUpdate, {
      supportRequest: null,
      userErrors: [{ code: "NOT_FOUND", field: ["id"] }],
    });
  });
});

describe("merging customer numbers", () => {
  test("the wrong password and an unknown number get the same reply", async () => {
    const START = `mutation($id: ID!, $i: MergeStartInput!) { customerMergeStart(customerId: $id, input: $i) { mergeRequest { id } userErrors { code message } } }`;
    const headers = await t.as(admin("A"));
    await t.app.db.query("UPDATE customers SET customer_password_hash = ? WHERE id = ?", [
      await hashPassword("Kundenkennwort B 2026"),
      c.B.id,
    ]);
    const [b] = await t.app.db.query("SELECT customer_number FROM customers WHERE id = ?", [c.B.id]);
    const wrong = await t.gql(START, { id: c.A.gid, i: { customerNumber: b.customer_number, customerPassword: "falsch" } }, headers);
    const unknown = await t.gql(START, { id: c.A.gid, i: { customerNumber: "9999999", customerPassword: "falsch" } }, headers);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.data.customerMergeStart.userErrors[0].code, "INVALID_CREDENTIALS");
  });

  test("after approval B's products, orders, contacts, invoices and logins belong to A, nothing of B is orphaned, and B's number finds A", async () => {
    const headers = await t.as(admin("A"));
    const [b] = await t.app.db.query("SELECT customer_number, street FROM customers WHERE id = ?", [c.B.id]);
    const membership = await t.app.db.query(
      "INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', 'b-user@kunde-b.example', 'B User')",
    );
    await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, 'BILLING')", [membership.insertId, c.B.id]);
    // A pending order of B, which A has to take over with the rest.
    await t.app.db.query(
      "INSERT INTO orders (customer_id, kind, plan_id, identifier, ordered_by) SELECT ?, 'NEW_PRODUCT', id, 'b-neu.example', 'B User' FROM catalog_plans ORDER BY id LIMIT 1",
      [c.B.id],
    );
    const counts = async (customerId: number) => {
      const result: Record<string, number> = {};
      for (const table of [
        "orders",
        "products",
        "contacts",
        "invoices",
        "payments",
        "email_verifications",
        "support_requests",
        "change_requests",
        "memberships",
      ]) {
        result[table] = Number((await t.app.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE customer_id = ?`, [customerId]))[0].n);
      }
      return result;
    };
    const beforeA = await counts(c.A.id);
    const beforeB = await counts(c.B.id);
    assert.equal(beforeB.orders, 1, "the seeded catalog has a plan to order");

    const start = await t.gql(
      `mutation($id: ID!, $i: MergeStartInput!) { customerMergeStart(customerId: $id, input: $i) { mergeRequest { id differences { field a b } } userErrors { code } } }`,
      { id: c.A.gid, i: { customerNumber: b.customer_number, customerPassword: "Kundenkennwort B 2026" } },
      headers,
    );
    const merge = start.body.data.customerMergeStart.mergeRequest;
    const fields = merge.differences.map((d: any) => d.field);
    assert.ok(fields.includes("street") && fields.includes("email"));
    const choices = fields.map((field: string) => ({ field, keep: field === "street" ? "B" : "A" }));
    const submitted = await t.gql(
      `mutation($id: ID!, $c: [MergeChoiceInput!]!) { customerMergeSubmit(id: $id, choices: $c) { mergeRequest { status } userErrors { code } } }`,
      { id: merge.id, c: choices },
      headers,
    );
    assert.equal(submitted.body.data.customerMergeSubmit.mergeRequest.status, "SUBMITTED");
    const approved = await t.gql(`mutation($id: ID!) { customerMergeApprove(id: $id) { mergeRequest { status } userErrors { code } } }`, {
      id: merge.id,
    });
    assert.equal(approved.body.data.customerMergeApprove.mergeRequest.status, "APPROVED");

    const afterA = await counts(c.A.id);
    const afterB = await counts(c.B.id);
    assert.ok(
      Object.values(afterB).every((n) => n === 0),
      `nothing of B is left: ${JSON.stringify(afterB)}`,
    );
    for (const table of Object.keys(afterA)) assert.equal(afterA[table], beforeA[table] + beforeB[table], table);
    const [a] = await t.app.db.query("SELECT street FROM customers WHERE id = ?", [c.A.id]);
    assert.equal(a.street, b.street, "the chosen value of B was kept");
    const found = await t.gql(`query($n: String!) { customer(customerNumber: $n) { id } }`, { n: b.customer_number });
    assert.equal(found.body.data.customer.id, c.A.gid);
    // Both main addresses hear of it, each in its customer's language.
    const told = await t.mailbox.waitFor(
      (m) => ["Kundennummern zusammengeführt", "Customer numbers merged"].includes(m.parsed.subject ?? ""),
      2,
    );
    const mains = await t.app.db.query("SELECT email FROM customers WHERE id IN (?)", [[c.A.id, c.B.id]]);
    assert.deepEqual(told.map((m) => m.envelopeTo[0]).sort(), mains.map((r: { email: string }) => r.email).sort());
    const [user] = await t.app.db.query("SELECT customer_id, role FROM memberships WHERE user_id = ?", [membership.insertId]);
    assert.deepEqual([user.customer_id, user.role], [c.A.id, "BILLING"]);
  });
});

describe("merges refused", () => {
  const START = `mutation($id: ID!, $i: MergeStartInput!) { customerMergeStart(customerId: $id, input: $i) { mergeRequest { id status differences { field } } userErrors { code field retryAfter } } }`;
  const SUBMIT = `mutation($id: ID!, $c: [MergeChoiceInput!]!) { customerMergeSubmit(id: $id, choices: $c) { mergeRequest { status } userErrors { code field } } }`;
  const decide = (mutation: string, id: string, reason?: string) =>
    t.gql(
      `mutation($id: ID!${reason === undefined ? "" : ", $r: String!"}) { ${mutation}(id: $id${reason === undefined ? "" : ", reason: $r"}) { mergeRequest { status } userErrors { code field } } }`,
      { id, r: reason },
    );
  const merges = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM merge_requests"))[0].n);
  const stateOf = async (gid: string) =>
    (
      await t.app.db.query("SELECT status, choices, reason FROM merge_requests WHERE id = ?", [
        Number(Buffer.from(gid, "base64url").toString().split(":")[1]),
      ])
    )[0];

  test("too many wrong passwords are RATE_LIMITED with the seconds to wait, and start nothing", async () => {
    const headers = await t.as(admin("D"));
    const before = await merges();
    let outcome: any;
    for (let attempt = 0; attempt < 10 && outcome?.userErrors[0].code !== "RATE_LIMITED"; attempt++) {
      outcome = (await t.gql(START, { id: c.D.gid, i: { customerNumber: "9999998", customerPassword: "falsch" } }, headers)).body.data
        .customerMergeStart;
    }
    assert.equal(outcome.mergeRequest, null);
    assert.equal(outcome.userErrors[0].code, "RATE_LIMITED");
    assert.ok(outcome.userErrors[0].retryAfter >= 1);
    assert.equal(await merges(), before);
  });

  test("each step refuses what is not its turn and leaves the merge and both customers as they were", async () => {
    await t.app.db.query("UPDATE customers SET customer_password_hash = ? WHERE id = ?", [
      await hashPassword("Kundenkennwort D 2026"),
      c.D.id,
    ]);
    const [d] = await t.app.db.query("SELECT customer_number FROM customers WHERE id = ?", [c.D.id]);
    const headers = await t.as(admin("C"));
    const start = await t.gql(
      START,
      { id: c.C.gid, i: { customerNumber: d.customer_number, customerPassword: "Kundenkennwort D 2026" } },
      headers,
    );
    const merge = start.body.data.customerMergeStart.mergeRequest;
    assert.equal(merge.status, "DRAFT");
    const refused = (code: string, field: string[]) => ({ mergeRequest: null, userErrors: [{ code, field }] });

    const tooMany = await t.gql(SUBMIT, { id: merge.id, c: Array.from({ length: 21 }, () => ({ field: "street", keep: "A" })) }, headers);
    assert.deepEqual(tooMany.body.data.customerMergeSubmit, refused("INVALID_INPUT", ["choices"]));
    const notDiffering = await t.gql(SUBMIT, { id: merge.id, c: [{ field: "shoeSize", keep: "B" }] }, headers);
    assert.deepEqual(notDiffering.body.data.customerMergeSubmit, refused("INVALID_INPUT", ["choices"]));
    assert.deepEqual((await decide("customerMergeApprove", merge.id)).body.data.customerMergeApprove, refused("NOT_PENDING", ["id"]));
    assert.deepEqual(await stateOf(merge.id), { status: "DRAFT", choices: null, reason: null });

    const choices = merge.differences.map((f: { field: string }) => ({ field: f.field, keep: "A" }));
    assert.equal(
      (await t.gql(SUBMIT, { id: merge.id, c: choices }, headers)).body.data.customerMergeSubmit.mergeRequest.status,
      "SUBMITTED",
    );
    assert.deepEqual(
      (await t.gql(SUBMIT, { id: merge.id, c: choices }, headers)).body.data.customerMergeSubmit,
      refused("NOT_PENDING", ["id"]),
    );
    assert.deepEqual(
      (await decide("customerMergeReject", merge.id, "x".repeat(501))).body.data.customerMergeReject,
      refused("INVALID_INPUT", ["reason"]),
    );

    // D closed meanwhile: approving would move everything to a closed customer's successor.
    const contactsOfD = async () =>
      Number((await t.app.db.query("SELECT COUNT(*) AS n FROM contacts WHERE customer_id = ?", [c.D.id]))[0].n);
    const contactsBefore = await contactsOfD();
    await t.app.db.query("UPDATE customers SET status = 'CLOSED' WHERE id = ?", [c.D.id]);
    try {
      assert.deepEqual((await decide("customerMergeApprove", merge.id)).body.data.customerMergeApprove, refused("NOT_PENDING", ["id"]));
    } finally {
      await t.app.db.query("UPDATE customers SET status = 'ACTIVE' WHERE id = ?", [c.D.id]);
    }
    assert.equal(await contactsOfD(), contactsBefore);
    const [dAfter] = await t.app.db.query("SELECT merged_into_id FROM customers WHERE id = ?", [c.D.id]);
    assert.equal(dAfter.merged_into_id, null);
    assert.equal((await stateOf(merge.id)).status, "SUBMITTED");

    const unknown = await decide("customerMergeApprove", toGlobalId("MergeRequest", 999999));
    assert.deepEqual(unknown.body.data.customerMergeApprove, refused("NOT_FOUND", ["id"]));
    const rejected = await decide("customerMergeReject", merge.id, "Doppelt angelegt");
    assert.equal(rejected.body.data.customerMergeReject.mergeRequest.status, "REJECTED");
    assert.equal((await stateOf(merge.id)).reason, "Doppelt angelegt");
  });
});
