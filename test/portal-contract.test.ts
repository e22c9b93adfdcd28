import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  getNamedType,
  GraphQLInputObjectType,
  GraphQLInputType,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  isNonNullType,
} from "graphql";
import { Redis } from "ioredis";
import { toGlobalId } from "../src/platform/global-id";
import { buildKontoSchema } from "../src/schema/build";
import { seedDemoData } from "../src/seed/demo-data";
import { REDIS_URL, startTestApp, TestApp, STAFF_ADMIN } from "./support/harness";

// The API contract a portal or a reseller builds on: one error channel, enums for value sets,
// settings apart from master data, validation errors that do not echo the input, rate-limit keys
// without addresses, and GraphQL over HTTP's media type and status codes.
let t: TestApp;
let customerA: string;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 3 });
  const [row] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
  customerA = toGlobalId("Customer", row.id);
});
after(() => t?.stop());

const codeOf = (res: { body: any }) => res.body.errors?.[0]?.extensions?.code;

/** A value of the argument's type that is well-typed but means nothing: ids that are no ids, short texts. */
function filler(type: GraphQLInputType): string {
  if (type instanceof GraphQLNonNull) return filler(type.ofType);
  if (type instanceof GraphQLList) return `[${filler(type.ofType)}]`;
  if (type instanceof GraphQLEnumType) return type.getValues()[0].name;
  if (type instanceof GraphQLInputObjectType) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${fields.map((f) => `${f.name}: ${filler(f.type)}`).join(", ")} }`;
  }
  const scalar = (type as GraphQLScalarType).name;
  const values: Record<string, string> = {
    ID: '"not-an-id"',
    String: '"x"',
    Boolean: "false",
    Int: "1",
    Float: "1",
    EmailAddress: '"nobody@example.com"',
    DateTime: '"2030-01-01T00:00:00Z"',
    LocalDate: '"2030-01-01"',
    CountryCode: '"AT"',
    JSON: "{}",
    JSONObject: "{}",
  };
  assert.ok(values[scalar], `a filler for the scalar ${scalar}`);
  return values[scalar];
}

describe("one error channel", () => {
  test("every mutation answers a refusal in userErrors: top-level errors only for who may call it at all", async () => {
    const schema = await buildKontoSchema();
    const mutations = Object.values(schema.getMutationType()!.getFields());
    assert.ok(mutations.length > 60, "the mutations were found");
    const callers = { "staff ADMIN": {}, anonymous: { authorization: "" } };
    const walked: string[] = [];
    for (const mutation of mutations) {
      const payload = getNamedType(mutation.type) as GraphQLObjectType;
      const userErrors = payload.getFields().userErrors;
      assert.ok(userErrors, `${mutation.name}'s payload has userErrors`);
      assert.equal(String(userErrors.type), "[UserError!]!", `${mutation.name}'s userErrors`);
      const args = mutation.args.map((a) => `${a.name}: ${filler(a.type)}`).join(", ");
      const query = `mutation { ${mutation.name}${args ? `(${args})` : ""} { userErrors { code field message retryAfter } } }`;
      for (const [who, headers] of Object.entries(callers)) {
        const res = await t.gql(query, {}, headers);
        const codes = (res.body.errors ?? []).map((e: any) => e.extensions?.code);
        // A document that fails validation would be the test's fault, not the API's.
        assert.ok(
          codes.every((c: string) => ["UNAUTHENTICATED", "FORBIDDEN"].includes(c)),
          `${mutation.name} as ${who}: ${JSON.stringify(res.body.errors)}`,
        );
        if (!codes.length) {
          assert.ok(Array.isArray(res.body.data[mutation.name].userErrors), `${mutation.name} as ${who} answers userErrors`);
          for (const e of res.body.data[mutation.name].userErrors)
            assert.ok(e.code && e.message && Array.isArray(e.field), `${mutation.name}: ${JSON.stringify(e)}`);
        }
        walked.push(`${mutation.name} as ${who}: ${codes[0] ?? res.body.data[mutation.name].userErrors.map((e: any) => e.code).join(",")}`);
      }
    }
    // An id that is no id, in any mutation, is the caller's to fix: INVALID_INPUT, not a top-level error.
    assert.ok(
      walked.includes("contactUpdate as staff ADMIN: INVALID_INPUT"),
      walked.filter((w) => w.startsWith("contactUpdate")).join("; "),
    );
  });

  test("a login form sees one channel: wrong credentials and RATE_LIMITED (with retryAfter) are both userErrors", async () => {
    const LOGIN = `mutation($p: String!) { authLogin(input: { email: "limited@example.com", password: $p }) { accessToken userErrors { code field retryAfter } } }`;
    let last: any;
    for (let i = 0; i < 7; i++) {
      last = await t.gql(LOGIN, { p: `wrong ${i}` }, { authorization: "" });
      assert.equal(last.body.errors, undefined);
    }
    const [error] = last.body.data.authLogin.userErrors;
    assert.equal(error.code, "RATE_LIMITED");
    assert.ok(error.retryAfter >= 1);
    assert.equal(last.body.data.authLogin.accessToken, null);
  });

  test("an argument that fails its rules is a userError in a mutation, naming the field without repeating the value", async () => {
    const secret = "s3cret-".repeat(40);
    const res = await t.gql(
      `mutation($p: String!) { authLogin(input: { email: "x@example.com", password: $p }) { accessToken userErrors { code field message } } }`,
      { p: secret },
      { authorization: "" },
    );
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(
      res.body.data.authLogin.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "password"]]],
    );
    assert.ok(!JSON.stringify(res.body).includes("s3cret"), "the password is not repeated");
  });
});

