import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { App, startApp } from "../src/app";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { createLogger } from "../src/platform/logger";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole } from "../src/users/user.enums";
import { startTestApp, TestApp, uniqueName, STAFF_ADMIN } from "./support/harness";

// Trusted documents across two API processes that share MariaDB and Redis: the portal's manifest,
// a staff registration and automatic persisted queries are seen by both, and with
// TRUSTED_DOCUMENTS_ONLY only registered documents run, except for staff and reseller API clients.
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const LOGIN = `mutation PortalLogin($email: EmailAddress!, $password: String!) { authLogin(input: { email: $email, password: $password }) { accessToken userErrors { code } } }`;
const CUSTOMERS = `query PortalCustomers { customers(first: 1) { totalCount } }`;
const AD_HOC = `query AdHoc { customers(first: 2) { nodes { customerNumber } } }`;
const LATER = `query PortalLater { customers(first: 3) { totalCount } }`;
const MANIFEST = {
  format: "apollo-persisted-query-manifest",
  version: 1,
  operations: [
    { id: sha256(LOGIN), name: "PortalLogin", type: "mutation", body: LOGIN },
    { id: sha256(CUSTOMERS), name: "PortalCustomers", type: "query", body: CUSTOMERS },
  ],
};

let t: TestApp;
let second: App;
const manifestFile = join(tmpdir(), `${uniqueName("manifest")}.json`);

const customerUser = (userId: number): AuthenticatedPrincipal => ({
  kind: "customer",
  userId,
  roles: new Map([[1, CustomerRole.ADMIN]]),
  label: "portal user",
  sessionId: null,
});
const resellerClient: AuthenticatedPrincipal = {
  kind: "reseller",
  resellerId: 1,
  userId: null,
  clientId: 1,
  label: "ERP",
  sessionId: null,
};
const resellerUser: AuthenticatedPrincipal = {
  kind: "reseller",
  resellerId: 1,
  userId: 2,
  clientId: null,
  label: "reseller user",
  sessionId: null,
};

/** POSTs a GraphQL request to one of the two processes. */
async function post(url: string, body: Record<string, unknown>, authorization?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}
const byHash = (query: string, variables?: Record<string, unknown>) => ({
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } },
});
const codeOf = (res: { body: any }) => res.body.errors?.[0]?.extensions?.code;

before(async () => {
  writeFileSync(manifestFile, JSON.stringify(MANIFEST));
  t = await startTestApp({ TRUSTED_DOCUMENTS_ONLY: "true", TRUSTED_DOCUMENTS_FILE: manifestFile });
  await seedDemoData(t.app.db, { customers: 2 });
  // A second API process on the same database and Redis prefix, as behind a load balancer.
  second = await startApp({ ...t.config, port: 0, workersInProcess: false }, createLogger("silent"));
});
after(async () => {
  await second?.stop();
  await t?.stop();
  rmSync(manifestFile, { force: true });
});

