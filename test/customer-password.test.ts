import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashPassword } from "../src/access/passwords";
import { AuthenticatedPrincipal, sha256 } from "../src/access/tokens";
import { RECOVERY_REPLY } from "../src/auth/recovery.service";
import { CustomerRole } from "../src/users/user.enums";
import { eventually, startTestApp, TestApp } from "./support/harness";
import { ReceivedMail } from "./support/mailbox";
import { placesHolding } from "./support/secrets";

// The customer password (the customer-number login): set and changed by the customer's ADMIN,
// recovered with an emailed link, and the security emails that tell the affected party about a
// changed password or login address. Over HTTP, with the real Redis and the SMTP sink.
let t: TestApp;
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;
const anonymous = () => ({ authorization: "", "x-forwarded-for": freshIp() });
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "x-forwarded-for": freshIp() });

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true" });
});
after(() => t?.stop());

const FIRST = "Erstes Kundenpasswort 2026";
const SECOND = "Zweites Kundenpasswort 2026";
const USER_PASSWORD = "Persönliches Passwort 2026";

interface Customer {
  gid: string;
  dbId: number;
  number: string;
  email: string;
}

let customerCount = 0;
/** A customer as staff create one (customerCreate): no customer password, no logins. */
async function createCustomer(): Promise<Customer> {
  const n = ++customerCount;
  const email = `office${n}@kundenpasswort.example`;
  const res = await t.gql(
    `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id customerNumber } userErrors { code } } }`,
    {
      i: {
        kind: "BUSINESS",
        companyName: `Kundenpasswort ${n} GmbH`,
        email,
        address: { street: "Passgasse 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
        contact: { firstName: "Pia", lastName: "Pass", email: `pia${n}@kundenpasswort.example` },
      },
    },
  );
  assert.deepEqual(res.body.data.customerCreate.userErrors, []);
  const { id, customerNumber } = res.body.data.customerCreate.customer;
  const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = ?", [customerNumber]);
  return { gid: id, dbId: row.id, number: customerNumber, email };
}

let userCount = 0;
/** A personal login of the customer with this role, and headers that act as it. */
async function userOf(
  customer: Customer,
  role: CustomerRole,
): Promise<{ id: number; email: string; headers: () => Promise<Record<string, string>> }> {
  const email = `user${++userCount}-${role.toLowerCase()}@kundenpasswort.example`;
  const result = await t.app.db.query(
    "INSERT INTO users (kind, email, display_name, password_hash) VALUES ('CUSTOMER', ?, 'Test User', ?)",
    [email, await hashPassword(USER_PASSWORD)],
  );
  const id = Number(result.insertId);
  await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [id, customer.dbId, role]);
  const principal: AuthenticatedPrincipal = {
    kind: "customer",
    userId: id,
    roles: new Map([[customer.dbId, role]]),
    label: email,
    sessionId: null,
  };
  return { id, email, headers: async () => ({ ...(await t.as(principal)), "x-forwarded-for": freshIp() }) };
}

const SET = `mutation($i: CustomerPasswordSetInput!) { customerPasswordSet(input: $i) { customer { hasCustomerPassword } userErrors { code field } } }`;
const LOGIN = `mutation($i: AuthLoginInput!) { authLogin(input: $i) { accessToken refreshToken userErrors { code } } }`;
const REFRESH = `mutation($t: String!) { authRefresh(refreshToken: $t) { refreshToken userErrors { code } } }`;
const REQUEST = `mutation($n: String!) { customerPasswordResetRequest(customerNumber: $n) { message userErrors { code retryAfter } } }`;
const RESET = `mutation($i: CustomerPasswordResetInput!) { customerPasswordReset(input: $i) { ok userErrors { code field } } }`;

