import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { configurePasswordHashing, hashPassword, meetsOwaspMinimum, OWASP_SCRYPT_COST, verifyPassword } from "../src/access/passwords";
import { loadConfig } from "../src/config";
import { KontoError } from "../src/platform/errors";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { eventually, PRODUCTION_SELLER, startTestApp, TestApp, testEnv } from "./support/harness";
import { startPrivateRedis } from "./support/private-servers";

// Sessions and taking access back: every revocation makes the affected access tokens answer
// UNAUTHENTICATED on the very next request (no sleeping), on any API process.
let t: TestApp;
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true" });
  await seedDemoData(t.app.db, { customers: 5 });
});
after(() => t?.stop());

const LOGIN = `mutation($input: AuthLoginInput!) { authLogin(input: $input) { accessToken refreshToken userErrors { code } } }`;
const REFRESH = `mutation($t: String!) { authRefresh(refreshToken: $t) { accessToken refreshToken userErrors { code } } }`;
const anonymous = () => ({ authorization: "", "x-forwarded-for": freshIp() });
const bearer = (token: string, userAgent = "test-agent") => ({
  authorization: `Bearer ${token}`,
  "x-forwarded-for": freshIp(),
  "user-agent": userAgent,
});

async function login(input: Record<string, string>, userAgent = "test-agent"): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await t.gql(LOGIN, { input }, { ...anonymous(), "user-agent": userAgent });
  const payload = res.body.data.authLogin;
  assert.deepEqual(payload.userErrors, [], JSON.stringify(res.body));
  return payload;
}

/** What a request with this token gets: "ok" or the error code. */
async function viewerWith(token: string, target: TestApp = t): Promise<string> {
  const res = await target.gql(`{ viewer { name } }`, {}, bearer(token));
  return res.body.errors?.[0]?.extensions?.code ?? "ok";
}

const adminOf1000001 = { email: "admin@alpenblick.at", password: DEMO_PASSWORD };

