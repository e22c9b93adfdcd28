import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { decodeJwt } from "jose";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import * as OTPAuth from "otpauth";
import { startTestApp, TestApp } from "./support/harness";
import { SoftAuthenticator } from "./support/soft-authenticator";

// The second factor's policy and step-up: a customer's requirement holds its users to enrolment,
// sensitive changes need a recent sign-in, and authReauthenticate gives one.
let t: TestApp;
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true" });
  await seedDemoData(t.app.db, { customers: 4 });
});
after(() => t?.stop());

const LOGIN = `mutation($input: AuthLoginInput!) {
  authLogin(input: $input) { accessToken refreshToken secondFactorRequired secondFactorChallenge secondFactorMethods userErrors { code } } }`;
const REFRESH = `mutation($t: String!) { authRefresh(refreshToken: $t) { accessToken refreshToken userErrors { code } } }`;
const REAUTH = `mutation($i: AuthReauthenticateInput!) { authReauthenticate(input: $i) { accessToken userErrors { code } } }`;
const anonymous = () => ({ authorization: "", "x-forwarded-for": freshIp() });
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "x-forwarded-for": freshIp() });

async function login(input: Record<string, string>) {
  return (await t.gql(LOGIN, { input }, anonymous())).body.data.authLogin;
}

const customerId = async (number: string) =>
  toGlobalId("Customer", (await t.app.db.query("SELECT id FROM customers WHERE customer_number = ?", [number]))[0].id);

/** A session whose sign-in is `minutes` old: the session row is backdated and the token refreshed. */
async function signedInMinutesAgo(email: string, minutes: number) {
  const session = await login({ email, password: DEMO_PASSWORD });
  const [{ session_id: id }] = await t.app.db.query("SELECT session_id FROM refresh_tokens ORDER BY id DESC LIMIT 1");
  await t.app.db.query("UPDATE sessions SET authenticated_at = ? WHERE id = ?", [new Date(Date.now() - minutes * 60_000), id]);
  return (await t.gql(REFRESH, { t: session.refreshToken }, anonymous())).body.data.authRefresh;
}

describe("tokens say how the session signed in", () => {
  test("a password login is aal1 with amr pwd and auth_time; a refresh keeps the time", async () => {
    const session = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD });
    const claims = decodeJwt(session.accessToken);
    assert.deepEqual(claims.amr, ["pwd"]);
    assert.equal(claims.acr, "aal1");
    assert.ok(Math.abs(Number(claims.auth_time) - Date.now() / 1000) < 5);
    const old = await signedInMinutesAgo("admin@alpenblick.at", 30);
    const refreshed = decodeJwt(old.accessToken);
    assert.ok(Date.now() / 1000 - Number(refreshed.auth_time) > 29 * 60, "the refresh kept the old sign-in time");
  });
});