async function setPassword(customer: Customer, headers: Record<string, string>, newPassword: string, currentPassword?: string) {
  const res = await t.gql(SET, { i: { customerId: customer.gid, newPassword, currentPassword } }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.customerPasswordSet;
}

async function loginByNumber(customer: Customer, password: string) {
  return (await t.gql(LOGIN, { i: { customerNumber: customer.number, password } }, anonymous())).body.data.authLogin;
}

const refresh = async (token: string) => (await t.gql(REFRESH, { t: token }, anonymous())).body.data.authRefresh;
const hashOf = async (customer: Customer) =>
  (await t.app.db.query("SELECT customer_password_hash AS h FROM customers WHERE id = ?", [customer.dbId]))[0].h as string | null;
const textOf = (mail: ReceivedMail) => `${mail.parsed.subject}\n${mail.parsed.text}\n${mail.parsed.html}`;
const isCustomerPasswordNotice = (m: ReceivedMail) => /Kundenpasswort wurde geändert/.test(m.parsed.subject ?? "");
const isResetLink = (m: ReceivedMail) => /reset-customer-password\?token=/.test(m.parsed.text ?? "");
const tokenIn = (mail: ReceivedMail) => /reset-customer-password\?token=([\w-]+)/.exec(mail.parsed.text ?? "")?.[1];

/** Waits until the worker finished the latest outbox row of this topic; then everything it would send was sent. */
async function workDone(topic: string): Promise<string> {
  const [row] = await t.app.db.query("SELECT MAX(id) AS id FROM outbox WHERE topic = ?", [topic]);
  return eventually(
    async () => {
      const [r] = await t.app.db.query("SELECT done_at FROM outbox WHERE id = ?", [row.id]);
      return r.done_at ? String(row.id) : undefined;
    },
    15_000,
    `outbox ${topic} done`,
  );
}

describe("setting the customer password", () => {
  test("a new customer's ADMIN sets it, the customer number logs in with it, and the main email is told", async () => {
    const customer = await createCustomer();
    const admin = await userOf(customer, CustomerRole.ADMIN);
    const before = await t.gql(`{ customer(id: "${customer.gid}") { hasCustomerPassword } }`, {}, await admin.headers());
    assert.equal(before.body.data.customer.hasCustomerPassword, false);
    assert.equal((await loginByNumber(customer, FIRST)).userErrors[0].code, "INVALID_CREDENTIALS", "no login before it is set");

    const set = await setPassword(customer, await admin.headers(), FIRST);
    assert.deepEqual(set, { customer: { hasCustomerPassword: true }, userErrors: [] });
    const session = await loginByNumber(customer, FIRST);
    assert.deepEqual(session.userErrors, []);
    assert.ok(session.accessToken);
    const seen = await t.gql(`{ customer(id: "${customer.gid}") { customerNumber } }`, {}, bearer(session.accessToken));
    assert.equal(seen.body.data.customer.customerNumber, customer.number);

    const [notice] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && isCustomerPasswordNotice(m));
    assert.match(notice.parsed.text ?? "", new RegExp(customer.number));
    assert.match(notice.parsed.text ?? "", /festgelegt/);
    assert.ok(!textOf(notice).includes(FIRST), "the email never holds the password");
    const [audit] = await t.app.db.query("SELECT action FROM audit_log WHERE customer_id = ? AND action LIKE 'customer.password.%'", [
      customer.dbId,
    ]);
    assert.equal(audit.action, "customer.password.set");
  });

  test("once one exists the current one is required: missing or wrong is refused and nothing changes; a weak one is refused", async () => {
    const customer = await createCustomer();
    const admin = await userOf(customer, CustomerRole.ADMIN);
    await setPassword(customer, await admin.headers(), FIRST);
    const stored = await hashOf(customer);
    const outboxRows = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM outbox"))[0].n);
    const rowsBefore = await outboxRows();

    const missing = await setPassword(customer, await admin.headers(), SECOND);
    assert.deepEqual(missing.userErrors, [{ code: "INVALID_INPUT", field: ["input", "currentPassword"] }]);
    const wrong = await setPassword(customer, await admin.headers(), SECOND, "Falsches Passwort 2026");
    assert.deepEqual(wrong, { customer: null, userErrors: [{ code: "INVALID_CREDENTIALS", field: ["input", "currentPassword"] }] });
    const weak = await setPassword(customer, await admin.headers(), "passwort1234", FIRST);
    assert.deepEqual(weak.userErrors, [{ code: "WEAK_PASSWORD", field: ["input", "newPassword"] }]);

    assert.equal(await hashOf(customer), stored, "the customer password is unchanged");
    assert.equal(await outboxRows(), rowsBefore, "no email was queued");
    assert.deepEqual((await loginByNumber(customer, FIRST)).userErrors, []);
    assert.equal((await loginByNumber(customer, SECOND)).userErrors[0].code, "INVALID_CREDENTIALS");

    const changed = await setPassword(customer, await admin.headers(), SECOND, FIRST);
    assert.deepEqual(changed.userErrors, []);
    assert.deepEqual((await loginByNumber(customer, SECOND)).userErrors, []);
    assert.equal((await loginByNumber(customer, FIRST)).userErrors[0].code, "INVALID_CREDENTIALS");
  });

  test("after 5 wrong current passwords a change is RATE_LIMITED, even with the right one", async () => {
    const customer = await createCustomer();
    const admin = await userOf(customer, CustomerRole.ADMIN);
    await setPassword(customer, await admin.headers(), FIRST);
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await setPassword(customer, await admin.headers(), SECOND, `Falsch ${i} 2026 xyz`)).userErrors[0].code,
        "INVALID_CREDENTIALS",
      );
    }
    const limited = await setPassword(customer, await admin.headers(), SECOND, FIRST);
    assert.equal(limited.userErrors[0].code, "RATE_LIMITED");
    assert.deepEqual((await loginByNumber(customer, FIRST)).userErrors, [], "still the first one");
  });

  test("the customer-number login changes it itself: its own session goes on, every other one ends", async () => {
    const customer = await createCustomer();
    const admin = await userOf(customer, CustomerRole.ADMIN);
    await setPassword(customer, await admin.headers(), FIRST);
    const mine = await loginByNumber(customer, FIRST);
    const other = await loginByNumber(customer, FIRST);

    const changed = await setPassword(customer, bearer(mine.accessToken), SECOND, FIRST);
    assert.deepEqual(changed.userErrors, []);
    assert.equal((await refresh(other.refreshToken)).userErrors[0].code, "INVALID_REFRESH_TOKEN");
    const kept = await refresh(mine.refreshToken);
    assert.deepEqual(kept.userErrors, []);

    // A change by an ADMIN user ends every customer-number session, that one too.
    await setPassword(customer, await admin.headers(), FIRST, SECOND);
    assert.equal((await refresh(kept.refreshToken)).userErrors[0].code, "INVALID_REFRESH_TOKEN");
  });

  test("READ_ONLY and BILLING users, the reseller's and staff's tokens and other customers' ADMINs are FORBIDDEN", async () => {
    const customer = await createCustomer();
    const stranger = await createCustomer();
    const callers = [
      await (await userOf(customer, CustomerRole.READ_ONLY)).headers(),
      await (await userOf(customer, CustomerRole.BILLING)).headers(),
      await (await userOf(customer, CustomerRole.TECHNICAL)).headers(),
      await (await userOf(stranger, CustomerRole.ADMIN)).headers(),
      { "x-forwarded-for": freshIp() }, // staff ADMIN: they send the customer the forgot link instead
    ];
    for (const headers of callers) {
      const res = await t.gql(SET, { i: { customerId: customer.gid, newPassword: FIRST } }, headers);
      assert.equal(res.body.errors?.[0].extensions?.code, "FORBIDDEN");
    }
    // An unknown customer id gets the very same answer.
    const unknown = await t.gql(SET, { i: { customerId: "Q3VzdG9tZXI6OTk5OTk5", newPassword: FIRST } }, callers[3]);
    assert.equal(unknown.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(await hashOf(customer), null);
    const readOnly = await t.gql(`{ customer(id: "${customer.gid}") { hasCustomerPassword } }`, {}, callers[0]);
    assert.equal(readOnly.body.errors?.[0].extensions?.code, "FORBIDDEN", "the restricted login does not see it");
  });
});

