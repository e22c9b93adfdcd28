import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SignJWT, generateKeyPair, exportJWK, importPKCS8, calculateJwkThumbprint } from "jose";
import { KeyStore } from "../src/access/keys";
import { AccessTokens, sha256 } from "../src/access/tokens";
import { loadConfig } from "../src/config";
import { toGlobalId } from "../src/platform/global-id";
import { createLogger } from "../src/platform/logger";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { signingKeyPem, startTestApp, TestApp, confirmByLink } from "./support/harness";
import { placesHolding } from "./support/secrets";

// Logins, tokens and recovery over HTTP, with the real Redis counting failures and the SMTP
// sink receiving the recovery emails. Each test uses its own client address (X-Forwarded-For).
let t: TestApp;
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true", GRAPHQL_MAX_ALIASES: "30" });
  await seedDemoData(t.app.db, { customers: 5 });
});
after(() => t?.stop());

const LOGIN = `mutation($input: AuthLoginInput!) { authLogin(input: $input) { accessToken refreshToken expiresAt userErrors { code message field retryAfter } } }`;
const anonymous = (ip = freshIp()) => ({ authorization: "", "x-forwarded-for": ip });
const bearer = (token: string, ip = freshIp()) => ({ authorization: `Bearer ${token}`, "x-forwarded-for": ip });

async function login(input: Record<string, string>, ip = freshIp()) {
  const res = await t.gql(LOGIN, { input }, anonymous(ip));
  return { res, payload: res.body.data?.authLogin };
}

const count = async (table: string, where = "TRUE", params: unknown[] = []) =>
  Number((await t.app.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);

async function customerNumbersSeenWith(token: string): Promise<string[]> {
  const res = await t.gql(`{ customers(first: 100) { nodes { customerNumber } } }`, {}, bearer(token));
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.customers.nodes.map((n: any) => n.customerNumber);
}

describe("logins", () => {
  test("a customer user logs in with the SSO email and sees exactly its own customer", async () => {
    const { payload } = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD });
    assert.deepEqual(payload.userErrors, []);
    assert.ok(new Date(payload.expiresAt).getTime() > Date.now() + 14 * 60_000);
    assert.deepEqual(await customerNumbersSeenWith(payload.accessToken), ["1000001"]);
    const viewer = await t.gql(`{ viewer { kind memberships { role customer { customerNumber } } } }`, {}, bearer(payload.accessToken));
    assert.deepEqual(viewer.body.data.viewer, {
      kind: "CUSTOMER",
      memberships: [{ role: "ADMIN", customer: { customerNumber: "1000001" } }],
    });
  });

  test("the customer number with the customer password logs in as that customer's ADMIN", async () => {
    const { payload } = await login({ customerNumber: "1000001", password: DEMO_PASSWORD });
    assert.deepEqual(payload.userErrors, []);
    assert.deepEqual(await customerNumbersSeenWith(payload.accessToken), ["1000001"]);
  });

  test("a wrong password and an unknown login get the same userError", async () => {
    const wrong = await login({ email: "admin@alpenblick.at", password: "not the password at all" });
    const unknown = await login({ email: "nobody@nowhere.example", password: "not the password at all" });
    assert.deepEqual(wrong.payload, unknown.payload);
    assert.equal(wrong.payload.userErrors[0].code, "INVALID_CREDENTIALS");
    assert.equal(wrong.payload.accessToken, null);
  });

  test("a reseller user sees exactly the customers of its reseller", async () => {
    const [row] = await t.app.db.query("SELECT reseller_id FROM customers WHERE customer_number = '1000002'");
    const [reseller] = await t.app.db.query("SELECT email FROM users WHERE reseller_id = ?", [row.reseller_id]);
    const { payload } = await login({ email: reseller.email, password: DEMO_PASSWORD });
    const expected = await t.app.db.query("SELECT customer_number FROM customers WHERE reseller_id = ? ORDER BY id", [row.reseller_id]);
    assert.deepEqual(
      await customerNumbersSeenWith(payload.accessToken),
      expected.map((r: any) => r.customer_number),
    );
  });
});

