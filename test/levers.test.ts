import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { LEVERS } from "../src/config";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole, StaffRole } from "../src/users/user.enums";
import { DASHBOARD_QUERY, RESELLER_PAGE_QUERY } from "./bench/queries";
import { GqlResponse, signingKeyPem, startTestApp, TestApp } from "./support/harness";

// The performance levers (graphql-jit, simpleResolvers, column projection, the verified-token
// cache: config.ts LEVERS) must change nothing a caller sees. Two
// instances share one database and one signing key: `tuned` with every lever on (the default),
// `plain` with all of them off. Every request goes to both; status and body must be the same,
// errors and refusals included. Only the request id in masked errors differs per request.

let tuned: TestApp;
let plain: TestApp;
const who = new Map<string, AuthenticatedPrincipal | null>();
let ids: { A: string; B: string; reseller: string; otherReseller: string; contact: string; product: string; invoice: string };

before(async () => {
  // One deployment in two processes: the same key and issuer, so a token works on both.
  const key = signingKeyPem();
  const shared = { JWT_SIGNING_KEY: key, JWT_ISSUER: "https://konto.levers.example", WORKERS_IN_PROCESS: "false" };
  tuned = await startTestApp(shared);
  await seedDemoData(tuned.app.db, { customers: 30 });
  plain = await startTestApp({ ...shared, DATABASE_URL: tuned.config.databaseUrl, PERF_LEVERS_OFF: LEVERS.join(",") });
  assert.deepEqual(
    Object.values(plain.config.levers),
    LEVERS.map(() => false),
  );

  const db = tuned.app.db;
  const [a] = await db.query("SELECT id, reseller_id FROM customers WHERE reseller_id IS NOT NULL ORDER BY id LIMIT 1");
  const [b] = await db.query("SELECT id FROM customers WHERE reseller_id IS NULL ORDER BY id LIMIT 1");
  const [other] = await db.query("SELECT id FROM resellers WHERE id <> ? ORDER BY id LIMIT 1", [a.reseller_id]);
  const first = async (table: string) =>
    (await db.query(`SELECT id FROM ${table} WHERE customer_id = ? ORDER BY id LIMIT 1`, [a.id]))[0].id;
  ids = {
    A: toGlobalId("Customer", a.id),
    B: toGlobalId("Customer", b.id),
    reseller: toGlobalId("Reseller", a.reseller_id),
    otherReseller: toGlobalId("Reseller", other.id),
    contact: toGlobalId("Contact", await first("contacts")),
    product: toGlobalId("Product", await first("products")),
    invoice: toGlobalId("Invoice", await first("invoices")),
  };
  const member = async (role: CustomerRole): Promise<AuthenticatedPrincipal> => {
    const user = await db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, 'Lever')", [
      `${role.toLowerCase()}@levers.example`,
    ]);
    await db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [user.insertId, a.id, role]);
    return { kind: "customer", userId: Number(user.insertId), roles: new Map([[Number(a.id), role]]), label: role, sessionId: null };
  };
  who.set("anonymous", null);
  who.set("staff ADMIN", { kind: "staff", userId: 1, role: StaffRole.ADMIN, label: "admin", sessionId: null });
  who.set("A:ADMIN", await member(CustomerRole.ADMIN));
  who.set("A:READ_ONLY", await member(CustomerRole.READ_ONLY));
  who.set("reseller of A", {
    kind: "reseller",
    resellerId: Number(a.reseller_id),
    userId: null,
    clientId: 1,
    label: "reseller",
    sessionId: null,
  });
  who.set("other reseller", { kind: "reseller", resellerId: Number(other.id), userId: null, clientId: 2, label: "other", sessionId: null });
});

after(async () => {
  // plain shares tuned's database: it goes first, and tuned drops the database last.
  await plain?.stop();
  await tuned?.stop();
});

const withoutRequestIds = (body: GqlResponse["body"]) =>
  JSON.parse(JSON.stringify(body, (key, value) => (key === "requestId" ? undefined : value)));