describe("the forgot flow", () => {
  test("the same reply and work for an unknown number, no mail for it; the main email gets a link that works once", async () => {
    const customer = await createCustomer();
    const admin = await userOf(customer, CustomerRole.ADMIN);
    await setPassword(customer, await admin.headers(), FIRST);
    const session = await loginByNumber(customer, FIRST);

    const unknown = await t.gql(REQUEST, { n: "9999999" }, anonymous());
    const unknownOutbox = await workDone("customer-password-reset");
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM mail_deliveries WHERE outbox_id = ?", [unknownOutbox]))[0].n), 0);
    assert.equal(t.mailbox.messages.filter(isResetLink).length, 0, "no mail for an unknown number");

    const known = await t.gql(REQUEST, { n: customer.number }, anonymous());
    assert.deepEqual(known.body, unknown.body);
    assert.deepEqual(known.body.data.customerPasswordResetRequest, { message: RECOVERY_REPLY, userErrors: [] });
    const [mail] = await t.mailbox.waitFor((m) => isResetLink(m));
    assert.deepEqual(mail.envelopeTo, [customer.email]);
    assert.match(mail.parsed.text ?? "", new RegExp(customer.number));
    const token = tokenIn(mail)!;
    assert.deepEqual(await placesHolding(t.app.db, token), [], "only a hash is stored");

    const weak = await t.gql(RESET, { i: { token, newPassword: "passwort1234" } }, anonymous());
    assert.deepEqual(weak.body.data.customerPasswordReset, {
      ok: false,
      userErrors: [{ code: "WEAK_PASSWORD", field: ["input", "newPassword"] }],
    });
    const done = await t.gql(RESET, { i: { token, newPassword: SECOND } }, anonymous());
    assert.deepEqual(done.body.data.customerPasswordReset, { ok: true, userErrors: [] });
    const again = await t.gql(RESET, { i: { token, newPassword: "Noch ein anderes 2026" } }, anonymous());
    assert.deepEqual(again.body.data.customerPasswordReset.userErrors, [{ code: "INVALID_CREDENTIALS", field: ["input", "token"] }]);

    assert.deepEqual((await loginByNumber(customer, SECOND)).userErrors, []);
    assert.equal((await loginByNumber(customer, FIRST)).userErrors[0].code, "INVALID_CREDENTIALS");
    assert.equal((await refresh(session.refreshToken)).userErrors[0].code, "INVALID_REFRESH_TOKEN", "every session ended");
    const notices = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && isCustomerPasswordNotice(m), 2);
    assert.ok(
      notices.some((m) => /E-Mail-Link/.test(m.parsed.text ?? "")),
      "the reset is told as such",
    );
    assert.ok(!notices.some((m) => textOf(m).includes(SECOND)));
  });

  test("a customer without a customer password gets one through the link", async () => {
    const customer = await createCustomer();
    await t.gql(REQUEST, { n: customer.number }, anonymous());
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && isResetLink(m));
    const done = await t.gql(RESET, { i: { token: tokenIn(mail), newPassword: FIRST } }, anonymous());
    assert.equal(done.body.data.customerPasswordReset.ok, true);
    assert.deepEqual((await loginByNumber(customer, FIRST)).userErrors, []);
  });

  test("a link is refused once its hour is over, and the password stays", async () => {
    const customer = await createCustomer();
    await t.gql(REQUEST, { n: customer.number }, anonymous());
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && isResetLink(m));
    const token = tokenIn(mail)!;
    const [row] = await t.app.db.query("SELECT expires_at, created_at FROM customer_password_resets WHERE token_hash = ?", [sha256(token)]);
    assert.equal(row.expires_at.getTime() - row.created_at.getTime() < 3600_000 + 5_000, true, "valid for one hour");
    // The hour passes.
    await t.app.db.query("UPDATE customer_password_resets SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE token_hash = ?", [
      sha256(token),
    ]);
    const late = await t.gql(RESET, { i: { token, newPassword: FIRST } }, anonymous());
    assert.deepEqual(late.body.data.customerPasswordReset.userErrors, [{ code: "INVALID_CREDENTIALS", field: ["input", "token"] }]);
    assert.equal(await hashOf(customer), null);
  });

  test("requests are rate limited per customer number, alike for known and unknown numbers", async () => {
    const customer = await createCustomer();
    for (const number of [customer.number, "8888888"]) {
      for (let i = 0; i < 5; i++) {
        assert.deepEqual((await t.gql(REQUEST, { n: number }, anonymous())).body.data.customerPasswordResetRequest.userErrors, []);
      }
      const limited = (await t.gql(REQUEST, { n: number }, anonymous())).body.data.customerPasswordResetRequest;
      assert.equal(limited.userErrors[0].code, "RATE_LIMITED");
      assert.ok(limited.userErrors[0].retryAfter >= 1);
    }
  });
});

