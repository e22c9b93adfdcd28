import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FastifyRequest } from "fastify";
import { Secret, TOTP } from "otpauth";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { RefreshSubjectKind } from "../src/auth/auth.enums";
import { RecoveryCodes } from "../src/auth/recovery-codes.service";
import { SessionSubject } from "../src/auth/sessions";
import { decryptSecret, TotpService } from "../src/auth/totp.service";
import { EncryptionKeys } from "../src/config";
import { createContext } from "../src/http/request-context";
import { Context } from "../src/platform/context";
import { Refusal } from "../src/platform/user-error";
import { seedDemoData } from "../src/seed/demo-data";
import { unitOfWork } from "../src/unit-of-work/unit-of-work";
import { CustomerRole } from "../src/users/user.enums";
import { startTestApp, TestApp } from "./support/harness";
import { ReceivedMail } from "./support/mailbox";
import { placesHolding } from "./support/secrets";

// TOTP and recovery codes (issue 17): enrolment, confirmation, removal and recovery codes over
// GraphQL, with real codes computed here from the secret Konto hands out; the verification the
// login completion calls (TotpService.verify, RecoveryCodes.redeem) through a unit of work.
let t: TestApp;
let customerId: number;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 1 });
  [{ id: customerId }] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
});
after(() => t?.stop());

const START = `mutation { secondFactorTotpEnrolStart { otpauthUri secret userErrors { code } } }`;
const CONFIRM = `mutation($c: String!) { secondFactorTotpEnrolConfirm(code: $c) { ok recoveryCodes userErrors { code field } } }`;
const DISABLE = `mutation($c: String!) { secondFactorTotpDisable(code: $c) { ok userErrors { code retryAfter } } }`;
const REGENERATE = `mutation { secondFactorRecoveryCodesRegenerate { recoveryCodes userErrors { code } } }`;
const STATUS = `{ viewer { secondFactor { totpEnabled recoveryCodesLeft } } }`;

/** The code an authenticator app shows for this secret, `steps` periods from now. */
const codeOf = (secret: string, steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: 30 }).generate({
    timestamp: Date.now() + steps * 30_000,
  });
/** A well-formed code that is not the secret's now, nor one step before or after. */
const wrongCodeFor = (secret: string) => {
  const valid = new Set([-1, 0, 1].map((s) => codeOf(secret, s)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
};

interface Login {
  subject: SessionSubject;
  email: string;
  principal: AuthenticatedPrincipal;
  headers: () => Promise<Record<string, string>>;
}

let loginCount = 0;
/** A personal login, ADMIN of the seeded customer. */
async function newLogin(): Promise<Login> {
  const email = `totp${++loginCount}@zweiter-faktor.example`;
  const r = await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, 'TOTP Tester')", [email]);
  const id = Number(r.insertId);
  await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, 'ADMIN')", [id, customerId]);
  const principal: AuthenticatedPrincipal = {
    kind: "customer",
    userId: id,
    roles: new Map([[customerId, CustomerRole.ADMIN]]),
    label: email,
    sessionId: null,
  };
  return { subject: { kind: RefreshSubjectKind.USER, id }, email, principal, headers: () => t.as(principal) };
}

async function gql(login: Login, query: string, variables?: Record<string, unknown>) {
  const res = await t.gql(query, variables, await login.headers());
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data;
}

/** A login with a confirmed TOTP (confirmed with the code of the current step): its secret and recovery codes. */
async function enrolled(): Promise<Login & { secret: string; recoveryCodes: string[] }> {
  const login = await newLogin();
  const { secondFactorTotpEnrolStart: started } = await gql(login, START);
  const { secondFactorTotpEnrolConfirm: confirmed } = await gql(login, CONFIRM, { c: codeOf(started.secret) });
  assert.deepEqual(confirmed.userErrors, []);
  return { ...login, secret: started.secret, recoveryCodes: confirmed.recoveryCodes };
}

/** A request context acting as this login, as the login completion would have one (config replaceable for key rotation). */
const contextOf = (login: Login, config = t.config): Context => ({
  ...createContext({ id: "totp-test", ip: "127.0.0.1" } as FastifyRequest, t.app, login.principal),
  config,
});
/** Runs a check in a unit of work of its own, as the login completion does in its unit of work. */
const inUnitOfWork = <T>(ctx: Context, work: Parameters<typeof unitOfWork<T>>[1]) =>
  unitOfWork({ db: t.app.db, outbox: t.app.relay, principal: ctx.principal }, work);

