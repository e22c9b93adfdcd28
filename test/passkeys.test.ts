import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FastifyRequest } from "fastify";
import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { RefreshSubjectKind } from "../src/auth/auth.enums";
import { PasskeyService } from "../src/auth/passkeys.service";
import { SessionSubject } from "../src/auth/sessions";
import { createContext } from "../src/http/request-context";
import { ANONYMOUS } from "../src/platform/principal";
import { seedDemoData } from "../src/seed/demo-data";
import { unitOfWork } from "../src/unit-of-work/unit-of-work";
import { CustomerRole } from "../src/users/user.enums";
import { startTestApp, system, TestApp } from "./support/harness";
import { SoftAuthenticator } from "./support/soft-authenticator";

// Passkeys with a software authenticator (real P-256 keys and signatures, no browser): a login
// registers, lists, renames and removes its own; sign-in (as a second factor, and passwordless)
// is checked through PasskeyService.verifyAuthentication, as the login flow will call it.
let t: TestApp;
let customerId: number;
let customerEmail: string;
let origin: string;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 1 });
  const [c] = await t.app.db.query("SELECT id, email FROM customers ORDER BY id LIMIT 1");
  customerId = c.id;
  customerEmail = c.email;
  // Outside production the allowed origins default to PUBLIC_URL's.
  origin = new URL(t.config.publicUrl).origin;
});
after(() => t?.stop());

interface Login {
  subject: SessionSubject;
  email: string;
  headers: () => Promise<Record<string, string>>;
  authenticator: SoftAuthenticator;
}

let logins = 0;
/** A personal login of the customer, with its own authenticator. */
async function userLogin(): Promise<Login> {
  const email = `passkey-user${++logins}@passkeys.example`;
  const result = await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, 'Passkey User')", [email]);
  const id = Number(result.insertId);
  await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, 'TECHNICAL')", [id, customerId]);
  const principal: AuthenticatedPrincipal = {
    kind: "customer",
    userId: id,
    roles: new Map([[customerId, CustomerRole.TECHNICAL]]),
    label: email,
    sessionId: null,
  };
  return {
    subject: { kind: RefreshSubjectKind.USER, id },
    email,
    headers: () => t.as(principal),
    authenticator: new SoftAuthenticator(origin),
  };
}

const START = `mutation { passkeyRegistrationStart { challengeId options userErrors { code } } }`;
const FINISH = `mutation($c: ID!, $r: JSON!, $n: String) { passkeyRegistrationFinish(challengeId: $c, response: $r, name: $n) {
  passkey { id name createdAt lastUsedAt } userErrors { code field } } }`;
const LIST = `{ viewer { passkeys { id name createdAt lastUsedAt } } }`;

async function start(login: Login): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const res = await t.gql(START, {}, await login.headers());
  assert.deepEqual(res.body.errors, undefined);
  assert.deepEqual(res.body.data.passkeyRegistrationStart.userErrors, []);
  return res.body.data.passkeyRegistrationStart;
}

/** Registers a passkey end to end; returns the payload of passkeyRegistrationFinish. */
async function register(login: Login, name: string, ceremony: { origin?: string } = {}) {
  const { challengeId, options } = await start(login);
  const response = login.authenticator.register(options, ceremony);
  const res = await t.gql(FINISH, { c: challengeId, r: response, n: name }, await login.headers());
  assert.deepEqual(res.body.errors, undefined);
  return { ...res.body.data.passkeyRegistrationFinish, challengeId, response };
}

const list = async (login: Login) => (await t.gql(LIST, {}, await login.headers())).body.data.viewer.passkeys;

/** A request context of the login flow (no caller yet), and its sign-in with a passkey in one unit of work. */
const loginContext = () => createContext({ id: "passkey-test", ip: "127.0.0.1" } as FastifyRequest, t.app, ANONYMOUS);
const verify = (challengeId: string, response: unknown, subject: SessionSubject | null) => {
  const ctx = loginContext();
  return unitOfWork(system(t), (uow) => PasskeyService.verifyAuthentication(ctx, uow, challengeId, response, subject));
};
const signCount = async (passkeyGid: string) => {
  const id = Number(Buffer.from(passkeyGid, "base64url").toString().split(":")[1]);
  const [row] = await t.app.db.query("SELECT sign_count, last_used_at FROM passkeys WHERE id = ?", [id]);
  return { count: Number(row.sign_count), lastUsedAt: row.last_used_at as Date | null };
};