describe("merging a customer proven by its customer password", () => {
  test("a created customer whose ADMIN set the password is accepted as the source of a merge", async () => {
    const target = await createCustomer();
    const source = await createCustomer();
    const targetAdmin = await userOf(target, CustomerRole.ADMIN);
    await setPassword(source, await (await userOf(source, CustomerRole.ADMIN)).headers(), FIRST);
    assert.deepEqual((await loginByNumber(source, FIRST)).userErrors, []);

    const START = `mutation($c: ID!, $i: MergeStartInput!) { customerMergeStart(customerId: $c, input: $i) { mergeRequest { status } userErrors { code } } }`;
    const wrong = await t.gql(
      START,
      { c: target.gid, i: { customerNumber: source.number, customerPassword: SECOND } },
      await targetAdmin.headers(),
    );
    assert.equal(wrong.body.data.customerMergeStart.userErrors[0].code, "INVALID_CREDENTIALS");
    const started = await t.gql(
      START,
      { c: target.gid, i: { customerNumber: source.number, customerPassword: FIRST } },
      await targetAdmin.headers(),
    );
    assert.deepEqual(started.body.data.customerMergeStart, { mergeRequest: { status: "DRAFT" }, userErrors: [] });
  });
});

describe("security emails about logins", () => {
  const userLogin = async (email: string, password: string) =>
    (await t.gql(LOGIN, { i: { email, password } }, anonymous())).body.data.authLogin;
  const isPasswordNotice = (m: ReceivedMail) => /^Ihr Passwort wurde geändert/.test(m.parsed.subject ?? "");

  test("a changed and a reset password are told to the login's address, without the password", async () => {
    const customer = await createCustomer();
    const user = await userOf(customer, CustomerRole.TECHNICAL);
    const session = await userLogin(user.email, USER_PASSWORD);
    const CHANGE = `mutation($i: AuthPasswordChangeInput!) { authPasswordChange(input: $i) { ok userErrors { code } } }`;
    const changed = await t.gql(CHANGE, { i: { currentPassword: USER_PASSWORD, newPassword: FIRST } }, bearer(session.accessToken));
    assert.equal(changed.body.data.authPasswordChange.ok, true);
    const [notice] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(user.email) && isPasswordNotice(m));
    assert.match(notice.parsed.text ?? "", new RegExp(user.email.replace(/\./g, "\\.")));
    assert.ok(!textOf(notice).includes(FIRST));

    await t.gql(`mutation($e: EmailAddress!) { authPasswordResetRequest(email: $e) { message } }`, { e: user.email }, anonymous());
    const [link] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(user.email) && /reset-password\?token=/.test(m.parsed.text ?? ""));
    const token = /reset-password\?token=([\w-]+)/.exec(link.parsed.text ?? "")![1];
    const RESET_USER = `mutation($i: AuthPasswordResetInput!) { authPasswordReset(input: $i) { ok } }`;
    assert.equal((await t.gql(RESET_USER, { i: { token, newPassword: SECOND } }, anonymous())).body.data.authPasswordReset.ok, true);
    const notices = await t.mailbox.waitFor((m) => m.envelopeTo.includes(user.email) && isPasswordNotice(m), 2);
    assert.ok(notices.some((m) => /E-Mail-Link/.test(m.parsed.text ?? "")));
    assert.ok(!notices.some((m) => textOf(m).includes(SECOND) || textOf(m).includes(token)));
  });

  test("a confirmed new login address is told to the old address (the email-replaced message)", async () => {
    const customer = await createCustomer();
    const user = await userOf(customer, CustomerRole.BILLING);
    const newEmail = `moved-${user.id}@kundenpasswort.example`;
    const update = await t.gql(
      `mutation($e: EmailAddress!) { authLoginEmailUpdate(email: $e) { ok userErrors { code } } }`,
      { e: newEmail },
      await user.headers(),
    );
    assert.equal(update.body.data.authLoginEmailUpdate.ok, true);
    const [confirmation] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(newEmail));
    const token = /verify-email\?token=([\w-]+)/.exec(confirmation.parsed.text ?? "")![1];
    const confirmed = await t.gql(
      `mutation($t: String!) { emailVerificationConfirm(token: $t) { userErrors { code } } }`,
      { t: token },
      anonymous(),
    );
    assert.deepEqual(confirmed.body.data.emailVerificationConfirm.userErrors, []);
    const [told] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(user.email));
    assert.match(told.parsed.text ?? "", /Login-Adresse/);
    assert.match(told.parsed.text ?? "", new RegExp(newEmail.replace(/\./g, "\\.")));
    assert.deepEqual((await userLogin(newEmail, USER_PASSWORD)).userErrors, []);
  });
});