const factorRow = async (subject: SessionSubject) =>
  (
    await t.app.db.query(
      "SELECT secret_ciphertext, secret_iv, secret_tag, key_id, confirmed_at, last_used_step FROM totp_factors WHERE subject_kind = ? AND subject_id = ?",
      [subject.kind, subject.id],
    )
  )[0];
const auditActions = async (subject: SessionSubject) =>
  (
    await t.app.db.query("SELECT action FROM audit_log WHERE JSON_VALUE(details, '$.login') = ? ORDER BY id", [
      `${subject.kind === RefreshSubjectKind.USER ? "user" : "customer"}:${subject.id}`,
    ])
  ).map((r: { action: string }) => r.action);
const textOf = (mail: ReceivedMail) => `${mail.parsed.subject}\n${mail.parsed.text}`;
const mailTo = (address: string, pattern: RegExp) => (m: ReceivedMail) => m.envelopeTo.includes(address) && pattern.test(textOf(m));

describe("enrolment", () => {
  test("start, confirm with a real code: recovery codes once, Viewer.secondFactor, an audit entry and an email", async () => {
    const login = await newLogin();
    assert.deepEqual((await gql(login, STATUS)).viewer.secondFactor, { totpEnabled: false, recoveryCodesLeft: 0 });

    const { secondFactorTotpEnrolStart: started } = await gql(login, START);
    assert.deepEqual(started.userErrors, []);
    assert.match(started.secret, /^[A-Z2-7]{32}$/, "20 bytes in base32");
    const uri = new URL(started.otpauthUri);
    assert.equal(uri.protocol, "otpauth:");
    assert.equal(uri.searchParams.get("secret"), started.secret);
    assert.equal(uri.searchParams.get("issuer"), t.config.totpIssuer);
    assert.ok(decodeURIComponent(uri.pathname).includes(login.email), "labelled with the login's email");
    // Not enabled until confirmed.
    assert.equal((await gql(login, STATUS)).viewer.secondFactor.totpEnabled, false);
    assert.equal(await TotpService.enrolled(t.app.db, login.subject), false);

    const { secondFactorTotpEnrolConfirm: confirmed } = await gql(login, CONFIRM, { c: codeOf(started.secret) });
    assert.deepEqual(confirmed.userErrors, []);
    assert.equal(confirmed.ok, true);
    assert.equal(confirmed.recoveryCodes.length, 10);
    assert.equal(new Set(confirmed.recoveryCodes).size, 10, "distinct");
    for (const code of confirmed.recoveryCodes) assert.match(code, /^[0-9a-z]{5}-[0-9a-z]{5}$/);

    assert.deepEqual((await gql(login, STATUS)).viewer.secondFactor, { totpEnabled: true, recoveryCodesLeft: 10 });
    assert.equal(await TotpService.enrolled(t.app.db, login.subject), true);
    assert.deepEqual(await auditActions(login.subject), ["second-factor.totp.enrolment-started", "second-factor.totp.enrolled"]);
    await t.mailbox.waitFor(mailTo(login.email, /Zweiter Faktor eingerichtet|Second factor enrolled/));

    // Shown once: confirming again is refused and shows no codes; a new enrolment needs the old one removed first.
    const again = (await gql(login, CONFIRM, { c: codeOf(started.secret, 1) })).secondFactorTotpEnrolConfirm;
    assert.deepEqual(
      again.userErrors.map((e: { code: string }) => e.code),
      ["CONFLICT"],
    );
    assert.equal(again.recoveryCodes, null);
    assert.deepEqual((await gql(login, START)).secondFactorTotpEnrolStart, {
      otpauthUri: null,
      secret: null,
      userErrors: [{ code: "CONFLICT" }],
    });
  });

  test("a wrong code is refused with INVALID_SECOND_FACTOR and changes nothing", async () => {
    const login = await newLogin();
    const { secondFactorTotpEnrolStart: started } = await gql(login, START);
    const before = await factorRow(login.subject);
    const outbox = Number((await t.app.db.query("SELECT COUNT(*) AS n FROM outbox"))[0].n);

    const refused = (await gql(login, CONFIRM, { c: wrongCodeFor(started.secret) })).secondFactorTotpEnrolConfirm;
    assert.deepEqual(refused, { ok: false, recoveryCodes: null, userErrors: [{ code: "INVALID_SECOND_FACTOR", field: ["code"] }] });

    assert.deepEqual(await factorRow(login.subject), before);
    assert.equal(before.confirmed_at, null);
    assert.equal(await RecoveryCodes.left(t.app.db, login.subject), 0);
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM outbox"))[0].n), outbox);
    assert.deepEqual((await gql(login, STATUS)).viewer.secondFactor, { totpEnabled: false, recoveryCodesLeft: 0 });
  });

  test("starting again replaces an unconfirmed secret: a code of the first one no longer confirms", async () => {
    const login = await newLogin();
    const first = (await gql(login, START)).secondFactorTotpEnrolStart.secret;
    const second = (await gql(login, START)).secondFactorTotpEnrolStart.secret;
    assert.notEqual(first, second);
    const stale = codeOf(first);
    if (stale !== codeOf(second)) {
      const refused = (await gql(login, CONFIRM, { c: stale })).secondFactorTotpEnrolConfirm;
      assert.equal(refused.userErrors[0].code, "INVALID_SECOND_FACTOR");
    }
    assert.deepEqual((await gql(login, CONFIRM, { c: codeOf(second) })).secondFactorTotpEnrolConfirm.userErrors, []);
  });

  test("the secret is stored encrypted, and a new first key still decrypts it and re-encrypts it at the next code", async () => {
    const login = await enrolled();
    const bytes = Buffer.from(Secret.fromBase32(login.secret).buffer);
    assert.deepEqual(await placesHolding(t.app.db, login.secret), []);
    assert.deepEqual(await placesHolding(t.app.db, bytes.toString("base64url")), []);
    const row = await factorRow(login.subject);
    assert.equal(row.key_id, "dev");
    assert.ok(!row.secret_ciphertext.equals(bytes) && !row.secret_ciphertext.includes(bytes.subarray(0, 8)));
    for (const code of login.recoveryCodes) assert.deepEqual(await placesHolding(t.app.db, code), [], "recovery codes are stored hashed");

    // Rotation: a new key first, the development key still listed.
    const newKey = Buffer.alloc(32, 42);
    const rotated: EncryptionKeys = { currentId: "new", all: new Map([["new", newKey], ...t.config.totpEncryptionKeys.all]) };
    const ctx = contextOf(login, { ...t.config, totpEncryptionKeys: rotated });
    assert.equal(await inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, codeOf(login.secret, 1))), true);
    const after = await factorRow(login.subject);
    assert.equal(after.key_id, "new", "re-encrypted under the new key at its use");
    const encrypted = { ciphertext: after.secret_ciphertext, iv: after.secret_iv, tag: after.secret_tag, keyId: after.key_id };
    const onlyNew: EncryptionKeys = { currentId: "new", all: new Map([["new", newKey]]) };
    assert.deepEqual(decryptSecret(onlyNew, login.subject, encrypted), bytes, "the old key is no longer needed");
    // Bound to its login: the same ciphertext does not decrypt as another login's.
    assert.throws(() => decryptSecret(onlyNew, { kind: RefreshSubjectKind.USER, id: login.subject.id + 1000 }, encrypted));
  });
});