describe("trusted documents across two API processes", () => {
  test("a portal's registered operations run by their hash alone on either process", async () => {
    for (const url of [t.url, second.url]) {
      const login = await post(url, byHash(LOGIN, { email: "nobody@example.com", password: "wrong password" }));
      assert.equal(login.status, 200);
      assert.deepEqual(
        login.body.data.authLogin.userErrors.map((e: any) => e.code),
        ["INVALID_CREDENTIALS"],
      );
      const user = `Bearer ${await t.tokenFor(customerUser(7))}`;
      const customers = await post(url, byHash(CUSTOMERS), user);
      assert.equal(customers.body.errors, undefined);
      assert.equal(typeof customers.body.data.customers.totalCount, "number");
      // The full text of a registered document runs too.
      assert.equal((await post(url, { query: CUSTOMERS }, user)).body.errors, undefined);
    }
  });

  test("anyone else's ad-hoc documents are refused on both processes, before they run", async () => {
    for (const url of [t.url, second.url]) {
      for (const authorization of [undefined, `Bearer ${await t.tokenFor(customerUser(7))}`, `Bearer ${await t.tokenFor(resellerUser)}`]) {
        const refused = await post(url, { query: AD_HOC }, authorization);
        assert.equal(refused.status, 400);
        assert.equal(codeOf(refused), "OPERATION_NOT_REGISTERED");
        assert.equal(refused.body.data, undefined);
      }
      // An unregistered mutation does nothing.
      const login = await post(url, { query: LOGIN.replace("PortalLogin", "Other") });
      assert.equal(codeOf(login), "OPERATION_NOT_REGISTERED");
    }
  });

  test("staff and reseller API clients may send ad-hoc documents, within the cost limits", async () => {
    for (const url of [t.url, second.url]) {
      for (const principal of [resellerClient]) {
        const res = await post(url, { query: AD_HOC }, `Bearer ${await t.tokenFor(principal)}`);
        assert.notEqual(codeOf(res), "OPERATION_NOT_REGISTERED");
      }
      const staff = await post(url, { query: AD_HOC }, (await t.as(STAFF_ADMIN)).authorization);
      assert.equal(staff.body.errors, undefined);
      assert.ok(staff.body.data.customers.nodes.length > 0);
    }
  });

  test("an automatic persisted query sent to one process is found by its hash on the other, but is not trusted", async () => {
    const staff = (await t.as(STAFF_ADMIN)).authorization;
    const query = `query StaffApq { customers(first: 4) { totalCount } }`;
    const unknown = await post(second.url, byHash(query), staff);
    assert.equal(codeOf(unknown), "PERSISTED_QUERY_NOT_FOUND");
    const sent = await post(t.url, { query, ...byHash(query) }, staff);
    assert.equal(sent.body.errors, undefined);
    let found: { body: any } | undefined;
    for (let i = 0; i < 50 && codeOf((found = await post(second.url, byHash(query), staff))) === "PERSISTED_QUERY_NOT_FOUND"; i++)
      await new Promise((r) => setTimeout(r, 20)); // Apollo stores the text after answering
    assert.equal(found!.body.errors, undefined);
    assert.equal(typeof found!.body.data.customers.totalCount, "number");
    // Sent by hash, it is still no registered document: a portal user is refused.
    const user = `Bearer ${await t.tokenFor(customerUser(7))}`;
    assert.equal(codeOf(await post(second.url, byHash(query), user)), "OPERATION_NOT_REGISTERED");
  });

  test("staff register a document on one process; the other runs it for a portal user at once", async () => {
    const user = `Bearer ${await t.tokenFor(customerUser(7))}`;
    assert.equal(codeOf(await post(second.url, byHash(LATER), user)), "PERSISTED_QUERY_NOT_FOUND");
    assert.equal(codeOf(await post(second.url, { query: LATER }, user)), "OPERATION_NOT_REGISTERED");
    const REGISTER = `mutation($i: TrustedDocumentsRegisterInput!) { trustedDocumentsRegister(input: $i) { documents { id operationNames } added userErrors { code field message } } }`;
    const registered = await t.gql(REGISTER, { i: { documents: [{ id: sha256(LATER), body: LATER }, { body: CUSTOMERS }] } });
    assert.deepEqual(registered.body.data.trustedDocumentsRegister, {
      documents: [
        { id: sha256(LATER), operationNames: ["PortalLater"] },
        { id: sha256(CUSTOMERS), operationNames: ["PortalCustomers"] },
      ],
      added: 1,
      userErrors: [],
    });
    const later = await post(second.url, byHash(LATER), user);
    assert.equal(later.body.errors, undefined);
    assert.equal(typeof later.body.data.customers.totalCount, "number");

    // Refused: an id that is not the text's hash, a document that does not validate; nothing is registered.
    const NOT_YET = `query NotYet { customers(first: 5) { totalCount } }`;
    const refused = await t.gql(REGISTER, {
      i: { documents: [{ id: sha256("something else"), body: NOT_YET }, { body: "query Broken { noSuchField }" }] },
    });
    assert.equal(refused.body.errors, undefined);
    assert.deepEqual(
      refused.body.data.trustedDocumentsRegister.userErrors.map((e: any) => [e.code, e.field.join(".")]),
      [
        ["INVALID_INPUT", "input.documents.0.id"],
        ["INVALID_INPUT", "input.documents.1.body"],
      ],
    );
    assert.equal(refused.body.data.trustedDocumentsRegister.documents, null);
    assert.equal(codeOf(await post(t.url, { query: NOT_YET }, user)), "OPERATION_NOT_REGISTERED");

    // Only staff admins register documents: a reseller API client may send the mutation, and is refused.
    const forbidden = await t.gql(REGISTER, { i: { documents: [{ body: NOT_YET }] } }, await t.as(resellerClient));
    assert.equal(codeOf(forbidden), "FORBIDDEN");
  });
});
