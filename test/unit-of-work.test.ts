import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FastifyRequest } from "fastify";
import { createContext } from "../src/http/request-context";
import { Context } from "../src/platform/context";
import { refuse, UserErrorCode } from "../src/platform/user-error";
import { seedDemoData } from "../src/seed/demo-data";
import { mutate, mutateUntargeted, unitOfWork } from "../src/unit-of-work/unit-of-work";
import { CustomerService } from "../src/customers/customer.service";
import { toGlobalId } from "../src/platform/global-id";
import { jsonColumn } from "../src/platform/rows";
import { STAFF_ADMIN, startTestApp, system, TestApp } from "./support/harness";

// The one write path: what a refused or failed unit of work wrote is gone, side effects included;
// a deadlock victim is run again whole; a payload reads what was just committed.
let t: TestApp;
let customers: { id: number; customer_number: string }[];

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 2 });
  customers = await t.app.db.query("SELECT id, customer_number FROM customers ORDER BY id LIMIT 2");
});
after(() => t?.stop());

const contextAsStaff = (): Context =>
  createContext({ id: "test-request", ip: "127.0.0.1" } as FastifyRequest, { ...t.app, relay: t.app.relay }, STAFF_ADMIN);
const count = async (table: string) => Number((await t.app.db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

test("a refusal after writes rolls back the rows, the audit entry and the outbox row, and answers with userErrors", async () => {
  const [audits, outbox, name] = [await count("audit_log"), await count("outbox"), customers[0].id];
  const outcome = await mutate(
    contextAsStaff(),
    { rule: "editMaster", load: CustomerService.target(contextAsStaff(), toGlobalId("Customer", name)) },
    {
      write: async (uow, { customer }) => {
        await uow.tx.query("UPDATE customers SET company_name = 'Refused GmbH' WHERE id = ?", [customer.dbId]);
        await uow.audit("customer.updated", { fields: ["companyName"] });
        await uow.emit("username-reminder", { customerNumber: customer.customerNumber });
        refuse(UserErrorCode.CONFLICT, "changed meanwhile", ["input", "version"]);
      },
    },
  );
  assert.deepEqual(outcome, { userErrors: [{ code: "CONFLICT", message: "changed meanwhile", field: ["input", "version"] }] });
  const [row] = await t.app.db.query("SELECT company_name FROM customers WHERE id = ?", [name]);
  assert.notEqual(row.company_name, "Refused GmbH");
  assert.equal(await count("audit_log"), audits);
  assert.equal(await count("outbox"), outbox);
});

test("a caller who may not change the customer gets FORBIDDEN, the same for an unknown id, and nothing runs", async () => {
  let ran = false;
  const stranger = createContext({ id: "r", ip: "127.0.0.1" } as FastifyRequest, t.app, {
    kind: "customer",
    userId: 999,
    label: "someone else",
    roles: new Map(),
    sessionId: null,
  } as unknown as Context["principal"]);
  const attempt = (id: number) =>
    mutate(
      stranger,
      { rule: "editMaster", load: CustomerService.target(stranger, toGlobalId("Customer", id)) },
      { write: async () => void (ran = true) },
    );
  const foreign = await attempt(customers[0].id).catch((e: Error & { extensions?: unknown }) => [e.message, e.extensions]);
  const unknown = await attempt(987654).catch((e: Error & { extensions?: unknown }) => [e.message, e.extensions]);
  assert.deepEqual(foreign, unknown);
  assert.deepEqual((foreign as unknown[])[1], { code: "FORBIDDEN" });
  assert.equal(ran, false);
});

test("a deadlock victim is run again whole: both units of work commit, each side effect is recorded once", async () => {
  const [a, b] = customers.map((c) => c.id);
  const outboxBefore = await count("outbox");
  let firstLocks = 0;
  let release!: () => void;
  const bothLocked = new Promise<void>((resolve) => (release = resolve));
  let attempts = 0;
  // Each locks one customer, waits until the other holds its own, then asks for the other's: one is the victim.
  const crossing = (mine: number, theirs: number) =>
    unitOfWork(system(t), async (uow) => {
      attempts++;
      await uow.tx.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [mine]);
      await uow.emit("username-reminder", { customerNumber: `deadlock-${mine}` });
      if (++firstLocks === 2) release();
      if (firstLocks <= 2) await bothLocked;
      await uow.tx.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [theirs]);
      return mine;
    });
  assert.deepEqual(await Promise.all([crossing(a, b), crossing(b, a)]), [a, b]);
  assert.equal(attempts, 3, "the victim ran a second time");
  const rows = await t.app.db.query("SELECT payload FROM outbox WHERE id > 0 ORDER BY id DESC LIMIT 3");
  assert.equal(await count("outbox"), outboxBefore + 2);
  assert.deepEqual(
    rows
      .slice(0, 2)
      .map((r: { payload: unknown }) => jsonColumn<{ customerNumber: string }>(r.payload)?.customerNumber)
      .sort(),
    [`deadlock-${a}`, `deadlock-${b}`],
  );
});