describe("verification at sign-in", () => {
  test("a code is accepted once: its replay within its window is refused", async () => {
    const login = await enrolled();
    const ctx = contextOf(login);
    const code = codeOf(login.secret, 1);
    assert.equal(await inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, code)), true);
    const step = Number((await factorRow(login.subject)).last_used_step);
    assert.equal(await inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, code)), false, "replayed");
    // The confirmation's own code (an earlier step) is refused too.
    assert.equal(await inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, codeOf(login.secret, 0))), false);
    assert.equal(Number((await factorRow(login.subject)).last_used_step), step);
    // A login without a confirmed TOTP never verifies.
    const other = await newLogin();
    const otherCtx = contextOf(other);
    assert.equal(await inUnitOfWork(otherCtx, (uow) => TotpService.verify(otherCtx, uow, other.subject, code)), false);
  });

  test("after 5 wrong codes even the right one is refused with RATE_LIMITED, over GraphQL and at sign-in", async () => {
    const login = await enrolled();
    const wrong = wrongCodeFor(login.secret);
    for (let i = 0; i < 5; i++) {
      const refused = (await gql(login, DISABLE, { c: wrong })).secondFactorTotpDisable;
      assert.deepEqual(refused.userErrors, [{ code: "INVALID_SECOND_FACTOR", retryAfter: null }], `attempt ${i + 1}`);
    }
    const limited = (await gql(login, DISABLE, { c: codeOf(login.secret, 1) })).secondFactorTotpDisable;
    assert.equal(limited.ok, false);
    assert.equal(limited.userErrors[0].code, "RATE_LIMITED");
    assert.ok(limited.userErrors[0].retryAfter >= 1);
    const ctx = contextOf(login);
    // The wait after the fifth failure is one second; more failures (as an attacker would go on
    // making) lengthen it, so that the checks below do not race the clock.
    for (let i = 0; i < 4; i++) await ctx.auth.limiter.recordFailure([`totp:USER:${login.subject.id}`]);
    await assert.rejects(
      inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, codeOf(login.secret, 1))),
      (e: unknown) => e instanceof Refusal && e.userErrors[0].code === "RATE_LIMITED",
    );
    await assert.rejects(
      inUnitOfWork(ctx, (uow) => RecoveryCodes.redeem(ctx, uow, login.subject, login.recoveryCodes[0])),
      (e: unknown) => e instanceof Refusal && e.userErrors[0].code === "RATE_LIMITED",
      "recovery codes share the limit",
    );
    assert.equal(await TotpService.enrolled(t.app.db, login.subject), true);
  });
  test("guesses sent in parallel get no more tries than guesses sent one by one", async () => {
    const login = await enrolled();
    const ctx = contextOf(login);
    const wrong = wrongCodeFor(login.secret);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        inUnitOfWork(ctx, (uow) => TotpService.verify(ctx, uow, login.subject, wrong)).then(
          (ok) => (ok ? "accepted" : "wrong"),
          (e: unknown) => (e instanceof Refusal ? e.userErrors[0].code : String(e)),
        ),
      ),
    );
    assert.equal(outcomes.filter((o) => o === "wrong").length, 5, outcomes.join());
    assert.equal(outcomes.filter((o) => o === "RATE_LIMITED").length, 3, outcomes.join());

    const other = await enrolled();
    const otherCtx = contextOf(other);
    const redeemed = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        inUnitOfWork(otherCtx, (uow) => RecoveryCodes.redeem(otherCtx, uow, other.subject, `wrong-guess${i}`.slice(0, 11))).then(
          (ok) => (ok ? "accepted" : "wrong"),
          (e: unknown) => (e instanceof Refusal ? e.userErrors[0].code : String(e)),
        ),
      ),
    );
    assert.ok(redeemed.filter((o) => o === "wrong").length <= 5, redeemed.join());
    assert.ok(
      redeemed.every((o) => o === "wrong" || o === "RATE_LIMITED"),
      redeemed.join(),
    );
  });
});