test("a login registers a passkey with a real attestation, sees it listed, renames it, and is told by email", async () => {
  const alice = await userLogin();
  assert.equal(await PasskeyService.registered(t.app.db, alice.subject), false);
  const { passkey, userErrors } = await register(alice, "Laptop");
  assert.deepEqual(userErrors, []);
  assert.equal(passkey.name, "Laptop");
  assert.equal(passkey.lastUsedAt, null);
  assert.equal(await PasskeyService.registered(t.app.db, alice.subject), true);
  assert.deepEqual(await list(alice), [passkey]);

  const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(alice.email));
  assert.match(mail.parsed.subject ?? "", /Passkey hinzugefügt/);
  assert.match(mail.parsed.text ?? "", /Passkey/);
  const [audit] = await t.app.db.query("SELECT action, details FROM audit_log WHERE action = 'passkey.added' ORDER BY id DESC LIMIT 1");
  assert.match(JSON.stringify(audit.details), new RegExp(`user:${alice.subject.id}`));

  // The next registration excludes it, so the same authenticator is not registered twice.
  const again = await start(alice);
  assert.deepEqual(
    again.options.excludeCredentials?.map((c) => c.id),
    [alice.authenticator.credentials[0].id.toString("base64url")],
  );
  assert.equal(again.options.authenticatorSelection?.residentKey, "preferred");

  const renamed = await t.gql(
    `mutation($id: ID!) { passkeyRename(id: $id, name: "  Work laptop ") { passkey { id name } userErrors { code } } }`,
    { id: passkey.id },
    await alice.headers(),
  );
  assert.deepEqual(renamed.body.data.passkeyRename, { passkey: { id: passkey.id, name: "Work laptop" }, userErrors: [] });
  const tooLong = await t.gql(
    `mutation($id: ID!, $n: String!) { passkeyRename(id: $id, name: $n) { userErrors { code field } } }`,
    { id: passkey.id, n: "x".repeat(101) },
    await alice.headers(),
  );
  assert.deepEqual(tooLong.body.data.passkeyRename.userErrors, [{ code: "INVALID_INPUT", field: ["name"] }]);
  assert.deepEqual(
    (await list(alice)).map((p: { name: string }) => p.name),
    ["Work laptop"],
  );
});

test("as a second factor: a real assertion verifies once, moves the counter, and a replay or a counter that went back is refused", async () => {
  const bob = await userLogin();
  const { passkey } = await register(bob, "Phone");
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), bob.subject);
  assert.deepEqual(
    options.allowCredentials?.map((c) => c.id),
    [bob.authenticator.credentials[0].id.toString("base64url")],
  );
  const response = bob.authenticator.authenticate(options);
  assert.deepEqual(await verify(challengeId, response, bob.subject), { subject: bob.subject, userVerified: true });
  const used = await signCount(passkey.id);
  assert.equal(used.count, 1);
  assert.ok(used.lastUsedAt);
  assert.ok((await list(bob))[0].lastUsedAt);

  // The same answer again: its challenge is used up.
  assert.equal(await verify(challengeId, response, bob.subject), null);

  // A fresh challenge, but a counter that did not move forward (a cloned authenticator).
  const second = await PasskeyService.authenticationOptions(loginContext(), bob.subject);
  const cloned = bob.authenticator.authenticate(second.options, { signCount: 1 });
  assert.equal(await verify(second.challengeId, cloned, bob.subject), null);
  assert.equal((await signCount(passkey.id)).count, 1);

  // And the next honest one works.
  const third = await PasskeyService.authenticationOptions(loginContext(), bob.subject);
  assert.ok(await verify(third.challengeId, bob.authenticator.authenticate(third.options, { signCount: 7 }), bob.subject));
  assert.equal((await signCount(passkey.id)).count, 7);
});

test("an answer from another origin is refused, at registration and at sign-in", async () => {
  const carol = await userLogin();
  const refused = await register(carol, "Phishing", { origin: "https://konto.evil.example" });
  assert.deepEqual(refused.userErrors, [{ code: "INVALID_SECOND_FACTOR", field: ["response"] }]);
  assert.equal(refused.passkey, null);
  assert.deepEqual(await list(carol), []);
  // The challenge was used by that attempt.
  const retry = await t.gql(
    FINISH,
    { c: refused.challengeId, r: carol.authenticator.register((await start(carol)).options), n: "x" },
    await carol.headers(),
  );
  assert.deepEqual(retry.body.data.passkeyRegistrationFinish.userErrors, [{ code: "EXPIRED", field: ["challengeId"] }]);

  const { passkey } = await register(carol, "Real");
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), carol.subject);
  assert.equal(
    await verify(challengeId, carol.authenticator.authenticate(options, { origin: "https://konto.evil.example" }), carol.subject),
    null,
  );
  assert.equal((await signCount(passkey.id)).count, 0);
});