describe("validation errors", () => {
  test("a 200 KB search string is refused with the field and the rule, not echoed", async () => {
    const search = "y".repeat(200_000);
    const response = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(await t.as(STAFF_ADMIN)),
      },
      body: JSON.stringify({ query: `query($s: String) { customers(search: $s) { totalCount } }`, variables: { s: search } }),
    });
    const text = await response.text();
    assert.ok(text.length < 2000, `the answer is short (${text.length} characters)`);
    assert.ok(!text.includes("yyyyyyyy"));
    const body = JSON.parse(text);
    assert.equal(codeOf({ body }), "BAD_USER_INPUT");
    const [problem] = body.errors[0].extensions.validationErrors;
    assert.deepEqual(problem.field, ["search"]);
    assert.match(problem.message, /shorter than or equal to/);
    assert.equal(problem.target, undefined);
    assert.equal(problem.value, undefined);
  });
});

describe("enums for status filters", () => {
  test("changeRequests and supportRequests take their status enums, not strings", async () => {
    const schema = await buildKontoSchema();
    const query = schema.getQueryType()!.getFields();
    assert.equal(String(query.changeRequests.args.find((a) => a.name === "status")!.type), "ChangeRequestStatus");
    assert.equal(String(query.supportRequests.args.find((a) => a.name === "status")!.type), "SupportRequestStatus");
    const ok = await t.gql(
      `{ changeRequests(first: 5, status: PENDING) { totalCount } supportRequests(first: 5, status: OPEN) { totalCount } }`,
    );
    assert.equal(ok.body.errors, undefined);
    const typo = await t.gql(`{ changeRequests(first: 5, status: PENDNG) { totalCount } }`);
    assert.equal(codeOf(typo), "GRAPHQL_VALIDATION_FAILED");
    const text = await t.gql(`{ supportRequests(first: 5, status: "OPEN") { totalCount } }`);
    assert.equal(codeOf(text), "GRAPHQL_VALIDATION_FAILED");
  });
});

describe("customer settings apart from master data", () => {
  const READ = `query($id: ID!) { customer(id: $id) { version locale ipAllowlist notifyMainEmail phone } }`;
  const SETTINGS = `mutation($id: ID!, $i: CustomerSettingsInput!) { customerSettingsUpdate(customerId: $id, input: $i) { customer { version locale ipAllowlist notifyMainEmail } userErrors { code field } } }`;

  test("an ADMIN's allowlist save and a reseller's edit of the mobile number, from the same version, both succeed", async () => {
    const before = (await t.gql(READ, { id: customerA })).body.data.customer;
    const settings = await t.gql(SETTINGS, {
      id: customerA,
      i: { ipAllowlist: ["203.0.113.0/24"], locale: "en", notifyMainEmail: !before.notifyMainEmail },
    });
    assert.deepEqual(settings.body.data.customerSettingsUpdate, {
      customer: { version: before.version, locale: "en", ipAllowlist: ["203.0.113.0/24"], notifyMainEmail: !before.notifyMainEmail },
      userErrors: [],
    });
    // The master-data edit carries the version read before the settings changed: no CONFLICT.
    const master = await t.gql(
      `mutation($id: ID!, $v: Int!) { customerUpdate(customerId: $id, input: { version: $v, mobile: "+436641112233" }) { customer { version } userErrors { code } } }`,
      { id: customerA, v: before.version },
    );
    assert.deepEqual(master.body.data.customerUpdate.userErrors, []);
    const after = (await t.gql(READ, { id: customerA })).body.data.customer;
    assert.equal(after.ipAllowlist[0], "203.0.113.0/24");
    assert.equal(after.locale, "en");
    // An entry that is no address is refused and changes nothing.
    const bad = await t.gql(SETTINGS, { id: customerA, i: { ipAllowlist: ["10.0.0.0/8", "not an address"], locale: "de" } });
    assert.deepEqual(bad.body.data.customerSettingsUpdate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "ipAllowlist", "1"] }]);
    assert.deepEqual((await t.gql(READ, { id: customerA })).body.data.customer, after);
    await t.gql(SETTINGS, { id: customerA, i: { ipAllowlist: [] } });
  });

  test("the allowlist needs a recent sign-in, the locale does not", async () => {
    const oldSignIn = await t.as({
      ...STAFF_ADMIN,
      auth: { methods: ["pwd"], level: "aal1", time: Math.floor(Date.now() / 1000) - 3600 },
    });
    const allowlist = await t.gql(SETTINGS, { id: customerA, i: { ipAllowlist: ["198.51.100.7"] } }, oldSignIn);
    assert.deepEqual(allowlist.body.data.customerSettingsUpdate.userErrors, [{ code: "REAUTHENTICATION_REQUIRED", field: [] }]);
    const locale = await t.gql(SETTINGS, { id: customerA, i: { locale: "de" } }, oldSignIn);
    assert.deepEqual(locale.body.data.customerSettingsUpdate.userErrors, []);
    assert.equal(locale.body.data.customerSettingsUpdate.customer.locale, "de");
    assert.deepEqual(locale.body.data.customerSettingsUpdate.customer.ipAllowlist, []);
  });

  test("customerUpdate's locale and allowlist and the old notification mutation are marked deprecated", async () => {
    const res = await t.gql(`{
      input: __type(name: "CustomerUpdateInput") { inputFields(includeDeprecated: true) { name isDeprecated } }
      mutation: __type(name: "Mutation") { fields(includeDeprecated: true) { name isDeprecated } }
    }`);
    const deprecated = (fields: { name: string; isDeprecated: boolean }[]) => fields.filter((f) => f.isDeprecated).map((f) => f.name);
    assert.deepEqual(deprecated(res.body.data.input.inputFields).sort(), ["ipAllowlist", "locale"]);
    assert.deepEqual(deprecated(res.body.data.mutation.fields), ["customerNotificationSettingsUpdate"]);
  });
});