describe("removal", () => {
  test("needs a current code: a wrong one changes nothing, a right one removes it with an audit entry and an email", async () => {
    const login = await enrolled();
    const refused = (await gql(login, DISABLE, { c: wrongCodeFor(login.secret) })).secondFactorTotpDisable;
    assert.deepEqual(refused, { ok: false, userErrors: [{ code: "INVALID_SECOND_FACTOR", retryAfter: null }] });
    assert.equal((await gql(login, STATUS)).viewer.secondFactor.totpEnabled, true);

    const removed = (await gql(login, DISABLE, { c: codeOf(login.secret, 1) })).secondFactorTotpDisable;
    assert.deepEqual(removed, { ok: true, userErrors: [] });
    // The recovery codes stay: they also stand in for passkeys.
    assert.deepEqual((await gql(login, STATUS)).viewer.secondFactor, { totpEnabled: false, recoveryCodesLeft: 10 });
    assert.equal(await factorRow(login.subject), undefined);
    assert.ok((await auditActions(login.subject)).includes("second-factor.totp.removed"));
    await t.mailbox.waitFor(mailTo(login.email, /Zweiter Faktor entfernt|Second factor removed/));
    // Nothing left to remove.
    const none = (await gql(login, DISABLE, { c: codeOf(login.secret, 1) })).secondFactorTotpDisable;
    assert.equal(none.userErrors[0].code, "NOT_FOUND");
  });
});