describe("brute force", () => {
  test("after 5 failures the login is RATE_LIMITED with a retry-after, even with the right password", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      const { payload } = await login({ email: "technik@alpenblick.at", password: `wrong password ${i}` }, ip);
      assert.equal(payload.userErrors[0].code, "INVALID_CREDENTIALS");
    }
    const sessionsBefore = await count("refresh_tokens");
    const { res, payload } = await login({ email: "technik@alpenblick.at", password: DEMO_PASSWORD }, freshIp());
    assert.equal(res.body.errors, undefined);
    assert.equal(payload.userErrors[0].code, "RATE_LIMITED");
    assert.ok(payload.userErrors[0].retryAfter >= 1);
    assert.deepEqual([payload.accessToken, payload.refreshToken, payload.expiresAt], [null, null, null]);
    assert.equal(await count("refresh_tokens"), sessionsBefore, "no session was started");
  });

  test("twenty attempts sent as aliases in one request count as twenty", async () => {
    const aliases = Array.from(
      { length: 20 },
      (_, i) => `a${i}: authLogin(input: { email: "lesen@alpenblick.at", password: "wrong-password-${i}" }) { userErrors { code } }`,
    );
    const res = await t.gql(`mutation { ${aliases.join("\n")} }`, {}, anonymous());
    const data = Object.values(res.body.data as Record<string, any>);
    const invalid = data.filter((v) => v.userErrors[0]?.code === "INVALID_CREDENTIALS");
    const limited = data.filter((v) => v.userErrors[0]?.code === "RATE_LIMITED");
    assert.equal(res.body.errors, undefined);
    assert.equal(invalid.length, 5);
    assert.equal(limited.length, 15);
  });

  test("failures are counted per client address too", async () => {
    const ip = freshIp();
    for (let i = 0; i < 20; i++) await login({ email: `someone${i}@nowhere.example`, password: "wrong password!" }, ip);
    const { payload } = await login({ email: "buchhaltung@alpenblick.at", password: DEMO_PASSWORD }, ip);
    assert.equal(payload.userErrors[0].code, "RATE_LIMITED");
    const other = await login({ email: "buchhaltung@alpenblick.at", password: DEMO_PASSWORD }, freshIp());
    assert.deepEqual(other.payload.userErrors, []);
  });

  test("a customer's IP allowlist refuses logins from other addresses, with the answer of a wrong password", async () => {
    await t.app.db.query(`UPDATE customers SET ip_allowlist = '["203.0.113.0/24"]' WHERE customer_number = '1000001'`);
    try {
      const outside = await login({ customerNumber: "1000001", password: DEMO_PASSWORD }, "192.0.2.44");
      const wrongOutside = await login({ customerNumber: "1000001", password: "not the password at all" }, "192.0.2.44");
      assert.equal(outside.payload.userErrors[0].code, "INVALID_CREDENTIALS");
      assert.equal(outside.payload.accessToken, null);
      // From outside the allowlist a right guess cannot be told from a wrong one.
      assert.deepEqual(outside.payload, wrongOutside.payload);
      const user = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD }, "192.0.2.45");
      const wrongUser = await login({ email: "admin@alpenblick.at", password: "not the password at all" }, "192.0.2.45");
      assert.deepEqual(user.payload, wrongUser.payload);
      assert.equal(user.payload.userErrors[0].code, "INVALID_CREDENTIALS");
      const inside = await login({ customerNumber: "1000001", password: DEMO_PASSWORD }, "203.0.113.7");
      assert.deepEqual(inside.payload.userErrors, []);
    } finally {
      await t.app.db.query("UPDATE customers SET ip_allowlist = NULL WHERE customer_number = '1000001'");
    }
  });
});

