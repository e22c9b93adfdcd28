import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { eventually, startTestApp, TestApp, confirmByLink } from "./support/harness";
import { ReceivedMail } from "./support/mailbox";
import { placesHolding } from "./support/secrets";

// A customer's ADMIN manages the portal users over GraphQL: invitations by email (read from the
// real SMTP sink), accepting them as a new or an existing login, roles, removal, disabling. The
// showcase customers 1000001 (Alpenblick: ADMIN, BILLING, TECHNICAL, READ_ONLY users) and
// 1000002 (Isarwerk: one ADMIN) write in English here, so the notices can be read.
let t: TestApp;
const customers: Record<string, { id: number; gid: string; email: string }> = {};
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;
const anonymous = () => ({ authorization: "", "x-forwarded-for": freshIp() });
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "x-forwarded-for": freshIp() });
const NEW_PASSWORD = "Portal user password 2026";

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true" });
  await seedDemoData(t.app.db, { customers: 4 });
  await t.app.db.query("UPDATE customers SET locale = 'en'");
  const rows = await t.app.db.query("SELECT id, customer_number, email FROM customers ORDER BY id LIMIT 3");
  for (const r of rows) customers[r.customer_number] = { id: r.id, gid: toGlobalId("Customer", r.id), email: r.email };
});
after(() => t?.stop());

async function login(email: string, password = DEMO_PASSWORD) {
  const res = await t.gql(
    `mutation($i: AuthLoginInput!) { authLogin(input: $i) { accessToken refreshToken userErrors { code } } }`,
    { i: { email, password } },
    anonymous(),
  );
  return res.body.data.authLogin as { accessToken: string | null; refreshToken: string | null; userErrors: { code: string }[] };
}

async function refresh(refreshToken: string) {
  const res = await t.gql(
    `mutation($t: String!) { authRefresh(refreshToken: $t) { accessToken refreshToken userErrors { code } } }`,
    { t: refreshToken },
    anonymous(),
  );
  return res.body.data.authRefresh as { accessToken: string | null; refreshToken: string | null; userErrors: { code: string }[] };
}

