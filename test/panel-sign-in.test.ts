import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, JWTPayload } from "jose";
import { toGlobalId } from "../src/platform/global-id";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// One-click sign-in to a product's control panel. A test "panel" plays the other side: it verifies
// the token against Konto's published JWKS (jose's createRemoteJWKSet) and uses it up through the
// consume endpoint, authenticated as its own OAuth client (client credentials).
const HOSTING_PANEL = "https://panel.hosting.example/sso";
const SERVER_PANEL = "https://panel.server.example/login?lang=de";
let t: TestApp;
const headers: Record<string, Record<string, string>> = {};
let hostingProduct: string;
let domainProduct: string;
let foreignHosting: string;
/** Made first and checked last, so that the wait for its expiry overlaps the other tests. */
let early: { token: string; madeAt: number };

const SIGN_IN = `mutation($p: ID!) { productPanelSignIn(productId: $p) { url expiresAt userErrors { code field } } }`;
const CLIENT = `mutation($type: ProductType!) { panelClientCreate(productType: $type, name: "Test panel") { clientId clientSecret audience userErrors { code } } }`;

/** The test panel of one product type: its client token, and what it does with a sign-in link. */
class TestPanel {
  private readonly jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
  constructor(
    readonly audience: string,
    readonly clientToken: string,
  ) {}

