import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole } from "../src/users/user.enums";
import { signingKeyPem, startTestApp, TestApp } from "./support/harness";

// Bad input and abuse get a typed refusal, never a stack trace or SQL.
let t: TestApp;

before(async () => {
  t = await startTestApp({ GRAPHQL_MAX_DEPTH: "8", GRAPHQL_MAX_ALIASES: "5", GRAPHQL_MAX_COST: "5000" });
  await seedDemoData(t.app.db, { customers: 3 });
});
after(() => t?.stop());

const codeOf = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.[0]?.extensions?.code;

describe("query limits", () => {
  test("too deep a query is refused before it runs", async () => {
    const res = await t.gql(
      `{ customers { nodes { contacts { customer { products { nodes { customer { invoices { nodes { customer { id } } } } } } } } } } }`,
    );
    assert.equal(res.status, 400);
    assert.equal(codeOf(res), "GRAPHQL_VALIDATION_FAILED");
    assert.match(res.body.errors![0].message, /depth/i);
    assert.equal(res.headers.get("x-sql-statements"), "0");
  });

  test("too many aliases are refused", async () => {
    const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: customers(first: 1) { totalCount }`).join(" ");
    const res = await t.gql(`{ ${aliases} }`);
    assert.equal(codeOf(res), "GRAPHQL_VALIDATION_FAILED");
    assert.match(res.body.errors![0].message, /alias/i);
  });

  test("a query over the cost limit is refused", async () => {
    const fields = "customerNumber email displayName locale status version";
    const res = await t.gql(
      `{ customers(first: 100) { nodes { ${fields} contacts { ${"email firstName lastName phone "} customer { ${fields} contacts { email customer { ${fields} } } } } } } }`,
    );
    assert.equal(codeOf(res), "GRAPHQL_VALIDATION_FAILED");
    assert.match(res.body.errors![0].message, /cost/i);
  });

  test("first above 100 is a BAD_USER_INPUT error", async () => {
    const res = await t.gql(`{ customers(first: 101) { totalCount } }`);
    assert.equal(codeOf(res), "BAD_USER_INPUT");
    const nested = await t.gql(`{ customers(first: 1) { nodes { invoices(first: 500) { totalCount } } } }`);
    assert.equal(codeOf(nested), "BAD_USER_INPUT");
  });

  test("arguments that passed are not checked again, but a bad one is refused every time", async () => {
    // Values that passed validation are remembered (schema/validate-args.ts); failures never are.
    const q = `query($n: Int!) { customers(first: 2) { nodes { products(first: $n) { totalCount } } } }`;
    for (const n of [10, 101, 10, 101, 100, -1]) {
      const res = await t.gql(q, { n });
      assert.equal(codeOf(res), n > 100 || n < 0 ? "BAD_USER_INPUT" : undefined, `first: ${n}`);
    }
  });

  test("an over-long search string is a BAD_USER_INPUT error", async () => {
    const res = await t.gql(`query($s: String) { customers(search: $s) { totalCount } }`, { s: "x".repeat(101) });
    assert.equal(codeOf(res), "BAD_USER_INPUT");
  });

  test("batched HTTP arrays are refused", async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ customers { totalCount } }" }, { query: "{ customers { totalCount } }" }]),
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /batching/i);
  });

  test("a variable of the wrong type is refused with BAD_USER_INPUT", async () => {
    const res = await t.gql(`query($n: Int!) { customers(first: $n) { totalCount } }`, { n: "ten" });
    assert.equal(res.status, 400);
    assert.equal(codeOf(res), "BAD_USER_INPUT");
  });
});

describe("unexpected errors", () => {
  test("are masked as INTERNAL_SERVER_ERROR with the request id, without SQL or stack", async () => {
    const [invoice] = await t.app.db.query("SELECT id FROM invoices ORDER BY id LIMIT 1");
    await t.app.db.query("RENAME TABLE invoice_lines TO invoice_lines_away");
    try {
      const res = await t.gql(
        `query($id: ID!) { node(id: $id) { ... on Invoice { number lines { description } } } }`,
        { id: toGlobalId("Invoice", invoice.id) },
        { "x-request-id": "req-test-1234" },
      );
      const error = res.body.errors![0];
      assert.equal(error.extensions?.code, "INTERNAL_SERVER_ERROR");
      assert.equal(error.extensions?.requestId, "req-test-1234");
      assert.equal(res.headers.get("x-request-id"), "req-test-1234");
      const text = JSON.stringify(res.body);
      assert.doesNotMatch(text, /invoice_lines|SELECT|stacktrace|at .*\.js/i);
      assert.equal(error.message, "Internal server error");
    } finally {
      await t.app.db.query("RENAME TABLE invoice_lines_away TO invoice_lines");
    }
  });
});

describe("production mode", () => {
  test("introspection is off, field suggestions are not given, and there is no landing page", async () => {
    const metricsToken = randomBytes(16).toString("hex");
    const prod = await startTestApp({
      NODE_ENV: "production",
      PUBLIC_URL: "https://konto.example.com",
      WORKERS_IN_PROCESS: "false",
      JWT_SIGNING_KEY: signingKeyPem(),
      LINK_TOKEN_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      WEBAUTHN_ORIGINS: "https://portal.konto.example.com",
      TOTP_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
      METRICS_TOKEN: metricsToken,
    });
    try {
      const res = await prod.gql(`{ __schema { types { name } } }`);
      assert.equal(codeOf(res), "GRAPHQL_VALIDATION_FAILED");
      assert.match(res.body.errors![0].message, /introspection/i);
      // Federation's _service (the subgraph SDL) is like introspection: in production a gateway's staff credential only.
      const SERVICE = `{ _service { sdl } }`;
      assert.match((await prod.gql(SERVICE)).body.data._service.sdl, /@key/, "staff");
      assert.equal(codeOf(await prod.gql(SERVICE, {}, { authorization: "" })), "UNAUTHENTICATED");
      const customer = await prod.as({
        kind: "customer",
        userId: 77,
        roles: new Map([[1, CustomerRole.ADMIN]]),
        label: "c",
        sessionId: null,
      });
      const refused = await prod.gql(SERVICE, {}, customer);
      assert.equal(codeOf(refused), "FORBIDDEN");
      assert.equal(refused.body.data, null, "no SDL for a customer");
      const typo = await prod.gql(`{ customerz { totalCount } }`);
      assert.doesNotMatch(typo.body.errors![0].message, /Did you mean/);
      // /metrics only with the token (production does not start without one).
      assert.equal((await fetch(`${prod.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${prod.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).status, 200);
      // No landing page that loads a script from a third-party CDN: in production there is none.
      const landing = await fetch(`${prod.url}/graphql`, { headers: { accept: "text/html" } });
      const page = await landing.text();
      assert.doesNotMatch(landing.headers.get("content-type") ?? "", /text\/html/);
      assert.doesNotMatch(page, /<script/i);
      assert.equal(landing.headers.get("x-content-type-options"), "nosniff");
      // The same query is allowed outside production.
      const dev = await t.gql(`{ __schema { queryType { name } } }`);
      assert.equal(dev.body.data.__schema.queryType.name, "Query");
    } finally {
      await prod.stop();
    }
  });
});