describe("sessions", () => {
  const REFRESH = `mutation($t: String!) { authRefresh(refreshToken: $t) { accessToken refreshToken userErrors { code } } }`;

  test("refresh rotates; reusing a rotated token revokes the whole family", async () => {
    const { payload } = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const first = (await t.gql(REFRESH, { t: payload.refreshToken }, anonymous())).body.data.authRefresh;
    assert.deepEqual(first.userErrors, []);
    assert.notEqual(first.refreshToken, payload.refreshToken);
    assert.deepEqual(await customerNumbersSeenWith(first.accessToken), ["1000002"]);
    const reuse = (await t.gql(REFRESH, { t: payload.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(reuse.userErrors[0].code, "REFRESH_TOKEN_REUSED");
    // The thief's and the owner's newer token die together.
    const afterReuse = (await t.gql(REFRESH, { t: first.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(afterReuse.userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });

  test("logout ends the session", async () => {
    const { payload } = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const out = await t.gql(`mutation { authLogout { ok } }`, {}, bearer(payload.accessToken));
    assert.equal(out.body.data.authLogout.ok, true);
    const refreshed = (await t.gql(REFRESH, { t: payload.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(refreshed.userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });

  test("changing the password needs the current one, checks the new one, and ends every other session", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
    const email = "pw-change@alpenblick.at";
    await createUser(email, row.id, "BILLING");
    const mine = (await login({ email, password: DEMO_PASSWORD })).payload;
    const other = (await login({ email, password: DEMO_PASSWORD })).payload;
    const CHANGE = `mutation($i: AuthPasswordChangeInput!) { authPasswordChange(input: $i) { ok userErrors { code field } } }`;
    const wrong = await t.gql(
      CHANGE,
      { i: { currentPassword: "wrong current pw", newPassword: "A much better one 2026" } },
      bearer(mine.accessToken),
    );
    assert.equal(wrong.body.data.authPasswordChange.userErrors[0].code, "INVALID_CREDENTIALS");
    const weak = await t.gql(CHANGE, { i: { currentPassword: DEMO_PASSWORD, newPassword: "passwort1234" } }, bearer(mine.accessToken));
    assert.equal(weak.body.data.authPasswordChange.userErrors[0].code, "WEAK_PASSWORD");
    const short = await t.gql(CHANGE, { i: { currentPassword: DEMO_PASSWORD, newPassword: "short1!" } }, bearer(mine.accessToken));
    assert.equal(short.body.data.authPasswordChange.userErrors[0].code, "WEAK_PASSWORD");
    const ok = await t.gql(
      CHANGE,
      { i: { currentPassword: DEMO_PASSWORD, newPassword: "A much better one 2026" } },
      bearer(mine.accessToken),
    );
    assert.equal(ok.body.data.authPasswordChange.ok, true);
    assert.equal(
      (await t.gql(REFRESH, { t: other.refreshToken }, anonymous())).body.data.authRefresh.userErrors[0].code,
      "INVALID_REFRESH_TOKEN",
    );
    assert.deepEqual((await t.gql(REFRESH, { t: mine.refreshToken }, anonymous())).body.data.authRefresh.userErrors, []);
    assert.deepEqual((await login({ email, password: "A much better one 2026" })).payload.userErrors, []);
  });
});

describe("session refusals", () => {
  const REFRESH = `mutation($t: String!) { authRefresh(refreshToken: $t) { accessToken refreshToken userErrors { code field } } }`;
  const refresh = async (token: string, ip = freshIp()) => (await t.gql(REFRESH, { t: token }, anonymous(ip))).body.data.authRefresh;

  test("two refreshes with one token at once: one rotates it, the other is a reuse and ends the family", async () => {
    const { payload } = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const [{ session_id: sessionId }] = await t.app.db.query("SELECT session_id FROM refresh_tokens ORDER BY id DESC LIMIT 1");
    const both = await Promise.all([refresh(payload.refreshToken), refresh(payload.refreshToken)]);
    const winner = both.find((r) => r.userErrors.length === 0);
    const loser = both.find((r) => r.userErrors.length > 0);
    assert.ok(winner?.refreshToken, JSON.stringify(both));
    assert.deepEqual(loser?.userErrors, [{ code: "REFRESH_TOKEN_REUSED", field: ["refreshToken"] }]);
    assert.equal(loser?.accessToken, null);
    assert.equal(await count("refresh_tokens", "session_id = ? AND revoked_at IS NULL", [sessionId]), 0, "the whole session is ended");
    assert.equal((await refresh(winner.refreshToken)).userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });

  test("a refresh from an address the customer's allowlist refuses is IP_NOT_ALLOWED and leaves the token unused", async () => {
    const { payload } = await login({ customerNumber: "1000001", password: DEMO_PASSWORD });
    assert.ok(payload.refreshToken, JSON.stringify(payload));
    await t.app.db.query(`UPDATE customers SET ip_allowlist = '["203.0.113.0/24"]' WHERE customer_number = '1000001'`);
    try {
      const tokensBefore = await count("refresh_tokens");
      const outside = await refresh(payload.refreshToken, "192.0.2.46");
      assert.deepEqual(outside.userErrors, [{ code: "IP_NOT_ALLOWED", field: ["refreshToken"] }]);
      assert.equal(outside.accessToken, null);
      assert.equal(await count("refresh_tokens"), tokensBefore, "no token was issued");
      assert.equal(await count("refresh_tokens", "token_hash = ? AND rotated_at IS NULL", [sha256(payload.refreshToken)]), 1);
      assert.deepEqual((await refresh(payload.refreshToken, "203.0.113.8")).userErrors, []);
    } finally {
      await t.app.db.query("UPDATE customers SET ip_allowlist = NULL WHERE customer_number = '1000001'");
    }
  });

  test("after 5 wrong current passwords a password change is RATE_LIMITED, even with the right one, and changes nothing", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000003'");
    const email = "pw-limit@example.org";
    await createUser(email, row.id, "BILLING");
    const token = (await login({ email, password: DEMO_PASSWORD })).payload.accessToken;
    const CHANGE = `mutation($i: AuthPasswordChangeInput!) { authPasswordChange(input: $i) { ok userErrors { code field retryAfter } } }`;
    const change = async (currentPassword: string) =>
      (await t.gql(CHANGE, { i: { currentPassword, newPassword: "A much better one 2026" } }, bearer(token))).body.data.authPasswordChange;
    for (let i = 0; i < 5; i++) assert.equal((await change(`wrong current ${i}`)).userErrors[0].code, "INVALID_CREDENTIALS");
    const [before] = await t.app.db.query("SELECT password_hash FROM users WHERE email = ?", [email]);
    const limited = await change(DEMO_PASSWORD);
    assert.equal(limited.ok, false);
    assert.equal(limited.userErrors[0].code, "RATE_LIMITED");
    assert.ok(limited.userErrors[0].retryAfter >= 1);
    const [after] = await t.app.db.query("SELECT password_hash FROM users WHERE email = ?", [email]);
    assert.equal(after.password_hash, before.password_hash);
  });
});

describe("input refusals", () => {
  test("a login with both or neither of email and customerNumber is INVALID_INPUT and starts no session", async () => {
    const tokensBefore = await count("refresh_tokens");
    const both = { email: "admin@alpenblick.at", customerNumber: "1000001", password: DEMO_PASSWORD };
    for (const input of [both, { password: DEMO_PASSWORD }] as Record<string, string>[]) {
      const { res, payload } = await login(input);
      assert.equal(res.body.errors, undefined);
      assert.deepEqual(
        payload.userErrors.map((e: any) => [e.code, e.field]),
        [["INVALID_INPUT", ["input"]]],
      );
      assert.equal(payload.accessToken, null);
    }
    assert.equal(await count("refresh_tokens"), tokensBefore);
  });

  test("a username reminder for an over-long customer number is INVALID_INPUT and queues nothing", async () => {
    const queued = await count("outbox", "topic = 'username-reminder'");
    const res = await t.gql(
      `mutation($n: String!) { authUsernameReminder(customerNumber: $n) { message userErrors { code field } } }`,
      { n: "1".repeat(21) },
      anonymous(),
    );
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(res.body.data.authUsernameReminder, {
      message: "",
      userErrors: [{ code: "INVALID_INPUT", field: ["customerNumber"] }],
    });
    assert.equal(await count("outbox", "topic = 'username-reminder'"), queued);
  });

  test("registering with a weak password, with both proofs or with none is refused and records nothing", async () => {
    const Q = `mutation($i: AuthRegisterInput!) { authRegister(input: $i) { message userErrors { code field } } }`;
    const base = { customerNumber: "1000004", email: "new-login@example.org", displayName: "New", password: "My own login 2026!" };
    const cases: [Record<string, string>, string, string[]][] = [
      [{ ...base, password: "short1!", customerPassword: DEMO_PASSWORD }, "WEAK_PASSWORD", ["input", "password"]],
      [{ ...base, customerPassword: DEMO_PASSWORD, latestInvoiceNumber: "2026-000001" }, "INVALID_INPUT", ["input", "customerPassword"]],
      [base, "INVALID_INPUT", ["input", "customerPassword"]],
    ];
    const [registrations, queued] = [await count("registrations"), await count("outbox", "topic = 'registration'")];
    for (const [input, code, field] of cases) {
      const res = await t.gql(Q, { i: input }, anonymous());
      assert.deepEqual(res.body.data.authRegister, { message: "", userErrors: [{ code, field }] });
    }
    assert.deepEqual([await count("registrations"), await count("outbox", "topic = 'registration'")], [registrations, queued]);
  });

  test("after 5 failed registrations for a customer number the next is RATE_LIMITED and records nothing", async () => {
    const Q = `mutation($i: AuthRegisterInput!) { authRegister(input: $i) { message userErrors { code retryAfter } } }`;
    const input = { customerNumber: "1000005", email: "guess@example.org", displayName: "Guess", password: "My own login 2026!" };
    for (let i = 0; i < 5; i++) {
      const res = await t.gql(Q, { i: { ...input, customerPassword: `wrong guess ${i}` } }, anonymous());
      assert.deepEqual(res.body.data.authRegister.userErrors, []);
    }
    const queued = await count("outbox", "topic = 'registration'");
    const limited = (await t.gql(Q, { i: { ...input, customerPassword: DEMO_PASSWORD } }, anonymous())).body.data.authRegister;
    assert.equal(limited.message, "");
    assert.equal(limited.userErrors[0].code, "RATE_LIMITED");
    assert.ok(limited.userErrors[0].retryAfter >= 1);
    assert.equal(await count("outbox", "topic = 'registration'"), queued);
  });
});

async function createUser(email: string, customerId: number, role: string): Promise<void> {
  const [hash] = await t.app.db.query("SELECT password_hash FROM users WHERE email = 'admin@alpenblick.at'");
  const result = await t.app.db.query(
    "INSERT INTO users (kind, email, display_name, password_hash) VALUES ('CUSTOMER', ?, 'Test User', ?)",
    [email, hash.password_hash],
  );
  await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [result.insertId, customerId, role]);
}

describe("recovery", () => {
  test("the username reminder replies the same for any number and emails the logins to the stored address", async () => {
    const Q = `mutation($n: String!) { authUsernameReminder(customerNumber: $n) { message userErrors { code } } }`;
    const known = await t.gql(Q, { n: "1000001" }, anonymous());
    const unknown = await t.gql(Q, { n: "9999999" }, anonymous());
    assert.deepEqual(known.body, unknown.body);
    const [customer] = await t.app.db.query("SELECT email FROM customers WHERE customer_number = '1000001'");
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && /Logins/i.test(m.parsed.subject ?? ""));
    assert.match(mail.parsed.text ?? "", /admin@alpenblick\.at/);
    assert.match(mail.parsed.text ?? "", /1000001/);
  });

  test("a password reset link works once, sets the password and ends every session", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000002'");
    const email = "reset-me@isarwerk.de";
    await createUser(email, row.id, "TECHNICAL");
    const session = (await login({ email, password: DEMO_PASSWORD })).payload;
    const Q = `mutation($e: EmailAddress!) { authPasswordResetRequest(email: $e) { message userErrors { code } } }`;
    const known = await t.gql(Q, { e: email }, anonymous());
    const unknown = await t.gql(Q, { e: "nobody-here@isarwerk.de" }, anonymous());
    assert.deepEqual(known.body, unknown.body);
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(email));
    const token = /reset-password\?token=([\w-]+)/.exec(mail.parsed.text ?? "")?.[1];
    assert.ok(token, "the email has a reset link");
    // Only a hash is stored: the token is in no column of any table, in no spelling. The search
    // itself is shown to find what is there (the user's email).
    assert.deepEqual(await placesHolding(t.app.db, token), [], "only a hash is stored");
    assert.ok((await placesHolding(t.app.db, email)).includes("users.email"), "the search finds what is stored");

    const RESET = `mutation($i: AuthPasswordResetInput!) { authPasswordReset(input: $i) { ok userErrors { code } } }`;
    const weak = await t.gql(RESET, { i: { token, newPassword: "passwort1234" } }, anonymous());
    assert.deepEqual(weak.body.data.authPasswordReset, { ok: false, userErrors: [{ code: "WEAK_PASSWORD" }] });
    assert.equal(await count("password_resets", "token_hash = ? AND used_at IS NULL", [sha256(token)]), 1, "the link still works");
    const done = await t.gql(RESET, { i: { token, newPassword: "Reset and renewed 2026" } }, anonymous());
    assert.equal(done.body.data.authPasswordReset.ok, true);
    const again = await t.gql(RESET, { i: { token, newPassword: "Another new one 2026" } }, anonymous());
    assert.equal(again.body.data.authPasswordReset.userErrors[0].code, "INVALID_CREDENTIALS");
    assert.deepEqual((await login({ email, password: "Reset and renewed 2026" })).payload.userErrors, []);
    const refreshed = await t.gql(
      `mutation($t: String!) { authRefresh(refreshToken: $t) { userErrors { code } } }`,
      { t: session.refreshToken },
      anonymous(),
    );
    assert.equal(refreshed.body.data.authRefresh.userErrors[0].code, "INVALID_REFRESH_TOKEN");
    // The access token issued before the reset is refused on its next request too.
    const old = await t.gql(`{ viewer { name } }`, {}, bearer(session.accessToken));
    assert.equal(old.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    assert.equal(t.mailbox.to("nobody-here@isarwerk.de").length, 0);
  });

  test("registering with the customer password creates an ADMIN login; a wrong proof gets the same reply and nothing", async () => {
    const [contact] = await t.app.db.query(
      "SELECT k.email FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE c.customer_number = '1000001' AND k.email NOT IN (SELECT email FROM users) ORDER BY k.id LIMIT 1",
    );
    const Q = `mutation($i: AuthRegisterInput!) { authRegister(input: $i) { message userErrors { code } } }`;
    const input = { customerNumber: "1000001", email: contact.email, displayName: "New Admin", password: "My own login 2026!" };
    const wrong = await t.gql(Q, { i: { ...input, customerPassword: "not the customer password" } }, anonymous());
    const right = await t.gql(Q, { i: { ...input, customerPassword: DEMO_PASSWORD } }, anonymous());
    assert.deepEqual(wrong.body, right.body);
    // The login works only once the link sent to the address is followed.
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(contact.email));
    const early = await login({ email: contact.email, password: "My own login 2026!" });
    assert.equal(early.payload.userErrors[0].code, "INVALID_CREDENTIALS");
    const link = /(http:\/\/\S+verify-email\?token=[\w-]+)/.exec(mail.parsed.text ?? "")![1];
    assert.equal((await confirmByLink(link)).status, 200);
    const { payload } = await login({ email: contact.email, password: "My own login 2026!" });
    assert.deepEqual(payload.userErrors, []);
    const viewer = await t.gql(`{ viewer { memberships { role } } }`, {}, bearer(payload.accessToken));
    assert.deepEqual(viewer.body.data.viewer.memberships, [{ role: "ADMIN" }]);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM users WHERE email = ?", [contact.email]);
    assert.equal(Number(n), 1);
  });
});

describe("tokens", () => {
  const CUSTOMERS = `{ customers(first: 1) { totalCount } }`;
  const expectUnauthenticated = async (token: string) => {
    const res = await t.gql(CUSTOMERS, {}, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
  };
  const claims = { knd: "staff", srl: "ADMIN", name: "forged" };

  test("no token is UNAUTHENTICATED for data, and a valid one is accepted", async () => {
    const res = await t.gql(CUSTOMERS, {}, { authorization: "" });
    assert.equal(res.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    assert.equal((await t.gql(CUSTOMERS)).body.data.customers.totalCount, 5);
  });

  test("an expired token, a wrong or missing audience, a missing issuer, alg none and a foreign key are refused", async () => {
    const { keys } = t.app.auth;
    const base = () =>
      new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: keys.signingKid }).setSubject("user:1").setIssuer(t.config.jwt.issuer);
    await expectUnauthenticated(
      await base().setAudience(t.config.jwt.audience).setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_900).sign(keys.signingKey),
    );
    await expectUnauthenticated(await base().setAudience("someone-else").setExpirationTime("5m").sign(keys.signingKey));
    await expectUnauthenticated(await base().setExpirationTime("5m").sign(keys.signingKey));
    await expectUnauthenticated(
      await new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: keys.signingKid })
        .setSubject("user:1")
        .setAudience(t.config.jwt.audience)
        .setExpirationTime("5m")
        .sign(keys.signingKey),
    );
    const none = [
      { alg: "none", typ: "JWT", kid: keys.signingKid },
      { ...claims, sub: "user:1", iss: t.config.jwt.issuer, aud: t.config.jwt.audience, exp: Math.floor(Date.now() / 1000) + 300 },
    ]
      .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
      .join(".");
    await expectUnauthenticated(`${none}.`);
    const foreign = await generateKeyPair("ES256");
    await expectUnauthenticated(await base().setAudience(t.config.jwt.audience).setExpirationTime("5m").sign(foreign.privateKey));
  });

  test("a token accepted before is refused once it expires", async () => {
    const { keys } = t.app.auth;
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: keys.signingKid })
      .setSubject("user:1")
      .setIssuer(t.config.jwt.issuer)
      .setAudience(t.config.jwt.audience)
      .setExpirationTime(expiresAt)
      .sign(keys.signingKey);
    const authorization = { authorization: `Bearer ${token}` };
    assert.equal((await t.gql(CUSTOMERS, {}, authorization)).body.data.customers.totalCount, 5);
    assert.equal((await t.gql(CUSTOMERS, {}, authorization)).body.data.customers.totalCount, 5);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const res = await t.gql(CUSTOMERS, {}, authorization);
    assert.equal(res.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    assert.match(res.body.errors[0].message, /expired/);
  });

  test("the JWKS serves the signing key's kid", async () => {
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as any;
    assert.deepEqual(
      jwks.keys.map((k: any) => k.kid),
      [t.app.auth.keys.signingKid],
    );
    assert.ok(jwks.keys.every((k: any) => !("d" in k)));
  });

  test("a retired key keeps verifying until it is removed from the configuration", async () => {
    const log = createLogger("silent");
    const oldPem = signingKeyPem();
    const oldKeys = await KeyStore.load(loadConfig({ JWT_SIGNING_KEY: oldPem }), log);
    const principal = { kind: "staff" as const, userId: 1, role: "ADMIN" as any, label: "x", sessionId: null };
    const oldToken = (await new AccessTokens(oldKeys, loadConfig({}).jwt).sign(principal)).token;
    const oldPublic = await exportJWK(await importPKCS8(oldPem, "ES256", { extractable: true }));
    delete oldPublic.d;
    const retired = JSON.stringify([{ ...oldPublic, kid: await calculateJwkThumbprint(oldPublic) }]);
    const rotated = loadConfig({ JWT_SIGNING_KEY: signingKeyPem(), JWT_RETIRED_PUBLIC_KEYS: retired });
    const verifier = new AccessTokens(await KeyStore.load(rotated, log), rotated.jwt);
    assert.equal((await verifier.verify(oldToken)).principal.kind, "staff");
    const removed = loadConfig({ JWT_SIGNING_KEY: rotated.jwt.signingKeyPem! });
    await assert.rejects(new AccessTokens(await KeyStore.load(removed, log), removed.jwt).verify(oldToken), /not valid/);
  });
});

describe("resellers", () => {
  test("an API client gets a token with client credentials and creates customers under its reseller", async () => {
    const [reseller] = await t.app.db.query("SELECT id FROM resellers ORDER BY id LIMIT 1");
    const created = await t.gql(
      `mutation($r: ID!) { resellerApiClientCreate(resellerId: $r, name: "ERP") { clientId clientSecret userErrors { code } } }`,
      {
        r: toGlobalId("Reseller", reseller.id),
      },
    );
    const { clientId, clientSecret } = created.body.data.resellerApiClientCreate;
    const tokenRes = await fetch(`${t.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    });
    assert.equal(tokenRes.status, 200);
    const { access_token, token_type } = (await tokenRes.json()) as any;
    assert.equal(token_type, "Bearer");
    const bad = await fetch(`${t.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: "wrong" }),
    });
    assert.equal(bad.status, 401);

    const CREATE = `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id customerNumber reseller { name } contacts { types email } } userErrors { code field } } }`;
    const input = {
      kind: "BUSINESS",
      companyName: "Neukunde Hosting GmbH",
      address: { street: "Ringstraße 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
      email: "office@neukunde.example",
      phone: "01 5551234",
      contact: { firstName: "Nina", lastName: "Neu", email: "nina@neukunde.example" },
    };
    const res = await t.gql(CREATE, { i: input }, { authorization: `Bearer ${access_token}` });
    assert.deepEqual(res.body.data.customerCreate.userErrors, []);
    const customer = res.body.data.customerCreate.customer;
    assert.deepEqual(customer.contacts, [{ types: ["STANDARD"], email: "nina@neukunde.example" }]);
    const [stored] = await t.app.db.query("SELECT reseller_id, phone FROM customers WHERE customer_number = ?", [customer.customerNumber]);
    assert.equal(stored.reseller_id, reseller.id);
    assert.equal(stored.phone, "+4315551234");
    assert.ok((await customerNumbersSeenWith(access_token)).includes(customer.customerNumber));

    const badPhone = await t.gql(CREATE, { i: { ...input, phone: "12" } }, { authorization: `Bearer ${access_token}` });
    assert.deepEqual(badPhone.body.data.customerCreate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "phone"] }]);

    const log = await t.gql(
      `query($id: ID!) { customer(id: $id) { auditLog(first: 5) { nodes { action actor } } } }`,
      { id: customer.id },
      { authorization: `Bearer ${access_token}` },
    );
    assert.match(log.body.data.customer.auditLog.nodes[0].actor, new RegExp(`acting for customer ${customer.customerNumber}`));
  });
});