describe("recovery codes", () => {
  test("a code works once, in any case and without its dash, and the login is told how many are left", async () => {
    const login = await enrolled();
    const ctx = contextOf(login);
    const [first] = login.recoveryCodes;
    const typed = first.toUpperCase().replace("-", " ");
    assert.equal(await inUnitOfWork(ctx, (uow) => RecoveryCodes.redeem(ctx, uow, login.subject, typed)), true);
    assert.equal(await inUnitOfWork(ctx, (uow) => RecoveryCodes.redeem(ctx, uow, login.subject, first)), false, "used up");
    assert.equal(await RecoveryCodes.left(t.app.db, login.subject), 9);
    assert.equal((await gql(login, STATUS)).viewer.secondFactor.recoveryCodesLeft, 9);
    assert.ok((await auditActions(login.subject)).includes("second-factor.recovery-code.used"));
    const [mail] = await t.mailbox.waitFor(mailTo(login.email, /Wiederherstellungscode wurde verwendet|recovery code was used/));
    assert.match(textOf(mail), /noch 9 unbenutzte Codes|9 unused recovery codes are left/);
    assert.ok(!textOf(mail).includes(first), "the mail does not hold the code");
  });

  test("regenerating gives 10 new codes and kills the old ones", async () => {
    const login = await enrolled();
    const { secondFactorRecoveryCodesRegenerate: regenerated } = await gql(login, REGENERATE);
    assert.deepEqual(regenerated.userErrors, []);
    assert.equal(new Set(regenerated.recoveryCodes).size, 10);
    assert.equal(regenerated.recoveryCodes.filter((c: string) => login.recoveryCodes.includes(c)).length, 0);
    const ctx = contextOf(login);
    assert.equal(await inUnitOfWork(ctx, (uow) => RecoveryCodes.redeem(ctx, uow, login.subject, login.recoveryCodes[1])), false, "old");
    assert.equal(
      await inUnitOfWork(ctx, (uow) => RecoveryCodes.redeem(ctx, uow, login.subject, regenerated.recoveryCodes[1])),
      true,
      "new",
    );
    assert.ok((await auditActions(login.subject)).includes("second-factor.recovery-codes.regenerated"));
    await t.mailbox.waitFor(mailTo(login.email, /Neue Wiederherstellungscodes|New recovery codes/));
  });
});

describe("the customer-number login", () => {
  test("enrols on the customer account itself: audited under the customer, mailed to its main email", async () => {
    const [customer] = await t.app.db.query("SELECT id, email, customer_number FROM customers WHERE id = ?", [customerId]);
    const principal: AuthenticatedPrincipal = {
      kind: "customer",
      userId: null,
      roles: new Map([[customerId, CustomerRole.ADMIN]]),
      label: customer.customer_number,
      sessionId: null,
    };
    const login: Login = {
      subject: { kind: RefreshSubjectKind.CUSTOMER, id: customerId },
      email: customer.email,
      principal,
      headers: () => t.as(principal),
    };
    const { secondFactorTotpEnrolStart: started } = await gql(login, START);
    assert.ok(decodeURIComponent(new URL(started.otpauthUri).pathname).includes(customer.customer_number), "labelled with the number");
    const confirmed = (await gql(login, CONFIRM, { c: codeOf(started.secret) })).secondFactorTotpEnrolConfirm;
    assert.equal(confirmed.recoveryCodes.length, 10);
    assert.deepEqual((await gql(login, STATUS)).viewer.secondFactor, { totpEnabled: true, recoveryCodesLeft: 10 });
    const [audit] = await t.app.db.query(
      "SELECT customer_id FROM audit_log WHERE action = 'second-factor.totp.enrolled' AND customer_id = ?",
      [customerId],
    );
    assert.ok(audit, "audited under the customer");
    await t.mailbox.waitFor(mailTo(customer.email, /Zweiter Faktor eingerichtet|Second factor enrolled/));
  });
});