describe("revocation on the next request", () => {
  test("after authLogout the old access token and the refresh token are refused", async () => {
    const session = await login(adminOf1000001);
    assert.equal(await viewerWith(session.accessToken), "ok");
    const out = await t.gql(`mutation { authLogout { ok } }`, {}, bearer(session.accessToken));
    assert.equal(out.body.data.authLogout.ok, true);
    assert.equal(await viewerWith(session.accessToken), "UNAUTHENTICATED");
    const refreshed = await t.gql(REFRESH, { t: session.refreshToken }, anonymous());
    assert.equal(refreshed.body.data.authRefresh.userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });

  test("a password change ends every other session at once and keeps the caller's", async () => {
    const email = "buchhaltung@alpenblick.at";
    const mine = await login({ email, password: DEMO_PASSWORD });
    const other = await login({ email, password: DEMO_PASSWORD });
    const next = "Brand new password 2026";
    const change = await t.gql(
      `mutation($i: AuthPasswordChangeInput!) { authPasswordChange(input: $i) { ok userErrors { code } } }`,
      { i: { currentPassword: DEMO_PASSWORD, newPassword: next } },
      bearer(mine.accessToken),
    );
    assert.deepEqual(change.body.data.authPasswordChange, { ok: true, userErrors: [] });
    assert.equal(await viewerWith(other.accessToken), "UNAUTHENTICATED");
    assert.equal(await viewerWith(mine.accessToken), "ok");
    assert.equal(
      (await t.gql(REFRESH, { t: other.refreshToken }, anonymous())).body.data.authRefresh.userErrors[0].code,
      "INVALID_REFRESH_TOKEN",
    );
  });

  test("refresh-token reuse ends the session: its access tokens are refused too", async () => {
    const session = await login(adminOf1000001);
    const rotated = (await t.gql(REFRESH, { t: session.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(await viewerWith(rotated.accessToken), "ok");
    const reuse = (await t.gql(REFRESH, { t: session.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(reuse.userErrors[0].code, "REFRESH_TOKEN_REUSED");
    assert.equal(await viewerWith(rotated.accessToken), "UNAUTHENTICATED");
    assert.equal(await viewerWith(session.accessToken), "UNAUTHENTICATED");
  });

  test("a revoked token's query and mutation get the refusal of a token refused before anything ran, and change nothing", async () => {
    const session = await login(adminOf1000001);
    const customerId = toGlobalId("Customer", (await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'"))[0].id);
    await t.gql(`mutation { authLogout { ok } }`, {}, bearer(session.accessToken));
    const forged = `${session.accessToken.slice(0, -4)}AAAA`;
    const refusedAtOnce = await t.gql(`{ viewer { name } }`, {}, bearer(forged));
    const query = await t.gql(
      `query($id: ID!) { customer(id: $id) { companyName contacts { email } } }`,
      { id: customerId },
      bearer(session.accessToken),
    );
    assert.equal(query.status, 401);
    assert.equal(query.status, refusedAtOnce.status);
    // This process heard of the revocation, so the token's queries no longer run alongside the check.
    const { tokens, revocations } = t.app.auth;
    const ended = await tokens.verify(session.accessToken);
    await eventually(async () => revocations.refusedLocally(ended) || undefined, 5_000, "the revocation to reach the mirror");
    assert.equal(revocations.refusedLocally(await tokens.verify((await login(adminOf1000001)).accessToken)), false);
    assert.deepEqual(Object.keys(query.body), Object.keys(refusedAtOnce.body), "no data, only the error");
    assert.equal(query.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    assert.ok(!JSON.stringify(query.body).includes("@alpenblick.at"), "nothing the query read leaves");
    const masterData = () => t.app.db.query("SELECT phone, version FROM customers WHERE customer_number = '1000001'");
    const [before] = await masterData();
    const audits = Number((await t.app.db.query("SELECT COUNT(*) AS n FROM audit_log"))[0].n);
    const UPDATE = `mutation($c: ID!, $i: CustomerUpdateInput!) { customerUpdate(customerId: $c, input: $i) { userErrors { code } } }`;
    const input = { c: customerId, i: { phone: "+43 1 555 0199", version: before.version } };
    const change = await t.gql(UPDATE, input, bearer(session.accessToken));
    assert.equal(change.status, 401);
    assert.equal(change.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    assert.equal(change.body.data, undefined);
    assert.deepEqual((await masterData())[0], before);
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM audit_log"))[0].n), audits);
    // The same change by a live session goes through.
    const live = await login(adminOf1000001);
    assert.deepEqual((await t.gql(UPDATE, input, bearer(live.accessToken))).body.data.customerUpdate.userErrors, []);
    assert.notDeepEqual((await masterData())[0], before);
  });

  test("requests that arrive together are each judged by their own token", async () => {
    // Their checks go to Redis as one batch: no answer may land on another request.
    // Two sessions of each of three users; one of each pair ends.
    const emails = ["technik@alpenblick.at", "lesen@alpenblick.at", "admin@isarwerk.de"].flatMap((email) => [email, email]);
    const sessions = await Promise.all(emails.map((email) => login({ email, password: DEMO_PASSWORD })));
    const ended = sessions.filter((_, i) => i % 2 === 0);
    for (const session of ended) await t.gql(`mutation { authLogout { ok } }`, {}, bearer(session.accessToken));
    const rounds = [0, 1, 2, 3].flatMap(() => sessions);
    const answers = await Promise.all(rounds.map((session) => viewerWith(session.accessToken)));
    assert.deepEqual(
      answers,
      rounds.map((session) => (ended.includes(session) ? "UNAUTHENTICATED" : "ok")),
    );
  });

  test("checks gather until a request has to wait for one of them, and then their batch goes at once", async (ctx) => {
    const { tokens, revocations } = t.app.auth;
    const signIn = async () => tokens.verify((await login(adminOf1000001)).accessToken);
    const [a, b, c] = [await signIn(), await signIn(), await signIn()];
    /** Asks for a check's outcome: "ok", the refusal's code, or "pending" if Redis answered 20 other commands first. */
    const askFor = async (live: () => Promise<void>) => {
      let outcome = "pending";
      void live().then(
        () => (outcome = "ok"),
        (error: KontoError) => (outcome = String(error.extensions.code)),
      );
      for (let i = 0; i < 20 && outcome === "pending"; i++) await t.app.redis.ping();
      return outcome;
    };
    // Frozen timers: no batch window ends on its own.
    ctx.mock.timers.enable({ apis: ["setTimeout"] });
    const checkOfA = revocations.check(a);
    const checkOfB = revocations.check(b);
    // A check reads Redis when its batch goes, so it sees what happened while it gathered.
    await revocations.endSessions([a.principal.sessionId!]);
    assert.equal(await askFor(checkOfB), "ok", "asked for, the batch goes");
    assert.equal(await askFor(checkOfA), "UNAUTHENTICATED", "A's check went with B's, after A's session ended");
    const checkOfC = revocations.check(c);
    assert.equal(await askFor(checkOfB), "ok");
    await revocations.endSessions([c.principal.sessionId!]);
    assert.equal(await askFor(checkOfC), "UNAUTHENTICATED", "asking again for B's check did not send C's");
  });

  test("a second API process refuses a token revoked through the first", async () => {
    const second = await startTestApp(
      {
        DATABASE_URL: t.config.databaseUrl,
        QUEUE_PREFIX: t.config.queuePrefix,
        JWT_DEV_KEY_FILE: t.config.jwt.devKeyFile,
        JWT_ISSUER: t.config.jwt.issuer,
        WORKERS_IN_PROCESS: "false",
      },
      { smtpSink: false },
    );
    try {
      const session = await login(adminOf1000001);
      assert.equal(await viewerWith(session.accessToken, second), "ok");
      await t.gql(`mutation { authLogout { ok } }`, {}, bearer(session.accessToken));
      assert.equal(await viewerWith(session.accessToken, second), "UNAUTHENTICATED");
    } finally {
      // Not second.stop(): the database and queue keys are the first instance's.
      await second.app.stop();
    }
  });
});

describe("sessions", () => {
  const SESSIONS = `{ viewer { sessions { id userAgent ipAddress current createdAt lastUsedAt } } }`;

  test("viewer.sessions lists each session with its device, and the current one", async () => {
    const email = "technik@alpenblick.at";
    const laptop = await login({ email, password: DEMO_PASSWORD }, "Laptop Firefox");
    const phone = await login({ email, password: DEMO_PASSWORD }, "Phone Safari");
    const res = await t.gql(SESSIONS, {}, bearer(laptop.accessToken));
    const sessions = res.body.data.viewer.sessions;
    const agents = sessions.map((s: any) => s.userAgent).sort();
    assert.ok(agents.includes("Laptop Firefox") && agents.includes("Phone Safari"), JSON.stringify(sessions));
    assert.deepEqual(
      sessions.filter((s: any) => s.current).map((s: any) => s.userAgent),
      ["Laptop Firefox"],
    );
    assert.ok(sessions.every((s: any) => /^198\.51\.100\./.test(s.ipAddress)));

    // Ending the phone's session from the laptop.
    const phoneSession = sessions.find((s: any) => s.userAgent === "Phone Safari");
    const revoke = await t.gql(
      `mutation($id: ID!) { authSessionRevoke(id: $id) { ok userErrors { code } } }`,
      { id: phoneSession.id },
      bearer(laptop.accessToken),
    );
    assert.deepEqual(revoke.body.data.authSessionRevoke, { ok: true, userErrors: [] });
    assert.equal(await viewerWith(phone.accessToken), "UNAUTHENTICATED");
    assert.equal(await viewerWith(laptop.accessToken), "ok");
    const left = (await t.gql(SESSIONS, {}, bearer(laptop.accessToken))).body.data.viewer.sessions;
    assert.ok(!left.some((s: any) => s.id === phoneSession.id));
  });

  test("authSessionsRevokeOthers ends all but the current session", async () => {
    const email = "lesen@alpenblick.at";
    const keep = await login({ email, password: DEMO_PASSWORD });
    const others = [await login({ email, password: DEMO_PASSWORD }), await login({ email, password: DEMO_PASSWORD })];
    const res = await t.gql(`mutation { authSessionsRevokeOthers { ok } }`, {}, bearer(keep.accessToken));
    assert.equal(res.body.data.authSessionsRevokeOthers.ok, true);
    for (const other of others) assert.equal(await viewerWith(other.accessToken), "UNAUTHENTICATED");
    assert.equal(await viewerWith(keep.accessToken), "ok");
    const sessions = (await t.gql(SESSIONS, {}, bearer(keep.accessToken))).body.data.viewer.sessions;
    assert.deepEqual(
      sessions.map((s: any) => s.current),
      [true],
    );
  });

  test("someone else's session and an unknown one get the same refusal, and nothing ends", async () => {
    const victim = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const attacker = await login(adminOf1000001);
    const [{ id: victimSessionId }] = await t.app.db.query("SELECT session_id AS id FROM refresh_tokens ORDER BY id DESC LIMIT 1 OFFSET 1");
    const revoke = (id: string) => t.gql(`mutation($id: ID!) { authSessionRevoke(id: $id) { ok } }`, { id }, bearer(attacker.accessToken));
    const foreign = await revoke(toGlobalId("Session", victimSessionId));
    const unknown = await revoke(toGlobalId("Session", 999_999));
    assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(foreign.body.errors?.[0].message, unknown.body.errors?.[0].message);
    assert.equal(await viewerWith(victim.accessToken), "ok");
  });

  test("the customer-number login is a session the customer's ADMIN sees and can end", async () => {
    const byNumber = await login({ customerNumber: "1000001", password: DEMO_PASSWORD }, "Front desk PC");
    const admin = await login(adminOf1000001);
    const customerId = toGlobalId("Customer", (await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'"))[0].id);
    const list = await t.gql(
      `query($id: ID!) { customer(id: $id) { sessions { id userAgent } } }`,
      { id: customerId },
      bearer(admin.accessToken),
    );
    const session = list.body.data.customer.sessions.find((s: any) => s.userAgent === "Front desk PC");
    assert.ok(session, JSON.stringify(list.body));
    const billing = await login({ email: "buchhaltung@alpenblick.at", password: "Brand new password 2026" });
    const refused = await t.gql(
      `query($id: ID!) { customer(id: $id) { sessions { id } } }`,
      { id: customerId },
      bearer(billing.accessToken),
    );
    assert.equal(refused.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const end = await t.gql(`mutation($id: ID!) { authSessionRevoke(id: $id) { ok } }`, { id: session.id }, bearer(admin.accessToken));
    assert.equal(end.body.data.authSessionRevoke.ok, true);
    assert.equal(await viewerWith(byNumber.accessToken), "UNAUTHENTICATED");
  });

  test("last used is written at most once a minute per session, not on every request", async () => {
    const session = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const [{ session_id: id }] = await t.app.db.query("SELECT session_id FROM refresh_tokens ORDER BY id DESC LIMIT 1");
    const old = new Date("2026-01-01T00:00:00Z");
    await t.app.db.query("UPDATE sessions SET last_used_at = ? WHERE id = ?", [old, id]);
    const lastUsed = async () => (await t.app.db.query("SELECT last_used_at FROM sessions WHERE id = ?", [id]))[0].last_used_at as Date;
    assert.equal(await viewerWith(session.accessToken), "ok");
    await eventually(async () => ((await lastUsed()).getTime() > old.getTime() ? true : undefined), 5000, "last used noted");
    // Within the minute: more requests write nothing.
    await t.app.db.query("UPDATE sessions SET last_used_at = ? WHERE id = ?", [old, id]);
    for (let i = 0; i < 3; i++) assert.equal(await viewerWith(session.accessToken), "ok");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await lastUsed()).getTime(), old.getTime());
  });
});

describe("user changes by the customer's ADMIN take effect on the next request", () => {
  const userGid = async (email: string) =>
    toGlobalId("User", (await t.app.db.query("SELECT id FROM users WHERE email = ?", [email]))[0].id);
  const customerGid = async () =>
    toGlobalId("Customer", (await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'"))[0].id);
  const contactsWith = async (token: string) => {
    const res = await t.gql(`query($id: ID!) { customer(id: $id) { contacts { id } } }`, { id: await customerGid() }, bearer(token));
    return res.body.errors?.[0]?.extensions?.code ?? "ok";
  };

  test("a removed user's old access token is refused, and a refresh no longer reaches the customer", async () => {
    const admin = await login(adminOf1000001);
    const employee = await login({ email: "technik@alpenblick.at", password: DEMO_PASSWORD });
    assert.equal(await contactsWith(employee.accessToken), "ok");
    const removal = await t.gql(
      `mutation($c: ID!, $u: ID!) { portalUserRemove(customerId: $c, userId: $u) { ok userErrors { code } } }`,
      { c: await customerGid(), u: await userGid("technik@alpenblick.at") },
      bearer(admin.accessToken),
    );
    assert.deepEqual(removal.body.data.portalUserRemove, { ok: true, userErrors: [] });
    assert.equal(await viewerWith(employee.accessToken), "UNAUTHENTICATED");
    const refreshed = (await t.gql(REFRESH, { t: employee.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(await contactsWith(refreshed.accessToken), "FORBIDDEN");
    assert.equal(await contactsWith(admin.accessToken), "ok");
  });

  test("a role change refuses the old token; the refreshed one carries the new role", async () => {
    const admin = await login(adminOf1000001);
    const reader = await login({ email: "lesen@alpenblick.at", password: DEMO_PASSWORD });
    assert.equal(await contactsWith(reader.accessToken), "FORBIDDEN");
    const change = await t.gql(
      `mutation($c: ID!, $u: ID!) { portalUserRoleChange(customerId: $c, userId: $u, role: BILLING) { userErrors { code } } }`,
      { c: await customerGid(), u: await userGid("lesen@alpenblick.at") },
      bearer(admin.accessToken),
    );
    assert.deepEqual(change.body.data.portalUserRoleChange.userErrors, []);
    assert.equal(await viewerWith(reader.accessToken), "UNAUTHENTICATED");
    const refreshed = (await t.gql(REFRESH, { t: reader.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(await contactsWith(refreshed.accessToken), "ok");
  });

  test("a disabled login's sessions end: access and refresh tokens are refused", async () => {
    const admin = await login(adminOf1000001);
    const leaver = await login({ email: "buchhaltung@alpenblick.at", password: "Brand new password 2026" });
    const disable = await t.gql(
      `mutation($c: ID!, $u: ID!) { portalUserDisable(customerId: $c, userId: $u) { userErrors { code } } }`,
      { c: await customerGid(), u: await userGid("buchhaltung@alpenblick.at") },
      bearer(admin.accessToken),
    );
    assert.deepEqual(disable.body.data.portalUserDisable.userErrors, []);
    assert.equal(await viewerWith(leaver.accessToken), "UNAUTHENTICATED");
    const refreshed = (await t.gql(REFRESH, { t: leaver.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(refreshed.userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });
});

describe("while Redis is unreachable", () => {
  test("each process decides from its mirror of the revocations for a bounded time, then refuses tokens with SERVICE_UNAVAILABLE", async () => {
    const redis = await startPrivateRedis({ appendonly: false });
    const own = await startTestApp({ REDIS_URL: redis.url, TRUST_PROXY: "true", REVOCATION_OUTAGE_GRACE: "3s" });
    try {
      await seedDemoData(own.app.db, { customers: 2 });
      const signIn = async () => (await own.gql(LOGIN, { input: adminOf1000001 }, anonymous())).body.data.authLogin;
      const [loggedOut, live] = [await signIn(), await signIn()];
      await own.gql(`mutation { authLogout { ok } }`, {}, bearer(loggedOut.accessToken));
      assert.equal(await viewerWith(loggedOut.accessToken, own), "UNAUTHENTICATED");
      await redis.kill();
      // Within the grace: what was revoked stays revoked, the rest works (writes too: the outbox keeps their mail).
      assert.equal(await viewerWith(loggedOut.accessToken, own), "UNAUTHENTICATED");
      assert.equal(await viewerWith(live.accessToken, own), "ok");
      // Revoking cannot be recorded now, so it is refused and changes nothing.
      const logout = await own.gql(`mutation { authLogout { ok } }`, {}, bearer(live.accessToken));
      assert.equal(logout.body.errors?.[0].extensions?.code, "SERVICE_UNAVAILABLE");
      assert.equal(await viewerWith(live.accessToken, own), "ok");
      // After the grace the mirror is too old to trust: fail closed.
      const refused = await eventually(
        async () => {
          const res = await own.gql(`{ viewer { name } }`, {}, bearer(live.accessToken));
          return res.status === 503 ? res : undefined;
        },
        10_000,
        "the grace to end",
      );
      assert.equal(refused.body.errors?.[0].extensions?.code, "SERVICE_UNAVAILABLE");
      assert.ok(!JSON.stringify(refused.body).includes("    at "), "no stack trace");
      assert.equal((await own.gql(`{ __typename }`, {}, anonymous())).status, 200, "anonymous requests still work");
      // Back up (empty: no persistence here), the live token works again; the app shuts down cleanly.
      await redis.restart();
      await eventually(async () => ((await viewerWith(live.accessToken, own)) === "ok" ? true : undefined), 15_000, "Redis back");
    } finally {
      await own.stop();
      await redis.remove();
    }
  });
});

describe("password hashing", () => {
  test("the production default meets OWASP's minimum for scrypt", async () => {
    const productionEnv = {
      ...testEnv(),
      ...PRODUCTION_SELLER,
      NODE_ENV: "production",
      PUBLIC_URL: "https://konto.example.com",
      SMTP_URL: "smtp://relay.example",
      LINK_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
      WEBAUTHN_ORIGINS: "https://portal.konto.example.com",
      TOTP_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 8).toString("base64")}`,
      METRICS_TOKEN: "metrics-token-for-the-test",
      PASSWORD_HASH_COST: "",
    };
    const production = loadConfig(productionEnv);
    assert.deepEqual(production.passwordHashCost, OWASP_SCRYPT_COST);
    assert.ok(meetsOwaspMinimum(production.passwordHashCost));
    assert.throws(() => loadConfig({ ...productionEnv, PASSWORD_HASH_COST: "N=32768,r=8,p=1" }), /OWASP/);
    configurePasswordHashing(production.passwordHashCost);
    try {
      const hash = await hashPassword("A long enough password");
      assert.match(hash, /^scrypt\$32768\$8\$3\$/);
      assert.equal(await verifyPassword("A long enough password", hash), true);
      assert.equal(await verifyPassword("A long enough passwort", hash), false);
    } finally {
      configurePasswordHashing(t.config.passwordHashCost);
    }
  });

  test("a hash runs off the event loop: other callbacks run while it is computed", async () => {
    let ticked = false;
    setImmediate(() => (ticked = true));
    await hashPassword("A long enough password");
    assert.equal(ticked, true);
  });

  test("a hash with older parameters still verifies and is replaced at the next successful login", async () => {
    configurePasswordHashing({ N: 1024, r: 8, p: 1 });
    const oldHash = await hashPassword(DEMO_PASSWORD);
    configurePasswordHashing(t.config.passwordHashCost);
    await t.app.db.query("UPDATE users SET password_hash = ? WHERE email = ?", [oldHash, "admin@isarwerk.de"]);
    await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const [{ password_hash: stored }] = await t.app.db.query("SELECT password_hash FROM users WHERE email = ?", ["admin@isarwerk.de"]);
    const { N, r, p } = t.config.passwordHashCost;
    assert.ok(stored.startsWith(`scrypt$${N}$${r}$${p}$`), stored);
    assert.equal(await verifyPassword(DEMO_PASSWORD, stored), true);
    await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
  });
});

describe("node(id:)", () => {
  test("a foreign id and an unknown id of every type get one identical refusal", async () => {
    const session = await login(adminOf1000001);
    const [foreign] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000002'");
    const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? LIMIT 1", [foreign.id]);
    const answers = new Set<string>();
    for (const id of [
      toGlobalId("Customer", foreign.id),
      toGlobalId("Customer", 999_999),
      toGlobalId("Contact", contact.id),
      toGlobalId("Contact", 999_999),
      toGlobalId("Invoice", 999_999),
      toGlobalId("Reseller", 1),
      toGlobalId("MaintenanceAnnouncement", 999_999),
      "bm90IGFuIGlk",
    ]) {
      const res = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, bearer(session.accessToken));
      const [error] = res.body.errors ?? [];
      answers.add(JSON.stringify({ code: error?.extensions?.code, message: error?.message, data: res.body.data }));
    }
    assert.equal(answers.size, 1, [...answers].join("\n"));
    assert.match([...answers][0], /FORBIDDEN/);
  });
});