/** Runs a mutation and returns its payload; fails on top-level errors. */
async function call(query: string, variables: Record<string, unknown>, headers?: Record<string, string>) {
  const res = await t.gql(query, variables, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return Object.values(res.body.data as Record<string, any>)[0];
}

const INVITE = `mutation($c: ID!, $e: EmailAddress!, $r: CustomerRole!) {
  portalUserInvite(customerId: $c, email: $e, role: $r) { invitation { id email role invitedBy expiresAt } userErrors { code field message } } }`;
const ACCEPT = `mutation($i: PortalInvitationAcceptInput!) { portalInvitationAccept(input: $i) { ok userErrors { code field message } } }`;
const RESEND = `mutation($id: ID!) { portalInvitationResend(invitationId: $id) { invitation { id expiresAt } userErrors { code } } }`;
const CANCEL = `mutation($id: ID!) { portalInvitationCancel(invitationId: $id) { ok userErrors { code } } }`;
const ROLE = `mutation($c: ID!, $u: ID!, $r: CustomerRole!) { portalUserRoleChange(customerId: $c, userId: $u, role: $r) { user { email role status } userErrors { code field } } }`;
const REMOVE = `mutation($c: ID!, $u: ID!) { portalUserRemove(customerId: $c, userId: $u) { ok userErrors { code field } } }`;
const DISABLE = `mutation($c: ID!, $u: ID!) { portalUserDisable(customerId: $c, userId: $u) { user { email status } userErrors { code field } } }`;
const ENABLE = `mutation($c: ID!, $u: ID!) { portalUserEnable(customerId: $c, userId: $u) { user { email status } userErrors { code } } }`;
const USERS = `query($c: ID!) { customer(id: $c) { users { id email displayName role status lastLoginAt } invitations { id email role invitedBy expiresAt } } }`;

async function usersOf(customerGid: string, headers?: Record<string, string>) {
  const res = await t.gql(USERS, { c: customerGid }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.customer as { users: any[]; invitations: any[] };
}

async function userGid(email: string): Promise<string> {
  const [row] = await t.app.db.query("SELECT id FROM users WHERE email = ?", [email]);
  return toGlobalId("User", row.id);
}

const mailsTo = (address: string, subject: RegExp) => (m: ReceivedMail) =>
  m.envelopeTo.includes(address) && subject.test(m.parsed.subject ?? "");

/** The invitation link's token of the newest invitation mail to `address` (waits for the `count`-th). */
async function invitationToken(address: string, count = 1): Promise<string> {
  const mails = await t.mailbox.waitFor(mailsTo(address, /^Invitation to the customer portal/), count);
  const token = /accept-invitation\?token=([\w-]+)/.exec(mails[count - 1].parsed.text ?? "")?.[1];
  assert.ok(token, "the invitation mail has a link");
  return token;
}

async function customerNumbersSeenWith(token: string): Promise<string[]> {
  const res = await t.gql(`{ viewer { memberships { role customer { customerNumber } } } }`, {}, bearer(token));
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.viewer.memberships.map((m: any) => `${m.customer.customerNumber}:${m.role}`).sort();
}

describe("the lifecycle of a portal user, as the customer's ADMIN", () => {
  test("invite → link by mail → accept with a new password → sign in → role change → removal; each change mailed and audited", async () => {
    const alpen = customers["1000001"];
    const admin = await login("admin@alpenblick.at");
    assert.deepEqual(admin.userErrors, []);
    const asAdmin = bearer(admin.accessToken!);
    const address = "nina.neu@alpenblick.example";

    const invited = await call(INVITE, { c: alpen.gid, e: address, r: "TECHNICAL" }, asAdmin);
    assert.deepEqual(invited.userErrors, []);
    assert.equal(invited.invitation.email, address);
    assert.equal(invited.invitation.role, "TECHNICAL");
    assert.match(invited.invitation.invitedBy, /admin@alpenblick\.at/);
    const days = (new Date(invited.invitation.expiresAt).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `valid 7 days, not ${days}`);
    assert.deepEqual(
      (await usersOf(alpen.gid, asAdmin)).invitations.map((i) => [i.email, i.role]),
      [[address, "TECHNICAL"]],
    );

    const token = await invitationToken(address);
    assert.deepEqual(await placesHolding(t.app.db, token), [], "only the token's hash is stored");
    const [invitedNotice] = await t.mailbox.waitFor(mailsTo(alpen.email, /^Portal invitation sent/));
    assert.match(invitedNotice.parsed.text ?? "", /nina\.neu@alpenblick\.example was invited/);

    const weak = await call(ACCEPT, { i: { token, password: "password1234" } }, anonymous());
    assert.deepEqual(
      weak.userErrors.map((e: any) => [e.code, e.field]),
      [["WEAK_PASSWORD", ["input", "password"]]],
    );
    const accepted = await call(ACCEPT, { i: { token, password: NEW_PASSWORD, displayName: "Nina Neu" } }, anonymous());
    assert.deepEqual(accepted, { ok: true, userErrors: [] });
    const again = await call(ACCEPT, { i: { token, password: NEW_PASSWORD } }, anonymous());
    assert.equal(again.userErrors[0].code, "INVALID_LINK", "the link works once");

    // Listed before its first sign-in: lastLoginAt is still empty.
    const listed = await usersOf(alpen.gid, asAdmin);
    assert.deepEqual(listed.invitations, []);
    const ninaRow = listed.users.find((u) => u.email === address);
    assert.deepEqual(
      { ...ninaRow, id: undefined },
      {
        id: undefined,
        email: address,
        displayName: "Nina Neu",
        role: "TECHNICAL",
        status: "ACTIVE",
        lastLoginAt: null,
      },
    );
    const nina = await login(address, NEW_PASSWORD);
    assert.deepEqual(nina.userErrors, [], "the new login works at once: the link proved the address");
    assert.deepEqual(await customerNumbersSeenWith(nina.accessToken!), ["1000001:TECHNICAL"]);
    await t.mailbox.waitFor(mailsTo(address, /^New portal user/));
    await t.mailbox.waitFor(mailsTo(alpen.email, /^New portal user/));

    const changed = await call(ROLE, { c: alpen.gid, u: ninaRow.id, r: "BILLING" }, asAdmin);
    assert.deepEqual(changed, { user: { email: address, role: "BILLING", status: "ACTIVE" }, userErrors: [] });
    const [roleMail] = await t.mailbox.waitFor(mailsTo(address, /^Portal role changed/));
    assert.match(roleMail.parsed.text ?? "", /Your login now has the role billing/);
    await t.mailbox.waitFor(mailsTo(alpen.email, /^Portal role changed/));
    const renewed = await refresh(nina.refreshToken!);
    assert.deepEqual(await customerNumbersSeenWith(renewed.accessToken!), ["1000001:BILLING"]);

    const removed = await call(REMOVE, { c: alpen.gid, u: ninaRow.id }, asAdmin);
    assert.deepEqual(removed, { ok: true, userErrors: [] });
    await t.mailbox.waitFor(mailsTo(address, /^Portal access removed/));
    await t.mailbox.waitFor(mailsTo(alpen.email, /^Portal access removed/));
    assert.ok(!(await usersOf(alpen.gid, asAdmin)).users.some((u) => u.email === address));

    // Removal takes the customer away, nothing else: the session goes on, without it.
    const after = await refresh(renewed.refreshToken!);
    assert.deepEqual(after.userErrors, []);
    assert.deepEqual(await customerNumbersSeenWith(after.accessToken!), []);
    const seen = await t.gql(`query($c: ID!) { customer(id: $c) { customerNumber } }`, { c: alpen.gid }, bearer(after.accessToken!));
    assert.equal(seen.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.deepEqual((await login(address, NEW_PASSWORD)).userErrors, [], "the login itself stays");

    const audit = await t.app.db.query("SELECT action FROM audit_log WHERE customer_id = ? AND action LIKE 'user.%' ORDER BY id", [
      alpen.id,
    ]);
    assert.deepEqual(
      audit.map((a: any) => a.action),
      ["user.invited", "user.invitation.accepted", "user.role.changed", "user.removed"],
    );
  });

  test("a disabled login cannot sign in and its sessions end; enabled, it signs in again", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const address = "ole.ohm@alpenblick.example";
    await call(INVITE, { c: alpen.gid, e: address, r: "READ_ONLY" }, asAdmin);
    await call(ACCEPT, { i: { token: await invitationToken(address), password: NEW_PASSWORD } }, anonymous());
    const ole = await login(address, NEW_PASSWORD);
    const id = await userGid(address);

    const disabled = await call(DISABLE, { c: alpen.gid, u: id }, asAdmin);
    assert.deepEqual(disabled, { user: { email: address, status: "DISABLED" }, userErrors: [] });
    assert.equal((await refresh(ole.refreshToken!)).userErrors[0].code, "INVALID_REFRESH_TOKEN");
    assert.equal((await login(address, NEW_PASSWORD)).userErrors[0].code, "INVALID_CREDENTIALS");
    await t.mailbox.waitFor(mailsTo(address, /^Portal login disabled/));
    await t.mailbox.waitFor(mailsTo(alpen.email, /^Portal login disabled/));

    const enabled = await call(ENABLE, { c: alpen.gid, u: id }, asAdmin);
    assert.deepEqual(enabled, { user: { email: address, status: "ACTIVE" }, userErrors: [] });
    assert.deepEqual((await login(address, NEW_PASSWORD)).userErrors, []);
  });
});

describe("a registration waiting for its email confirmation", () => {
  test("reads PENDING_EMAIL, is neither disabled nor enabled by the ADMIN, and becomes ACTIVE when confirmed", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const [contact] = await t.app.db.query(
      "SELECT k.email FROM contacts k WHERE k.customer_id = ? AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = k.email) ORDER BY k.id LIMIT 1",
      [alpen.id],
    );
    // Proven by the latest invoice: a READ_ONLY login, so the customer's ADMINs stay as they are.
    const [invoice] = await t.app.db.query(
      "SELECT number FROM invoices WHERE customer_id = ? AND kind = 'INVOICE' ORDER BY issue_date DESC, id DESC LIMIT 1",
      [alpen.id],
    );
    const registered = await t.gql(
      `mutation($i: AuthRegisterInput!) { authRegister(input: $i) { message userErrors { code } } }`,
      {
        i: {
          customerNumber: "1000001",
          latestInvoiceNumber: invoice.number,
          email: contact.email,
          displayName: "Reg",
          password: NEW_PASSWORD,
        },
      },
      anonymous(),
    );
    assert.deepEqual(registered.body.data.authRegister.userErrors, []);
    const pending = await eventually(async () =>
      (await usersOf(alpen.gid, asAdmin)).users.find((u) => u.email === contact.email.toLowerCase()),
    );
    assert.equal(pending.status, "PENDING_EMAIL");
    assert.deepEqual(
      (await call(DISABLE, { c: alpen.gid, u: pending.id }, asAdmin)).userErrors.map((e: any) => e.code),
      ["REMOVE_INSTEAD"],
    );
    assert.deepEqual(
      (await call(ENABLE, { c: alpen.gid, u: pending.id }, asAdmin)).userErrors.map((e: any) => e.code),
      ["INVALID_INPUT"],
    );
    const [mail] = await t.mailbox.waitFor(
      (m) => m.envelopeTo.includes(contact.email.toLowerCase()) && /verify-email\?token=/.test(m.parsed.text ?? ""),
    );
    const link = /(http\S+verify-email\?token=[\w-]+)/.exec(mail.parsed.text ?? "")![1];
    await confirmByLink(link);
    const confirmed = (await usersOf(alpen.gid, asAdmin)).users.find((u) => u.email === contact.email.toLowerCase());
    assert.equal(confirmed.status, "ACTIVE");
  });
});

describe("an address that already has a login", () => {
  test("accepts only signed in as that login or with its current password, and then belongs to both customers", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    await call(INVITE, { c: alpen.gid, e: "admin@isarwerk.de", r: "READ_ONLY" }, asAdmin);
    const token = await invitationToken("admin@isarwerk.de");
    const [mail] = await t.mailbox.waitFor(mailsTo("admin@isarwerk.de", /^Invitation/));
    assert.match(mail.parsed.text ?? "", /You already have a login with this address/);

    const someoneElse = bearer((await login("buchhaltung@alpenblick.at")).accessToken!);
    for (const [input, headers] of [
      [{ token }, anonymous()],
      [{ token, password: "not the password at all" }, anonymous()],
      [{ token }, someoneElse],
    ] as const) {
      const refused = await call(ACCEPT, { i: input }, headers);
      assert.deepEqual(
        refused.userErrors.map((e: any) => [e.code, e.field]),
        [["INVALID_CREDENTIALS", ["input", "password"]]],
      );
    }
    const accepted = await call(ACCEPT, { i: { token, password: DEMO_PASSWORD } }, anonymous());
    assert.deepEqual(accepted, { ok: true, userErrors: [] });
    const isar = await login("admin@isarwerk.de");
    assert.deepEqual(await customerNumbersSeenWith(isar.accessToken!), ["1000001:READ_ONLY", "1000002:ADMIN"]);
    assert.deepEqual(
      (await login("admin@isarwerk.de", NEW_PASSWORD)).userErrors.map((e) => e.code),
      ["INVALID_CREDENTIALS"],
      "the password stays the login's own",
    );

    // A login of two customers cannot be disabled by one of them: it is removed instead.
    const disable = await call(DISABLE, { c: alpen.gid, u: await userGid("admin@isarwerk.de") }, asAdmin);
    assert.deepEqual(
      disable.userErrors.map((e: any) => e.code),
      ["REMOVE_INSTEAD"],
    );
  });

  test("signed in as that login, no password is needed", async () => {
    const isar = customers["1000002"];
    const asIsarAdmin = bearer((await login("admin@isarwerk.de")).accessToken!);
    await call(INVITE, { c: isar.gid, e: "technik@alpenblick.at", r: "TECHNICAL" }, asIsarAdmin);
    const token = await invitationToken("technik@alpenblick.at");
    const technik = await login("technik@alpenblick.at");
    assert.deepEqual(await call(ACCEPT, { i: { token } }, bearer(technik.accessToken!)), { ok: true, userErrors: [] });
    const renewed = await refresh(technik.refreshToken!);
    assert.deepEqual(await customerNumbersSeenWith(renewed.accessToken!), ["1000001:TECHNICAL", "1000002:TECHNICAL"]);
  });

  test("an invitation's reply and rows are the same for an address with and without a login", async () => {
    const third = Object.values(customers)[2];
    // As staff: the reply must not tell a login elsewhere (lesen@alpenblick.at) from none.
    const existing = await call(INVITE, { c: third.gid, e: "lesen@alpenblick.at", r: "BILLING" });
    const unknown = await call(INVITE, { c: third.gid, e: "niemand@nowhere.example", r: "BILLING" });
    const shape = (p: any) => ({ ...p, invitation: { ...p.invitation, id: "-", email: "-", expiresAt: "-" } });
    assert.deepEqual(shape(existing), shape(unknown));
    const rows = await t.app.db.query(
      "SELECT customer_id, role, invited_by, status, outbox_id IS NULL AS no_outbox, accepted_user_id FROM invitations WHERE customer_id = ? ORDER BY id",
      [third.id],
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], rows[1]);
  });
});