describe("step-up", () => {
  const SENSITIVE: Record<string, (ids: { a: string; contact: string; user: string; reseller: string }) => string> = {
    customerPaymentMethodUpdate: ({ a }) =>
      `mutation { customerPaymentMethodUpdate(customerId: "${a}", input: { method: SEPA_DIRECT_DEBIT, sepa: { iban: "AT483200000012345864", accountHolder: "X" } }) { userErrors { code } } }`,
    customerPinRegenerate: ({ a }) => `mutation { customerPinRegenerate(customerId: "${a}") { userErrors { code } } }`,
    contactPhonePasswordSet: ({ contact }) =>
      `mutation { contactPhonePasswordSet(contactId: "${contact}", password: "Phone-2026") { userErrors { code } } }`,
    customerEmailUpdate: ({ a }) =>
      `mutation { customerEmailUpdate(customerId: "${a}", email: "new@alpenblick.example") { userErrors { code } } }`,
    contactUpdate: ({ contact }) =>
      `mutation { contactUpdate(contactId: "${contact}", input: { email: "other@alpenblick.example" }) { userErrors { code } } }`,
    authLoginEmailUpdate: () => `mutation { authLoginEmailUpdate(email: "me@alpenblick.example") { userErrors { code } } }`,
    portalUserInvite: ({ a }) =>
      `mutation { portalUserInvite(customerId: "${a}", email: "new.user@alpenblick.example", role: BILLING) { userErrors { code } } }`,
    portalUserRoleChange: ({ a, user }) =>
      `mutation { portalUserRoleChange(customerId: "${a}", userId: "${user}", role: BILLING) { userErrors { code } } }`,
    portalUserRemove: ({ a, user }) => `mutation { portalUserRemove(customerId: "${a}", userId: "${user}") { userErrors { code } } }`,
    portalUserDisable: ({ a, user }) => `mutation { portalUserDisable(customerId: "${a}", userId: "${user}") { userErrors { code } } }`,
    customerPasswordSet: ({ a }) =>
      `mutation { customerPasswordSet(input: { customerId: "${a}", currentPassword: "${DEMO_PASSWORD}", newPassword: "Another long password 1" }) { userErrors { code } } }`,
    customerUpdate: ({ a }) =>
      `mutation { customerUpdate(customerId: "${a}", input: { version: 1, ipAllowlist: ["203.0.113.0/24"] }) { userErrors { code } } }`,
    customerSecondFactorRequirementSet: ({ a }) =>
      `mutation { customerSecondFactorRequirementSet(customerId: "${a}", required: false) { userErrors { code } } }`,
  };

  test("every sensitive change refuses an old sign-in with REAUTHENTICATION_REQUIRED and changes nothing", async () => {
    const stale = await signedInMinutesAgo("admin@alpenblick.at", 10);
    const [contact] = await t.app.db.query(
      "SELECT k.id FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE c.customer_number = '1000001' ORDER BY k.id LIMIT 1",
    );
    const [user] = await t.app.db.query("SELECT id FROM users WHERE email = 'technik@alpenblick.at'");
    const ids = {
      a: await customerId("1000001"),
      contact: toGlobalId("Contact", contact.id),
      user: toGlobalId("User", user.id),
      reseller: "",
    };
    const audit = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM audit_log"))[0].n);
    const before = await audit();
    const wrong: string[] = [];
    for (const [name, query] of Object.entries(SENSITIVE)) {
      const res = await t.gql(query(ids), {}, bearer(stale.accessToken));
      const codes = (Object.values(res.body.data ?? {})[0] as any)?.userErrors?.map((e: any) => e.code);
      if (JSON.stringify(codes) !== JSON.stringify(["REAUTHENTICATION_REQUIRED"])) wrong.push(`${name}: ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(await audit(), before, "nothing was changed");
    const pin = await t.gql(`query($id: ID!) { customer(id: $id) { pin } }`, { id: ids.a }, bearer(stale.accessToken));
    assert.equal(pin.body.errors?.[0].extensions?.code, "REAUTHENTICATION_REQUIRED");
    // One's own second factors.
    const enrol = await t.gql(`mutation { secondFactorTotpEnrolStart { secret userErrors { code } } }`, {}, bearer(stale.accessToken));
    assert.deepEqual(enrol.body.data.secondFactorTotpEnrolStart, { secret: null, userErrors: [{ code: "REAUTHENTICATION_REQUIRED" }] });
  });

  test("a staff ADMIN with an old sign-in cannot create an API client", async () => {
    const hash = (await t.app.db.query("SELECT password_hash FROM users WHERE email = 'admin@alpenblick.at'"))[0].password_hash;
    await t.app.db.query(
      "INSERT INTO users (kind, email, display_name, password_hash, staff_role, password_changed_at) VALUES ('STAFF', 'stepup-staff@provider.example', 'Ops', ?, 'ADMIN', NOW(3))",
      [hash],
    );
    const stale = await signedInMinutesAgo("stepup-staff@provider.example", 10);
    const [reseller] = await t.app.db.query("SELECT id FROM resellers ORDER BY id LIMIT 1");
    const res = await t.gql(
      `mutation($r: ID!) { resellerApiClientCreate(resellerId: $r, name: "Billing sync") { clientSecret userErrors { code } } }`,
      { r: toGlobalId("Reseller", reseller.id) },
      bearer(stale.accessToken),
    );
    assert.deepEqual(res.body.data.resellerApiClientCreate, { clientSecret: null, userErrors: [{ code: "REAUTHENTICATION_REQUIRED" }] });
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM api_clients WHERE name = 'Billing sync'"))[0].n), 0);
  });

  test("authReauthenticate with the password gives a token that may; a wrong password does not", async () => {
    const stale = await signedInMinutesAgo("admin@alpenblick.at", 10);
    const wrong = await t.gql(REAUTH, { i: { password: "not the password at all" } }, bearer(stale.accessToken));
    assert.deepEqual(wrong.body.data.authReauthenticate.userErrors, [{ code: "INVALID_CREDENTIALS" }]);
    const fresh = (await t.gql(REAUTH, { i: { password: DEMO_PASSWORD } }, bearer(stale.accessToken))).body.data.authReauthenticate;
    assert.deepEqual(fresh.userErrors, []);
    const pin = await t.gql(
      `query($id: ID!) { customer(id: $id) { pin } }`,
      { id: await customerId("1000001") },
      bearer(fresh.accessToken),
    );
    assert.match(pin.body.data.customer.pin, /^\d{6}$/);
    // The session keeps the new time: a refresh of it may too.
    const [{ authenticated_at: at }] = await t.app.db.query("SELECT authenticated_at FROM sessions ORDER BY authenticated_at DESC LIMIT 1");
    assert.ok(Date.now() - at.getTime() < 60_000);
  });
});

describe("re-authentication guesses", () => {
  test("sent in parallel, they get no more tries than one by one", async () => {
    const session = await login({ email: "admin@isarwerk.de", password: DEMO_PASSWORD });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => t.gql(REAUTH, { i: { password: "a wrong guess, long enough" } }, bearer(session.accessToken))),
    );
    const codes = answers.map((a) => a.body.data.authReauthenticate.userErrors[0]?.code);
    assert.ok(codes.filter((c) => c === "INVALID_CREDENTIALS").length <= 5, codes.join(", "));
    assert.ok(codes.includes("RATE_LIMITED"), codes.join(", "));
  });
});

describe("a customer's requirement of a second factor", () => {
  const SET = `mutation($c: ID!, $r: Boolean!) { customerSecondFactorRequirementSet(customerId: $c, required: $r) { customer { secondFactorRequired } userErrors { code } } }`;

  test("holds users without one to enrolment from the next request, and refuses the customer-number login", async () => {
    const admin = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD });
    const number = await login({ customerNumber: "1000001", password: DEMO_PASSWORD });
    assert.ok(number.accessToken, JSON.stringify(number));
    const a = await customerId("1000001");
    const on = await t.gql(SET, { c: a, r: true }, bearer(admin.accessToken));
    assert.deepEqual(on.body.data.customerSecondFactorRequirementSet, { customer: { secondFactorRequired: true }, userErrors: [] });

    // The ADMIN's old token is refused; refreshed, it may only enrol.
    const old = await t.gql(`{ viewer { name } }`, {}, bearer(admin.accessToken));
    assert.equal(old.body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    const held = (await t.gql(REFRESH, { t: admin.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(decodeJwt(held.accessToken).enr, true);
    const customers = await t.gql(`{ customers(first: 5) { totalCount } }`, {}, bearer(held.accessToken));
    assert.equal(customers.body.errors?.[0].extensions?.code, "SECOND_FACTOR_ENROLMENT_REQUIRED");
    assert.equal(customers.body.data?.customers ?? null, null);
    const viewer = await t.gql(`{ viewer { name } }`, {}, bearer(held.accessToken));
    assert.equal(viewer.body.errors, undefined);
    // Not through viewer either: the memberships are hidden, and role-guarded fields refused at any depth.
    const nested = await t.gql(`{ viewer { memberships { customer { contacts { email } pin } } } }`, {}, bearer(held.accessToken));
    assert.deepEqual(nested.body.data?.viewer?.memberships ?? [], []);
    assert.ok(!JSON.stringify(nested.body).includes("@"), JSON.stringify(nested.body));
    // A new login is held the same way.
    const again = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD });
    assert.equal(decodeJwt(again.accessToken).enr, true);

    // The customer-number login without a factor of its own: its sessions ended, new logins refused.
    assert.equal((await t.gql(`{ viewer { name } }`, {}, bearer(number.accessToken))).body.errors?.[0].extensions?.code, "UNAUTHENTICATED");
    const refused = await login({ customerNumber: "1000001", password: DEMO_PASSWORD });
    assert.deepEqual(refused.userErrors, [{ code: "SECOND_FACTOR_REQUIRED" }]);
    assert.equal(refused.accessToken, null);

    // Staff switch it off again (a fresh staff token counts as a recent sign-in).
    const off = await t.gql(SET, { c: a, r: false });
    assert.deepEqual(off.body.data.customerSecondFactorRequirementSet.userErrors, []);
    const freed = await login({ email: "admin@alpenblick.at", password: DEMO_PASSWORD });
    assert.equal(decodeJwt(freed.accessToken).enr, undefined);
  });

  test("only the customer's ADMIN, its reseller and staff ADMINs set it", async () => {
    const billing = await login({ email: "buchhaltung@alpenblick.at", password: DEMO_PASSWORD });
    const res = await t.gql(SET, { c: await customerId("1000001"), r: true }, bearer(billing.accessToken));
    assert.equal(res.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(
      Number((await t.app.db.query("SELECT second_factor_required AS r FROM customers WHERE customer_number = '1000001'"))[0].r),
      0,
    );
  });
});

const SECOND = `mutation($i: AuthLoginSecondFactorInput!) { authLoginSecondFactor(input: $i) { accessToken refreshToken userErrors { code } } }`;

/** A TOTP code of `secret` for the time step `steps` from now (a used code cannot be replayed, so each use takes a later step). */
const totpCode = (secret: string, steps = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });

describe("logging in with a second factor", () => {
  const email = "technik@alpenblick.at";
  let secret = "";
  let recoveryCodes: string[] = [];

  test("a user enrols TOTP; then authLogin asks for it and authLoginSecondFactor completes with a real code at aal2", async () => {
    const session = await login({ email, password: DEMO_PASSWORD });
    const start = await t.gql(
      `mutation { secondFactorTotpEnrolStart { otpauthUri secret userErrors { code } } }`,
      {},
      bearer(session.accessToken),
    );
    secret = start.body.data.secondFactorTotpEnrolStart.secret;
    assert.match(start.body.data.secondFactorTotpEnrolStart.otpauthUri, /^otpauth:\/\/totp\//);
    const confirm = await t.gql(
      `mutation($c: String!) { secondFactorTotpEnrolConfirm(code: $c) { ok recoveryCodes userErrors { code } } }`,
      { c: totpCode(secret) },
      bearer(session.accessToken),
    );
    assert.equal(confirm.body.data.secondFactorTotpEnrolConfirm.ok, true, JSON.stringify(confirm.body));
    recoveryCodes = confirm.body.data.secondFactorTotpEnrolConfirm.recoveryCodes;
    assert.equal(recoveryCodes.length, 10);
    // Stored keyed: a dump of the table alone does not give the codes' plain SHA-256 to sweep for.
    const stored = (await t.app.db.query("SELECT code_hash FROM recovery_codes")).map((r: any) => r.code_hash.toString("hex"));
    const plain = recoveryCodes.map((c) => createHash("sha256").update(c.replace(/-/g, "").toLowerCase()).digest("hex"));
    assert.equal(stored.length, 10);
    assert.ok(!plain.some((h) => stored.includes(h)));

    const first = await login({ email, password: DEMO_PASSWORD });
    assert.equal(first.secondFactorRequired, true);
    assert.equal(first.accessToken, null, "no tokens before the second factor");
    assert.deepEqual(first.secondFactorMethods, ["TOTP", "RECOVERY_CODE"]);
    const wrong = await t.gql(SECOND, { i: { challenge: first.secondFactorChallenge, totpCode: "000000" } }, anonymous());
    assert.deepEqual(wrong.body.data.authLoginSecondFactor.userErrors, [{ code: "INVALID_SECOND_FACTOR" }]);
    // One code string throughout: computed again, it could be the next step's after a step boundary, which is a valid new code.
    const code = totpCode(secret, 1);
    const done = (await t.gql(SECOND, { i: { challenge: first.secondFactorChallenge, totpCode: code } }, anonymous())).body.data
      .authLoginSecondFactor;
    assert.deepEqual(done.userErrors, []);
    const claims = decodeJwt(done.accessToken);
    assert.deepEqual(claims.amr, ["pwd", "otp"]);
    assert.equal(claims.acr, "aal2");
    // The challenge is used up, and the same code cannot be replayed with a new one.
    const reuse = await t.gql(SECOND, { i: { challenge: first.secondFactorChallenge, totpCode: code } }, anonymous());
    assert.deepEqual(reuse.body.data.authLoginSecondFactor.userErrors, [{ code: "INVALID_SECOND_FACTOR" }]);
    const second = await login({ email, password: DEMO_PASSWORD });
    const replay = await t.gql(SECOND, { i: { challenge: second.secondFactorChallenge, totpCode: code } }, anonymous());
    assert.deepEqual(replay.body.data.authLoginSecondFactor.userErrors, [{ code: "INVALID_SECOND_FACTOR" }]);
    // A refresh keeps the level.
    const refreshed = (await t.gql(REFRESH, { t: done.refreshToken }, anonymous())).body.data.authRefresh;
    assert.equal(decodeJwt(refreshed.accessToken).acr, "aal2");
  });

  test("a recovery code completes a login once, and its use is emailed", async () => {
    const challenge = (await login({ email, password: DEMO_PASSWORD })).secondFactorChallenge;
    const done = (await t.gql(SECOND, { i: { challenge, recoveryCode: recoveryCodes[0] } }, anonymous())).body.data.authLoginSecondFactor;
    assert.deepEqual(done.userErrors, []);
    await t.mailbox.waitFor((m) => m.envelopeTo.includes(email) && /recovery|Wiederherstellung/i.test(m.parsed.subject ?? ""), 1, 15_000);
    const again = (await login({ email, password: DEMO_PASSWORD })).secondFactorChallenge;
    const reuse = await t.gql(SECOND, { i: { challenge: again, recoveryCode: recoveryCodes[0] } }, anonymous());
    assert.deepEqual(reuse.body.data.authLoginSecondFactor.userErrors, [{ code: "INVALID_SECOND_FACTOR" }]);
  });

  test("re-authentication asks for the second factor too", async () => {
    const challenge = (await login({ email, password: DEMO_PASSWORD })).secondFactorChallenge;
    // Every TOTP step around now is used up (a used code cannot be replayed): a recovery code signs in.
    const session = (await t.gql(SECOND, { i: { challenge, recoveryCode: recoveryCodes[2] } }, anonymous())).body.data
      .authLoginSecondFactor;
    assert.deepEqual(session.userErrors, []);
    const passwordOnly = await t.gql(REAUTH, { i: { password: DEMO_PASSWORD } }, bearer(session.accessToken));
    assert.deepEqual(passwordOnly.body.data.authReauthenticate.userErrors, [{ code: "INVALID_SECOND_FACTOR" }]);
    const both = await t.gql(REAUTH, { i: { password: DEMO_PASSWORD, recoveryCode: recoveryCodes[1] } }, bearer(session.accessToken));
    assert.deepEqual(both.body.data.authReauthenticate.userErrors, []);
  });

  test("a passkey: registered, then a second factor (aal2 with amr hwk), then a sign-in on its own", async () => {
    const user = "lesen@alpenblick.at";
    const authenticator = new SoftAuthenticator(new URL(t.config.publicUrl).origin);
    const session = await login({ email: user, password: DEMO_PASSWORD });
    const start = (await t.gql(`mutation { passkeyRegistrationStart { challengeId options } }`, {}, bearer(session.accessToken))).body.data
      .passkeyRegistrationStart;
    const finish = await t.gql(
      `mutation($c: ID!, $r: JSON!) { passkeyRegistrationFinish(challengeId: $c, response: $r, name: "Laptop") { userErrors { code } } }`,
      { c: start.challengeId, r: authenticator.register(start.options) },
      bearer(session.accessToken),
    );
    assert.deepEqual(finish.body.data.passkeyRegistrationFinish.userErrors, []);

    const first = (
      await t.gql(
        LOGIN.replace("secondFactorMethods", "secondFactorMethods passkeyOptions"),
        { input: { email: user, password: DEMO_PASSWORD } },
        anonymous(),
      )
    ).body.data.authLogin;
    assert.deepEqual(first.secondFactorMethods, ["PASSKEY", "RECOVERY_CODE"]);
    const done = (
      await t.gql(
        SECOND,
        { i: { challenge: first.secondFactorChallenge, passkey: authenticator.authenticate(first.passkeyOptions) } },
        anonymous(),
      )
    ).body.data.authLoginSecondFactor;
    assert.deepEqual(done.userErrors, []);
    assert.deepEqual(decodeJwt(done.accessToken).amr, ["pwd", "hwk"]);
    assert.equal(decodeJwt(done.accessToken).acr, "aal2");

    // Passwordless: the authenticator finds its credential for the site and verifies the user.
    const options = (await t.gql(`mutation { authPasskeyLoginStart { challengeId options } }`, {}, anonymous())).body.data
      .authPasskeyLoginStart;
    const alone = (
      await t.gql(
        `mutation($i: AuthPasskeyLoginInput!) { authPasskeyLogin(input: $i) { accessToken userErrors { code } } }`,
        { i: { challengeId: options.challengeId, response: authenticator.authenticate(options.options) } },
        anonymous(),
      )
    ).body.data.authPasskeyLogin;
    assert.deepEqual(alone.userErrors, []);
    assert.deepEqual(decodeJwt(alone.accessToken).amr, ["hwk"]);
    const viewer = await t.gql(`{ viewer { name } }`, {}, bearer(alone.accessToken));
    assert.match(viewer.body.data.viewer.name, /lesen@alpenblick\.at/);
  });

  test("staff reset a user's second factors: audited, emailed, and the password alone signs in again", async () => {
    const userId = toGlobalId("User", (await t.app.db.query("SELECT id FROM users WHERE email = ?", [email]))[0].id);
    const reset = await t.gql(`mutation($u: ID!) { staffSecondFactorReset(userId: $u) { ok } }`, { u: userId });
    assert.equal(reset.body.data.staffSecondFactorReset.ok, true, JSON.stringify(reset.body));
    const plain = await login({ email, password: DEMO_PASSWORD });
    assert.ok(plain.accessToken, JSON.stringify(plain));
    assert.notEqual(plain.secondFactorRequired, true);
    const [entry] = await t.app.db.query("SELECT action FROM audit_log WHERE action = 'user.second-factor.reset'");
    assert.ok(entry);
    await t.mailbox.waitFor(
      (m) => m.envelopeTo.includes(email) && /second factor|Faktor/i.test(`${m.parsed.subject} ${m.parsed.text}`),
      1,
      15_000,
    );
  });
});

describe("staff", () => {
  test("with STAFF_REQUIRE_SECOND_FACTOR on, a staff login without a second factor may only enrol", async () => {
    const strict = await startTestApp({ STAFF_REQUIRE_SECOND_FACTOR: "true" });
    try {
      const hash = (await t.app.db.query("SELECT password_hash FROM users WHERE email = 'admin@alpenblick.at'"))[0].password_hash;
      await strict.app.db.query(
        "INSERT INTO users (kind, email, display_name, password_hash, staff_role, password_changed_at) VALUES ('STAFF', 'ops@provider.example', 'Ops', ?, 'ADMIN', NOW(3))",
        [hash],
      );
      const res = await strict.gql(LOGIN, { input: { email: "ops@provider.example", password: DEMO_PASSWORD } }, { authorization: "" });
      const token = res.body.data.authLogin.accessToken;
      assert.equal(decodeJwt(token).enr, true);
      const list = await strict.gql(`{ customers(first: 1) { totalCount } }`, {}, { authorization: `Bearer ${token}` });
      assert.equal(list.body.errors?.[0].extensions?.code, "SECOND_FACTOR_ENROLMENT_REQUIRED");
    } finally {
      await strict.stop();
    }
  });
});