test("someone else's passkey does not pass as the second factor of a login, even with that login's challenge", async () => {
  const dave = await userLogin();
  const erin = await userLogin();
  await register(dave, "Dave's");
  await register(erin, "Erin's");
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), dave.subject);
  const erinsAnswer = erin.authenticator.authenticate(options, { credential: erin.authenticator.credentials[0] });
  assert.equal(await verify(challengeId, erinsAnswer, dave.subject), null);
  // A challenge made for Dave does not serve a passwordless sign-in either.
  const forDave = await PasskeyService.authenticationOptions(loginContext(), dave.subject);
  assert.equal(await verify(forDave.challengeId, dave.authenticator.authenticate(forDave.options), null), null);
});

test("passwordless: a discoverable passkey names its login, with user verification required", async () => {
  const frank = await userLogin();
  await register(frank, "Security key");
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), null);
  assert.equal(options.allowCredentials, undefined);
  assert.equal(options.userVerification, "required");
  const answer = frank.authenticator.authenticate(options);
  assert.deepEqual(await verify(challengeId, answer, null), { subject: frank.subject, userVerified: true });

  // Without user verification the passkey alone is not enough.
  const next = await PasskeyService.authenticationOptions(loginContext(), null);
  assert.equal(await verify(next.challengeId, frank.authenticator.authenticate(next.options, { userVerified: false }), null), null);

  // A user handle that names another login is refused.
  const third = await PasskeyService.authenticationOptions(loginContext(), null);
  const forged = frank.authenticator.authenticate(third.options);
  forged.response.userHandle = Buffer.from("user:999999").toString("base64url");
  assert.equal(await verify(third.challengeId, forged, null), null);
});

test("the customer-number login registers a passkey on the customer account; the main email is told", async () => {
  const principal: AuthenticatedPrincipal = {
    kind: "customer",
    userId: null,
    roles: new Map([[customerId, CustomerRole.ADMIN]]),
    label: "customer-number login",
    sessionId: null,
  };
  const login: Login = {
    subject: { kind: RefreshSubjectKind.CUSTOMER, id: customerId },
    email: customerEmail,
    headers: () => t.as(principal),
    authenticator: new SoftAuthenticator(origin),
  };
  const { passkey, userErrors } = await register(login, "Office key");
  assert.deepEqual(userErrors, []);
  assert.equal(await PasskeyService.registered(t.app.db, login.subject), true);
  const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(customerEmail) && /passkey/i.test(m.parsed.text ?? ""));
  assert.ok(mail);
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), login.subject);
  assert.deepEqual(await verify(challengeId, login.authenticator.authenticate(options), login.subject), {
    subject: login.subject,
    userVerified: true,
  });
  assert.deepEqual(
    (await list(login)).map((p: { id: string }) => p.id),
    [passkey.id],
  );
});

test("removing: one's own passkey goes (and is emailed); someone else's and an unknown id get the same FORBIDDEN", async () => {
  const gina = await userLogin();
  const hank = await userLogin();
  const { passkey: ginas } = await register(gina, "Gina's");
  const REMOVE = `mutation($id: ID!) { passkeyRemove(id: $id) { ok userErrors { code } } }`;
  const foreign = await t.gql(REMOVE, { id: ginas.id }, await hank.headers());
  const unknown = await t.gql(REMOVE, { id: Buffer.from("Passkey:987654").toString("base64url") }, await hank.headers());
  assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");
  assert.deepEqual(
    foreign.body.errors?.map((e) => [e.message, e.extensions?.code]),
    unknown.body.errors?.map((e) => [e.message, e.extensions?.code]),
  );
  const renameForeign = await t.gql(
    `mutation($id: ID!) { passkeyRename(id: $id, name: "mine") { userErrors { code } } }`,
    { id: ginas.id },
    await hank.headers(),
  );
  assert.equal(renameForeign.body.errors?.[0].extensions?.code, "FORBIDDEN");
  assert.equal((await list(gina))[0].name, "Gina's");

  const removed = await t.gql(REMOVE, { id: ginas.id }, await gina.headers());
  assert.deepEqual(removed.body.data.passkeyRemove, { ok: true, userErrors: [] });
  assert.deepEqual(await list(gina), []);
  assert.equal(await PasskeyService.registered(t.app.db, gina.subject), false);
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(gina.email) && /Passkey entfernt/.test(m.parsed.text ?? ""));

  // A removed passkey signs nobody in.
  const { challengeId, options } = await PasskeyService.authenticationOptions(loginContext(), null);
  assert.equal(
    await verify(challengeId, gina.authenticator.authenticate(options, { credential: gina.authenticator.credentials[0] }), null),
    null,
  );
});

test("API clients have no passkeys", async () => {
  const client = await t.as({ kind: "reseller", resellerId: 1, userId: null, clientId: 1, label: "api client", sessionId: null });
  const res = await t.gql(START, {}, client);
  assert.equal(res.body.errors?.[0].extensions?.code, "FORBIDDEN");
  assert.deepEqual((await t.gql(LIST, {}, client)).body.data.viewer.passkeys, []);
});