describe("the OAuth token endpoint", () => {
  test("wrong client secrets get 401; after 5 the client waits: 429 with Retry-After, even with the right secret", async () => {
    const [reseller] = await t.app.db.query("SELECT id FROM resellers ORDER BY id LIMIT 1");
    const created = await t.gql(
      `mutation($r: ID!) { resellerApiClientCreate(resellerId: $r, name: "Limited") { clientId clientSecret } }`,
      {
        r: toGlobalId("Reseller", reseller.id),
      },
    );
    const { clientId, clientSecret } = created.body.data.resellerApiClientCreate;
    const grant = (secret: string) =>
      fetch(`${t.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": freshIp() },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret }),
      });
    for (let i = 0; i < 5; i++) {
      const wrong = await grant(`wrong secret ${i}`);
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as any).error, "invalid_client");
    }
    const limited = await grant(clientSecret);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal(((await limited.json()) as any).error, "slow_down");
  });
});

describe("customer PIN and phone passwords", () => {
  test("only the customer's ADMIN reads the PIN; a new PIN kills the old one at once; staff can only check it", async () => {
    const [c] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
    const id = toGlobalId("Customer", c.id);
    const admin = (await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD })).payload.accessToken;
    const billing = (await login({ email: "buchhaltung@alpenblick.at", password: DEMO_PASSWORD }, freshIp())).payload.accessToken;
    const PIN = `query($id: ID!) { customer(id: $id) { pin } }`;
    const oldPin = (await t.gql(PIN, { id }, bearer(admin))).body.data.customer.pin;
    assert.match(oldPin, /^\d{6}$/);
    assert.equal((await t.gql(PIN, { id }, bearer(billing))).body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal((await t.gql(PIN, { id })).body.errors?.[0].extensions?.code, "FORBIDDEN", "staff cannot read it");

    const regen = await t.gql(`mutation($id: ID!) { customerPinRegenerate(customerId: $id) { pin } }`, { id }, bearer(admin));
    const newPin = regen.body.data.customerPinRegenerate.pin;
    assert.match(newPin, /^\d{6}$/);
    const VERIFY = `mutation($p: String!) { customerPinVerify(customerNumber: "1000001", pin: $p) { valid userErrors { code field retryAfter } } }`;
    const verify = async (p: string) => (await t.gql(VERIFY, { p })).body.data.customerPinVerify;
    if (newPin !== oldPin) assert.deepEqual(await verify(oldPin), { valid: false, userErrors: [] });
    assert.deepEqual(await verify(newPin), { valid: true, userErrors: [] });
    assert.deepEqual(await verify(`${newPin}${"0".repeat(15)}`), {
      valid: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["pin"], retryAfter: null }],
    });
    const asAdmin = await t.gql(VERIFY, { p: newPin }, bearer(admin));
    assert.equal(asAdmin.body.errors?.[0].extensions?.code, "FORBIDDEN");
    for (let i = 0; i < 5; i++) await verify("000000" === newPin ? "111111" : "000000");
    const limited = await verify(newPin);
    assert.equal(limited.valid, null, "the right PIN is not even checked while the limit holds");
    assert.deepEqual(
      limited.userErrors.map((e: { code: string; retryAfter: number }) => [e.code, e.retryAfter >= 1]),
      [["RATE_LIMITED", true]],
    );
    const log = await t.gql(
      `query($id: ID!) { customer(id: $id) { auditLog(first: 1) { nodes { action actor } } } }`,
      { id },
      bearer(admin),
    );
    assert.deepEqual(log.body.data.customer.auditLog.nodes[0], {
      action: "customer.pin.regenerated",
      actor: "Katharina Gruber <admin@alpenblick.at>",
    });
  });

  test("the ADMIN sets a contact's phone password; staff check it and get the restrictions", async () => {
    const [contact] = await t.app.db.query(
      "SELECT k.id FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE c.customer_number = '1000001' ORDER BY k.id LIMIT 1",
    );
    await t.app.db.query("UPDATE contacts SET restrictions = 'Bestellungen nur bis 500 EUR netto.' WHERE id = ?", [contact.id]);
    const id = toGlobalId("Contact", contact.id);
    const admin = (await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD })).payload.accessToken;
    const SET = `mutation($id: ID!, $p: String) { contactPhonePasswordSet(contactId: $id, password: $p) { contact { hasPhonePassword } userErrors { code } } }`;
    assert.equal(
      (await t.gql(SET, { id, p: "Sonnenblume" }, bearer(admin))).body.data.contactPhonePasswordSet.contact.hasPhonePassword,
      true,
    );
    const [stored] = await t.app.db.query("SELECT phone_password_hash FROM contacts WHERE id = ?", [contact.id]);
    assert.doesNotMatch(stored.phone_password_hash, /Sonnenblume/);
    const CHECK = `mutation($id: ID!, $p: String!) { contactPhonePasswordVerify(contactId: $id, password: $p) { valid restrictions } }`;
    assert.deepEqual((await t.gql(CHECK, { id, p: "Sonnenblume" })).body.data.contactPhonePasswordVerify, {
      valid: true,
      restrictions: "Bestellungen nur bis 500 EUR netto.",
    });
    assert.deepEqual((await t.gql(CHECK, { id, p: "Gänseblümchen" })).body.data.contactPhonePasswordVerify, {
      valid: false,
      restrictions: null,
    });
    assert.equal((await t.gql(CHECK, { id, p: "Sonnenblume" }, bearer(admin))).body.errors?.[0].extensions?.code, "FORBIDDEN");
  });
});

describe("staff from the command line", () => {
  test("npm run staff:create makes a staff admin who can log in and read any customer", () => {
    const run = spawnSync(
      process.execPath,
      [join(__dirname, "..", "src", "auth", "staff-cli.js"), "--email", "ops@provider.example", "--name", "Ops Admin", "--role", "ADMIN"],
      {
        env: { ...process.env, DATABASE_URL: t.config.databaseUrl, KONTO_STAFF_PASSWORD: "Staff password 2026!" },
        encoding: "utf8",
      },
    );
    assert.equal(run.status, 0, run.stderr);
    return (async () => {
      const { payload } = await login({ email: "ops@provider.example", password: "Staff password 2026!" });
      assert.equal((await customerNumbersSeenWith(payload.accessToken)).length, 6);
    })();
  });
});

describe("parallel guessing", () => {
  test("twenty wrong passwords sent at once still meet the limit: at most five are checked", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login({ email: "admin@isarwerk.de", password: `parallel wrong ${i}` }, freshIp())),
    );
    const checked = attempts.filter((a) => a.payload.userErrors[0]?.code === "INVALID_CREDENTIALS").length;
    const limited = attempts.filter((a) => a.payload.userErrors[0]?.code === "RATE_LIMITED").length;
    assert.ok(checked <= 5, `${checked} attempts were checked`);
    assert.equal(checked + limited, 20);
  });
});