describe("rate-limit keys", () => {
  test("Redis keys of failed logins name no email address", async () => {
    for (let i = 0; i < 2; i++)
      await t.gql(
        `mutation { authLogin(input: { email: "key.probe@alpenblick.example", password: "wrong" }) { userErrors { code } } }`,
        {},
        { authorization: "" },
      );
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${t.config.queuePrefix}:ratelimit:*`);
      assert.ok(keys.length > 0, "failures were counted");
      assert.deepEqual(
        keys.filter((k) => /probe|alpenblick|@|login:|127\.0\.0\.1/.test(k)),
        [],
      );
    } finally {
      redis.disconnect();
    }
  });
});

describe("HTML pages", () => {
  test("every HTML page Konto serves has nosniff and a CSP with frame-ancestors", async () => {
    const staff = await t.as(STAFF_ADMIN);
    for (const [path, headers] of [
      ["/graphql", { accept: "text/html" }],
      ["/verify-email?token=unknown", {}],
      ["/dev/mailbox", {}],
      ["/admin/queues", staff],
    ] as const) {
      const page = await fetch(`${t.url}${path}`, { headers });
      await page.arrayBuffer();
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/, path);
      assert.equal(page.headers.get("x-content-type-options"), "nosniff", path);
      assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
      assert.equal(page.headers.get("x-frame-options"), "DENY", path);
    }
    // JSON answers are not sniffed either.
    const json = await fetch(`${t.url}/healthz`);
    assert.equal(json.headers.get("x-content-type-options"), "nosniff");
  });
});

describe("GraphQL over HTTP", () => {
  const request = async (accept: string, body: unknown) => {
    const response = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept,
        ...(await t.as(STAFF_ADMIN)),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get("content-type") ?? "", body: (await response.json()) as any };
  };

  test("application/graphql-response+json: 200 for a result, 4xx for a request that cannot run; application/json alike", async () => {
    const cases: [string, unknown, number][] = [
      ["a result", { query: "{ customers(first: 1) { totalCount } }" }, 200],
      ["a field error (the customer is not there)", { query: `{ customer(id: "${toGlobalId("Customer", 999999)}") { id } }` }, 200],
      ["a document that does not parse", { query: "{ customers(" }, 400],
      ["a document that does not validate", { query: "{ noSuchField }" }, 400],
      ["variables of the wrong type", { query: "query($n: Int!) { customers(first: $n) { totalCount } }", variables: { n: "ten" } }, 400],
      ["no document", { variables: {} }, 400],
    ];
    for (const [accept, type] of [
      ["application/graphql-response+json", /^application\/graphql-response\+json/],
      ["application/json", /^application\/json/],
    ] as const) {
      for (const [what, body, status] of cases) {
        const res = await request(accept, body);
        assert.equal(res.status, status, `${accept}, ${what}`);
        assert.match(res.type, type, `${accept}, ${what}`);
        assert.ok(res.body.data !== undefined || res.body.errors?.length, `${accept}, ${what}: a GraphQL response`);
      }
    }
    // Without a token the request cannot run as anyone: 401 with UNAUTHENTICATED, in both media types.
    const unauthenticated = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: "Bearer nonsense" },
      body: JSON.stringify({ query: "{ customers(first: 1) { totalCount } }" }),
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(codeOf({ body: await unauthenticated.json() }), "UNAUTHENTICATED");
  });
});