test("the payload reads what was committed, not what the request had loaded before", async () => {
  const ctx = contextAsStaff();
  const before = await CustomerService.byId(ctx, customers[1].id);
  const outcome = await mutateUntargeted(ctx, {
    write: ({ tx }) => tx.query("UPDATE customers SET company_name = 'Fresh AG' WHERE id = ?", [before!.dbId]),
    reply: async () => ({ customer: await CustomerService.byId(ctx, before!.dbId) }),
  });
  assert.ok("customer" in outcome);
  assert.equal(outcome.customer?.companyName, "Fresh AG");
  assert.deepEqual(outcome.userErrors, []);
});

test("a rate limit is a userError with retryAfter: wrong phone passwords for one contact", async () => {
  const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [customers[0].id]);
  const id = toGlobalId("Contact", contact.id);
  const set = await t.gql(
    `mutation($id: ID!) { contactPhonePasswordSet(contactId: $id, password: "Sonnenblume") { userErrors { code } } }`,
    {
      id,
    },
  );
  assert.deepEqual(set.body.data.contactPhonePasswordSet.userErrors, []);
  const CHECK = `mutation($id: ID!, $p: String!) { contactPhonePasswordVerify(contactId: $id, password: $p) { valid userErrors { code retryAfter } } }`;
  for (let i = 0; i < 5; i++) assert.equal((await t.gql(CHECK, { id, p: `wrong-${i}` })).body.data.contactPhonePasswordVerify.valid, false);
  const limited = await t.gql(CHECK, { id, p: "Sonnenblume" });
  assert.equal(limited.body.errors, undefined);
  const answer = limited.body.data.contactPhonePasswordVerify;
  assert.equal(answer.valid, null);
  assert.equal(answer.userErrors[0].code, "RATE_LIMITED");
  assert.ok(answer.userErrors[0].retryAfter >= 1);
});

test("a unit of work waits for its caller's revocation check and, when access was taken back, writes nothing", async () => {
  const [audits, outbox] = [await count("audit_log"), await count("outbox")];
  let ran = false;
  const refused = contextAsStaff();
  // As a GraphQL query leaves it: the check still running, then refusing.
  const check = new Promise<void>((_, reject) => setTimeout(() => reject(new Error("access taken back")), 50));
  check.catch(() => undefined);
  refused.scope.callerLive = () => check;
  await assert.rejects(
    unitOfWork(refused, async (uow) => {
      ran = true;
      await uow.audit("customer.updated", { fields: ["companyName"] }, null);
      await uow.emit("username-reminder", { customerNumber: customers[0].customer_number });
    }),
    /access taken back/,
  );
  assert.equal(ran, false, "the work never started");
  assert.equal(await count("audit_log"), audits);
  assert.equal(await count("outbox"), outbox);
  const live = contextAsStaff();
  live.scope.callerLive = () => Promise.resolve();
  assert.equal(await unitOfWork(live, async () => "done"), "done");
});