  static async register(type: string): Promise<TestPanel> {
    const created = (await t.gql(CLIENT, { type })).body.data.panelClientCreate;
    assert.deepEqual(created.userErrors, []);
    const response = await fetch(`${t.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: created.clientId, client_secret: created.clientSecret }),
    });
    assert.equal(response.status, 200);
    const { access_token } = (await response.json()) as { access_token: string };
    return new TestPanel(created.audience, access_token);
  }

  /** Verifies the token as a panel must: Konto's keys, issuer, this panel's audience, the sign-in type. */
  verify(token: string): Promise<JWTPayload> {
    return jwtVerify(token, this.jwks, {
      issuer: t.url,
      audience: this.audience,
      typ: "konto-panel-sign-in+jwt",
      algorithms: ["ES256"],
    }).then((r) => r.payload);
  }

  consume(token: string, bearer = this.clientToken): Promise<Response> {
    return fetch(`${t.url}/panel-sign-in/consume`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ token }),
    });
  }
}
let hostingPanel: TestPanel;
let serverPanel: TestPanel;

async function signIn(product: string, as: Record<string, string>) {
  return (await t.gql(SIGN_IN, { p: product }, as)).body;
}
const tokenOf = (url: string) => new URL(url).searchParams.get("token")!;

before(async () => {
  t = await startTestApp({ PANEL_URLS: `WEB_HOSTING=${HOSTING_PANEL},SERVER=${SERVER_PANEL}` });
  await seedDemoData(t.app.db, { customers: 3 });
  const product = async (number: string, type: string) => {
    const [row] = await t.app.db.query(
      "SELECT p.id FROM products p JOIN customers c ON c.id = p.customer_id WHERE c.customer_number = ? AND p.type = ? AND p.status <> 'CANCELLED' ORDER BY p.id LIMIT 1",
      [number, type],
    );
    return toGlobalId("Product", row.id);
  };
  hostingProduct = await product("1000001", "WEB_HOSTING");
  domainProduct = await product("1000001", "DOMAIN");
  foreignHosting = await product("1000002", "WEB_HOSTING");
  for (const email of ["admin@alpenblick.at", "technik@alpenblick.at", "lesen@alpenblick.at", "admin@isarwerk.de"]) {
    const res = await t.gql(
      `mutation($i: AuthLoginInput!) { authLogin(input: $i) { accessToken } }`,
      { i: { email, password: DEMO_PASSWORD } },
      { authorization: "" },
    );
    headers[email] = { authorization: `Bearer ${res.body.data.authLogin.accessToken}` };
  }
  const first = await signIn(hostingProduct, headers["admin@alpenblick.at"]);
  early = { token: tokenOf(first.data.productPanelSignIn.url), madeAt: Date.now() };
  hostingPanel = await TestPanel.register("WEB_HOSTING");
  serverPanel = await TestPanel.register("SERVER");
});
after(() => t?.stop());

test("a test panel accepts Konto's sign-in token once, verified against the published JWKS; the second use is refused", async () => {
  const body = await signIn(hostingProduct, headers["admin@alpenblick.at"]);
  const { url, expiresAt, userErrors } = body.data.productPanelSignIn;
  assert.deepEqual(userErrors, []);
  assert.ok(url.startsWith(`${HOSTING_PANEL}?token=`), url);
  const token = tokenOf(url);

  const claims = await hostingPanel.verify(token);
  assert.equal(claims.exp! - claims.iat!, 60, "valid 60 seconds");
  assert.equal(new Date(expiresAt).getTime(), claims.exp! * 1000);
  assert.equal(claims.product, hostingProduct);
  assert.equal(claims.customer, "1000001");
  assert.equal(claims.role, "ADMIN");
  assert.match(String(claims.sub), /^user:\d+$/);
  assert.equal(claims.acr, "aal1");
  assert.deepEqual(claims.amr, ["pwd"]);
  assert.equal(typeof claims.auth_time, "number");

  const used = await hostingPanel.consume(token);
  assert.equal(used.status, 200);
  const consumed = (await used.json()) as JWTPayload & { active: boolean };
  assert.equal(consumed.active, true);
  assert.equal(consumed.jti, claims.jti);
  assert.equal(consumed.product, hostingProduct);

  const again = await hostingPanel.consume(token);
  assert.equal(again.status, 409);
  assert.deepEqual(((await again.json()) as { error: string }).error, "token_used");

  const audit = await t.gql(
    `query($id: ID!) { customer(id: $id) { auditLog(first: 5) { nodes { action details } } } }`,
    { id: (await t.gql(`{ customers(first: 1, search: "1000001") { nodes { id } } }`)).body.data.customers.nodes[0].id },
    headers["admin@alpenblick.at"],
  );
  assert.deepEqual(
    audit.body.data.customer.auditLog.nodes
      .slice(0, 2)
      .map((e: { action: string; details: { productId: string } }) => [e.action, e.details.productId]),
    [
      ["product.panelSignInUsed", hostingProduct],
      ["product.panelSignIn", hostingProduct],
    ],
    "the sign-in and its one use are in the customer's log",
  );
});

test("the token is for its panel only: another panel's client, a reseller's token or no client cannot use it up", async () => {
  const token = tokenOf((await signIn(hostingProduct, headers["technik@alpenblick.at"])).data.productPanelSignIn.url);
  assert.equal((await hostingPanel.verify(token)).role, "TECHNICAL");
  await assert.rejects(serverPanel.verify(token), joseErrors.JWTClaimValidationFailed, "another panel's audience");

  const byOtherPanel = await serverPanel.consume(token);
  assert.equal(byOtherPanel.status, 400);
  const withoutClient = await hostingPanel.consume(token, "");
  assert.equal(withoutClient.status, 401);
  // Konto's own access tokens are not panel clients, and a sign-in token is not a client token.
  const withAccessToken = await hostingPanel.consume(token, headers["admin@alpenblick.at"].authorization.slice(7));
  assert.equal(withAccessToken.status, 401);
  const withSignInToken = await hostingPanel.consume(token, token);
  assert.equal(withSignInToken.status, 401);
  // Still unused: its own panel takes it.
  assert.equal((await hostingPanel.consume(token)).status, 200);

  // A panel's client token is not an access token of Konto's API.
  const asApiCaller = await t.gql(`{ viewer { __typename } }`, {}, { authorization: `Bearer ${hostingPanel.clientToken}` });
  assert.equal(asApiCaller.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
});

test("who may sign in: the customer's ADMIN and TECHNICAL users, its reseller and staff; not READ_ONLY; another customer's product is refused like an unknown one", async () => {
  const readOnly = await signIn(hostingProduct, headers["lesen@alpenblick.at"]);
  assert.equal(readOnly.errors?.[0].extensions?.code, "FORBIDDEN");
  const foreign = await signIn(foreignHosting, headers["admin@alpenblick.at"]);
  const unknown = await signIn(toGlobalId("Product", 999999), headers["admin@alpenblick.at"]);
  assert.equal(foreign.errors?.[0].extensions?.code, "FORBIDDEN");
  assert.equal(foreign.errors?.[0].message, unknown.errors?.[0].message);

  const [reseller] = await t.app.db.query(
    "SELECT u.id, u.reseller_id FROM users u JOIN customers c ON c.reseller_id = u.reseller_id WHERE c.customer_number = '1000002' AND u.kind = 'RESELLER'",
  );
  const asReseller = await t.as({
    kind: "reseller",
    resellerId: reseller.reseller_id,
    userId: reseller.id,
    clientId: null,
    label: "reseller",
    sessionId: null,
  });
  const bySeller = await signIn(foreignHosting, asReseller);
  assert.equal((await hostingPanel.verify(tokenOf(bySeller.data.productPanelSignIn.url))).role, "RESELLER");
  const byStaff = await signIn(hostingProduct, {});
  assert.equal((await hostingPanel.verify(tokenOf(byStaff.data.productPanelSignIn.url))).role, "STAFF_ADMIN");

  const noPanel = await signIn(domainProduct, headers["admin@alpenblick.at"]);
  assert.deepEqual(noPanel.data.productPanelSignIn, {
    url: null,
    expiresAt: null,
    userErrors: [{ code: "NO_PANEL", field: ["productId"] }],
  });
});

test("a panel with a query in its URL keeps it; a wrong client secret gets no client token", async () => {
  const [server] = await t.app.db.query(
    "SELECT p.id FROM products p JOIN customers c ON c.id = p.customer_id WHERE c.customer_number = '1000001' AND p.type = 'SERVER' LIMIT 1",
  );
  const url = new URL((await signIn(toGlobalId("Product", server.id), headers["admin@alpenblick.at"])).data.productPanelSignIn.url);
  assert.equal(url.searchParams.get("lang"), "de");
  assert.equal((await serverPanel.verify(url.searchParams.get("token")!)).product_type, "SERVER");

  const [client] = await t.app.db.query("SELECT client_id FROM panel_clients LIMIT 1");
  const response = await fetch(`${t.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id, client_secret: "wrong" }),
  });
  assert.equal(response.status, 401);
});

test("after 60 seconds the token is refused, by the panel's verification and by the consume endpoint", async () => {
  const wait = early.madeAt + 61_000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await assert.rejects(hostingPanel.verify(early.token), joseErrors.JWTExpired);
  const late = await hostingPanel.consume(early.token);
  assert.equal(late.status, 400);
  assert.equal(((await late.json()) as { error: string }).error, "invalid_token");
});