/** The same request to both instances, as the same caller; returns the tuned answer. */
async function same(caller: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlResponse> {
  const principal = who.get(caller);
  const headers = principal ? { authorization: `Bearer ${await tuned.tokenFor(principal)}` } : { authorization: "" };
  const [a, b] = [await tuned.gql(query, variables, headers), await plain.gql(query, variables, headers)];
  assert.equal(a.status, b.status, `${caller}: status`);
  const [tunedBody, plainBody] = [withoutRequestIds(a.body), withoutRequestIds(b.body)];
  const what = `${caller}: ${query.slice(0, 60)}`;
  assert.deepStrictEqual(tunedBody.data, plainBody.data, what);
  // The order of errors follows the order in which resolvers finish, in graphql-js as well, so
  // they are compared as sets. One known difference: when a refused non-null field nulls its
  // parent, graphql-js lists the sibling refusals that came before it answered, graphql-jit
  // lists all of them. Every error graphql-js reports is reported the same way; each extra one is
  // the same refusal, of a sibling under the same parent.
  const key = (e: any) => JSON.stringify(e);
  const tunedErrors: any[] = tunedBody.errors ?? [];
  const plainErrors: any[] = plainBody.errors ?? [];
  assert.equal(tunedErrors.length > 0, plainErrors.length > 0, what);
  const tunedKeys = new Set(tunedErrors.map(key));
  for (const error of plainErrors) assert.ok(tunedKeys.has(key(error)), `${what}: ${key(error)} is missing with the levers on`);
  const plainKeys = new Set(plainErrors.map(key));
  for (const extra of tunedErrors.filter((e) => !plainKeys.has(key(e)))) {
    const sibling = plainErrors.find(
      (e) =>
        e.extensions?.code === extra.extensions?.code &&
        e.message === extra.message &&
        key(e.path.slice(0, -1)) === key(extra.path.slice(0, -1)),
    );
    assert.ok(sibling, `${what}: ${key(extra)} only with the levers on`);
  }
  return a;
}

describe("performance levers change nothing observable", () => {
  test("the Dashboard: the same JSON for every caller, refusals of guarded fields included", async () => {
    for (const caller of who.keys()) {
      const a = await same(caller, DASHBOARD_QUERY, { id: ids.A });
      if (caller === "staff ADMIN") assert.ok(a.body.data.customer.contacts.length > 0, "the comparison saw data");
      if (caller === "A:READ_ONLY")
        assert.ok(
          a.body.errors?.some((e) => e.extensions?.code === "FORBIDDEN"),
          "the comparison saw a refused field",
        );
    }
    await same("A:ADMIN", DASHBOARD_QUERY, { id: ids.B });
  });

  test("the reseller page, its next page, and another reseller's page", async () => {
    const first = await same("reseller of A", RESELLER_PAGE_QUERY, { id: ids.reseller, after: null });
    assert.ok(first.body.data.node.customers.nodes.length > 0);
    await same("staff ADMIN", RESELLER_PAGE_QUERY, { id: ids.reseller, after: first.body.data.node.customers.pageInfo.endCursor });
    await same("reseller of A", RESELLER_PAGE_QUERY, { id: ids.otherReseller, after: null });
    await same("A:ADMIN", RESELLER_PAGE_QUERY, { id: ids.reseller, after: null });
  });

  test("node(id:) for every kind, totalCount, nested connections and edges", async () => {
    const q = `query($ids: [ID!]!) { nodes: customers(first: 3) { totalCount edges { cursor node { id displayName } } }
      ${["A", "contact", "product", "invoice"].map((_, i) => `n${i}: node(id: $ids${i}) { __typename id ... on Invoice { number gross { amount } lines { description } } ... on Product { plan price { amount } } ... on Contact { types email } }`).join(" ")} }`.replace(
      "query($ids: [ID!]!)",
      "query($ids0: ID!, $ids1: ID!, $ids2: ID!, $ids3: ID!)",
    );
    const a = await same("staff ADMIN", q, { ids0: ids.A, ids1: ids.contact, ids2: ids.product, ids3: ids.invoice });
    assert.equal(a.body.data.n2.__typename, "Product");
    await same("A:READ_ONLY", q, { ids0: ids.A, ids1: ids.contact, ids2: ids.product, ids3: ids.invoice });
  });

  test("errors: bad variables, bad cursors, argument validation, unknown ids, no token", async () => {
    const bad = await same("staff ADMIN", DASHBOARD_QUERY, { id: { not: "an id" } });
    assert.equal(bad.body.errors?.[0].extensions?.code, "BAD_USER_INPUT");
    await same("staff ADMIN", DASHBOARD_QUERY, {});
    await same("staff ADMIN", `{ customers(first: 5, after: "garbage") { totalCount } }`);
    const tooMany = await same("staff ADMIN", `{ customers(first: 500) { totalCount } }`);
    assert.equal(tooMany.body.errors?.[0].extensions?.code, "BAD_USER_INPUT");
    await same("staff ADMIN", `query($id: ID!) { node(id: $id) { id } }`, { id: toGlobalId("Customer", 999999) });
    const anonymous = await same("anonymous", DASHBOARD_QUERY, { id: ids.A });
    assert.equal(anonymous.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
  });

  test("a refused mutation gives the same userErrors and changes nothing", async () => {
    const [{ n: before }] = await tuned.app.db.query("SELECT COUNT(*) AS n FROM contacts");
    const q = `mutation($c: ID!, $phone: String) { contactCreate(customerId: $c, input: { types: [TECHNICAL], lastName: "X", email: "x@levers.example", phone: $phone }) { contact { id } userErrors { code field message } } }`;
    const refused = await same("A:ADMIN", q, { c: ids.A, phone: "not a phone number" });
    assert.ok(refused.body.errors?.length || refused.body.data.contactCreate.userErrors.length, "the mutation was refused");
    await same("A:READ_ONLY", q, { c: ids.A, phone: null });
    await same("A:ADMIN", `mutation { contactCreate(customerId: "x", input: { email: "not-an-email" }) { contact { id } } }`);
    const [{ n: afterwards }] = await tuned.app.db.query("SELECT COUNT(*) AS n FROM contacts");
    assert.equal(Number(afterwards), Number(before));
  });
});