describe("refusals", () => {
  test("the last ADMIN cannot be demoted, removed or disabled", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const adminId = await userGid("admin@alpenblick.at");
    const before = await usersOf(alpen.gid, asAdmin);
    for (const [query, variables] of [
      [ROLE, { c: alpen.gid, u: adminId, r: "BILLING" }],
      [REMOVE, { c: alpen.gid, u: adminId }],
      [DISABLE, { c: alpen.gid, u: adminId }],
    ] as const) {
      const refused = await call(query, variables, asAdmin);
      assert.deepEqual(
        refused.userErrors.map((e: any) => e.code),
        ["LAST_ADMIN"],
      );
    }
    assert.deepEqual(await usersOf(alpen.gid, asAdmin), before, "nothing changed");
    // With a second ADMIN the first may step down.
    const lesen = await userGid("lesen@alpenblick.at");
    await call(ROLE, { c: alpen.gid, u: lesen, r: "ADMIN" }, asAdmin);
    assert.deepEqual((await call(ROLE, { c: alpen.gid, u: adminId, r: "TECHNICAL" }, asAdmin)).userErrors, []);
    // Back as it was, by the staff.
    await call(ROLE, { c: alpen.gid, u: adminId, r: "ADMIN" });
    await call(ROLE, { c: alpen.gid, u: lesen, r: "READ_ONLY" });
  });

  test("a BILLING user may neither see nor change the users", async () => {
    const alpen = customers["1000001"];
    const asBilling = bearer((await login("buchhaltung@alpenblick.at")).accessToken!);
    const list = await t.gql(USERS, { c: alpen.gid }, asBilling);
    assert.equal(list.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const invite = await t.gql(INVITE, { c: alpen.gid, e: "sneaky@nowhere.example", r: "ADMIN" }, asBilling);
    assert.equal(invite.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const promote = await t.gql(ROLE, { c: alpen.gid, u: await userGid("buchhaltung@alpenblick.at"), r: "ADMIN" }, asBilling);
    assert.equal(promote.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM invitations WHERE email = 'sneaky@nowhere.example'"))[0].n), 0);
  });

  test("another customer's user id is refused exactly like an unknown one", async () => {
    const alpen = customers["1000001"];
    const isar = customers["1000002"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const r = await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', 'only-isar@isarwerk.de', 'Isar')");
    await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, 'TECHNICAL')", [r.insertId, isar.id]);
    const isarOnly = toGlobalId("User", r.insertId);
    const answers = [];
    for (const [c, u] of [
      [alpen.gid, isarOnly],
      [alpen.gid, toGlobalId("User", 999999)],
      [isar.gid, isarOnly],
    ]) {
      const res = await t.gql(REMOVE, { c, u }, asAdmin);
      answers.push({ errors: res.body.errors?.map((e) => ({ message: e.message, code: e.extensions?.code })), data: res.body.data });
    }
    assert.equal(answers[0].errors?.[0].code, "FORBIDDEN");
    for (const answer of answers) assert.deepEqual(answer, answers[0]);
  });
});

describe("links", () => {
  test("a resend kills the old link; a cancelled or expired link is refused like an unknown one", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const unknown = await call(ACCEPT, { i: { token: "no-such-token", password: NEW_PASSWORD } }, anonymous());
    assert.deepEqual(
      unknown.userErrors.map((e: any) => e.code),
      ["INVALID_LINK"],
    );

    const address = "resend@alpenblick.example";
    const { invitation } = await call(INVITE, { c: alpen.gid, e: address, r: "BILLING" }, asAdmin);
    const first = await invitationToken(address, 1);
    const resent = await call(RESEND, { id: invitation.id }, asAdmin);
    assert.deepEqual(resent.userErrors, []);
    const second = await invitationToken(address, 2);
    assert.notEqual(first, second);
    assert.deepEqual(await call(ACCEPT, { i: { token: first, password: NEW_PASSWORD } }, anonymous()), unknown);
    assert.deepEqual(await call(ACCEPT, { i: { token: second, password: NEW_PASSWORD } }, anonymous()), { ok: true, userErrors: [] });

    const cancelledAddress = "cancelled@alpenblick.example";
    const cancelled = await call(INVITE, { c: alpen.gid, e: cancelledAddress, r: "BILLING" }, asAdmin);
    const cancelledToken = await invitationToken(cancelledAddress);
    assert.deepEqual(await call(CANCEL, { id: cancelled.invitation.id }, asAdmin), { ok: true, userErrors: [] });
    assert.deepEqual(await call(ACCEPT, { i: { token: cancelledToken, password: NEW_PASSWORD } }, anonymous()), unknown);

    const expiredAddress = "expired@alpenblick.example";
    const expiring = await call(INVITE, { c: alpen.gid, e: expiredAddress, r: "BILLING" }, asAdmin);
    const expiredToken = await invitationToken(expiredAddress);
    await t.app.db.query("UPDATE invitations SET expires_at = ? WHERE email = ?", [new Date(Date.now() - 1000), expiredAddress]);
    assert.deepEqual(await call(ACCEPT, { i: { token: expiredToken, password: NEW_PASSWORD } }, anonymous()), unknown);
    assert.deepEqual(
      (await login(expiredAddress, NEW_PASSWORD)).userErrors.map((e) => e.code),
      ["INVALID_CREDENTIALS"],
      "no login was made",
    );
    assert.ok(expiring.invitation.id);
  });

  test("inviting a user of the customer, or an address invited already, is refused", async () => {
    const alpen = customers["1000001"];
    const asAdmin = bearer((await login("admin@alpenblick.at")).accessToken!);
    const member = await call(INVITE, { c: alpen.gid, e: "Technik@Alpenblick.at", r: "BILLING" }, asAdmin);
    assert.deepEqual(
      member.userErrors.map((e: any) => [e.code, e.field]),
      [["TAKEN", ["email"]]],
    );
    await call(INVITE, { c: alpen.gid, e: "twice@alpenblick.example", r: "BILLING" }, asAdmin);
    const twice = await call(INVITE, { c: alpen.gid, e: "twice@alpenblick.example", r: "ADMIN" }, asAdmin);
    assert.deepEqual(
      twice.userErrors.map((e: any) => e.code),
      ["TAKEN"],
    );
  });
});

test("the users and invitations of a page of customers cost one statement each, whatever the page size", async () => {
  const statementsFor = async (first: number) => {
    const res = await t.gql(`query($first: Int!) { customers(first: $first) { nodes { users { email role } invitations { email } } } }`, {
      first,
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.customers.nodes.length, first);
    return Number(res.headers.get("x-sql-statements"));
  };
  // customers + users + invitations
  assert.equal(await statementsFor(1), 3);
  assert.equal(await statementsFor(4), 3);
});
