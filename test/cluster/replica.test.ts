import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AuthenticatedPrincipal } from "../../src/access/tokens";
import { toGlobalId } from "../../src/platform/global-id";
import { seedDemoData } from "../../src/seed/demo-data";
import { STAFF_ADMIN, startTestApp, TestApp, uniqueName } from "../support/harness";
import { ReplicaPair, startReplicaPair } from "../support/replica-servers";

// Konto against a real primary and an asynchronous replica (MariaDB GTID replication), each a
// private server started here. Every proof of routing rests on a difference between the two
// servers that a wrong routing would show: a row changed on the replica alone (root writes past
// read_only, and the replica has no binary log to pass it on), a replica held back by a lock or
// a stopped SQL thread, and a replica that is down.

let pair: ReplicaPair;
let t: TestApp;
let customerId: number;
let gid: string;

const MAX_LAG_SECONDS = 1;

// Callers by staff user id: revocations and read-your-writes marks are per subject (`user:N`).
const staff = (userId: number): AuthenticatedPrincipal => ({ ...STAFF_ADMIN, userId, label: `replica test staff ${userId}` });
const READER = staff(901);
const WRITER = staff(902);

before(async () => {
  pair = await startReplicaPair();
  const database = uniqueName("replica");
  t = await startTestApp({
    DATABASE_URL: `${pair.primary.url}/${database}`,
    DATABASE_REPLICA_URLS: `${pair.replica.url}/${database}`,
    DATABASE_REPLICA_MAX_LAG: String(MAX_LAG_SECONDS),
    DATABASE_REPLICA_CHECK_INTERVAL: "2s",
    // Long, so that the read-your-writes test cannot outlast it on a slow machine.
    DATABASE_REPLICA_OWN_WRITES_WINDOW: "120s",
    WORKERS_IN_PROCESS: "false",
  });
  await seedDemoData(t.app.db, { customers: 3 });
  const [row] = await t.app.db.query("SELECT MIN(id) AS id FROM customers");
  customerId = Number(row.id);
  gid = toGlobalId("Customer", customerId);
  await pair.caughtUp();
  await until("the replica serves reads", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 1);
});

// Bounded: a server that does not stop fails the file instead of holding CI until its deadline.
after(
  async () => {
    await t?.stop();
    await pair?.remove();
  },
  { timeout: 120_000 },
);

/** A series' value from /metrics (open outside production when METRICS_TOKEN is unset). */
async function metric(name: string, labels = ""): Promise<number | undefined> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CUSTOMER = `query($id: ID!) { customer(id: $id) { companyName phone version contacts { lastName } } }`;

type CustomerView = { companyName: string; phone: string; version: number; contacts: { lastName: string }[] };

async function customerAs(principal: AuthenticatedPrincipal): Promise<CustomerView> {
  const res = await t.gql(CUSTOMER, { id: gid }, await t.as(principal));
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.customer;
}

/** Runs SQL on one server, straight, as root. */
async function onServer(server: "primary" | "replica", sql: string, params: unknown[] = []): Promise<any> {
  const connection = await pair.sql(pair[server]);
  try {
    await connection.query(`USE \`${new URL(t.config.databaseUrl).pathname.slice(1)}\``);
    const [rows] = await connection.query(sql, params);
    return rows;
  } finally {
    await connection.end();
  }
}

async function setPhone(principal: AuthenticatedPrincipal, phone: string) {
  const { version } = (await onServer("primary", "SELECT version FROM customers WHERE id = ?", [customerId]))[0];
  const res = await t.gql(
    `mutation($id: ID!, $v: Int!, $phone: String!) { customerUpdate(customerId: $id, input: { version: $v, phone: $phone }) {
      customer { companyName phone contacts { lastName } } userErrors { code message } } }`,
    { id: gid, v: version, phone },
    await t.as(principal),
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.deepEqual(res.body.data.customerUpdate.userErrors, []);
  return res.body.data.customerUpdate.customer as Omit<CustomerView, "version">;
}

test("query operations read the replica; a mutation and its payload read the primary", async () => {
  const [{ company_name: onPrimary }] = await onServer("primary", "SELECT company_name FROM customers WHERE id = ?", [customerId]);
  // The customer row, which the mutation loads in its transaction, and its contacts, which the
  // payload's resolvers read through the loaders (readQuery).
  await onServer("replica", "UPDATE customers SET company_name = 'Seen only on the replica' WHERE id = ?", [customerId]);
  await onServer("replica", "UPDATE contacts SET last_name = 'Replica-only' WHERE customer_id = ?", [customerId]);

  const read = await customerAs(READER);
  assert.equal(read.companyName, "Seen only on the replica", "a query's read did not reach the replica");
  assert.ok(
    read.contacts.length > 0 && read.contacts.every((c) => c.lastName === "Replica-only"),
    "a query's relation did not reach the replica",
  );
  const payload = await setPhone(WRITER, "+4315236789");
  assert.equal(payload.companyName, onPrimary, "a mutation's payload was read from the replica");
  assert.ok(
    payload.contacts.every((c) => c.lastName !== "Replica-only"),
    "a mutation payload's relation was read from the replica",
  );
  assert.equal(payload.phone, "+4315236789");
  // The update replicates the whole row, so the replica agrees with the primary again.
  await pair.caughtUp();
  assert.equal((await customerAs(READER)).companyName, onPrimary);
  // The contacts were not changed: put the primary's names back on the replica.
  for (const c of await onServer("primary", "SELECT id, last_name FROM contacts WHERE customer_id = ?", [customerId]))
    await onServer("replica", "UPDATE contacts SET last_name = ? WHERE id = ?", [c.last_name, c.id]);
});

test("a caller reads its own writes: after its mutation its queries read the primary, other callers' still the replica", async () => {
  const author = staff(903);
  const before = (await customerAs(READER)).phone;
  await setPhone(author, "+4315236700");
  await pair.caughtUp();
  // The replica behind on this row, as if it had not applied the mutation yet.
  await onServer("replica", "UPDATE customers SET phone = ? WHERE id = ?", [before, customerId]);
  const counted = (await metric("konto_db_replica_own_write_queries_total")) ?? 0;

  assert.equal((await customerAs(author)).phone, "+4315236700", "the author did not read its own write");
  assert.equal((await customerAs(READER)).phone, before, "another caller's query did not read the replica");
  assert.equal(await metric("konto_db_replica_own_write_queries_total"), counted + 1);
  await onServer("replica", "UPDATE customers SET phone = '+4315236700' WHERE id = ?", [customerId]);
});

test("a replica lagging beyond DATABASE_REPLICA_MAX_LAG serves no reads until it caught up; /metrics shows its lag and the reads sent to the primary", async () => {
  // A lock on the replica holds its SQL thread on the next change of this row: real, growing lag.
  const lock = await pair.sql(pair.replica);
  await lock.query(`USE \`${new URL(t.config.databaseUrl).pathname.slice(1)}\``);
  await lock.query("BEGIN");
  await lock.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [customerId]);
  try {
    const fallbacks = (await metric("konto_db_replica_fallback_reads_total", 'reason="lag"')) ?? 0;
    await onServer("primary", "UPDATE customers SET phone = '+4315236711' WHERE id = ?", [customerId]);
    await until(
      "the replica lags beyond the limit",
      async () => ((await metric("konto_db_replica_lag_seconds", 'replica="0"')) ?? 0) > MAX_LAG_SECONDS,
    );
    await until("the replica no longer serves", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 0);

    assert.equal((await customerAs(READER)).phone, "+4315236711", "a query read the lagging replica");
    assert.ok(((await metric("konto_db_replica_fallback_reads_total", 'reason="lag"')) ?? 0) > fallbacks);
  } finally {
    await lock.query("ROLLBACK");
    await lock.end();
  }
  await pair.caughtUp();
  await until("the replica serves again", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 1);
  await onServer("replica", "UPDATE customers SET phone = 'replica again' WHERE id = ?", [customerId]);
  assert.equal((await customerAs(READER)).phone, "replica again", "the replica did not serve again after catching up");
  await onServer("replica", "UPDATE customers SET phone = '+4315236711' WHERE id = ?", [customerId]);
});

test("a replica whose SQL thread is stopped serves no reads (its lag is unknown): queries read the primary until it runs again", async () => {
  await onServer("replica", "STOP SLAVE SQL_THREAD");
  try {
    await until("the paused replica no longer serves", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 0);
    assert.equal(await metric("konto_db_replica_lag_seconds", 'replica="0"'), -1);
    await onServer("primary", "UPDATE customers SET phone = '+4315236722' WHERE id = ?", [customerId]);
    assert.equal((await customerAs(READER)).phone, "+4315236722", "a query read the paused replica");
  } finally {
    await onServer("replica", "START SLAVE SQL_THREAD");
  }
  await pair.caughtUp();
  await until("the replica serves again", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 1);
});

test("a replica that is killed costs no request: its reads go to the primary at once, and it serves again once it is back", async () => {
  const fallbacks = (await metric("konto_db_replica_fallback_reads_total", 'reason="unavailable"')) ?? 0;
  await onServer("primary", "UPDATE customers SET phone = '+4315236733' WHERE id = ?", [customerId]);
  await pair.caughtUp();
  // SIGKILL: gone at once, so the next read most likely comes before a check noticed (checks
  // run every 2 s): it fails on the replica and runs again on the primary.
  await pair.replica.kill();
  try {
    assert.equal((await customerAs(READER)).phone, "+4315236733");
    await until("the stopped replica no longer serves", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 0);
    assert.equal((await customerAs(READER)).phone, "+4315236733");
    assert.ok(((await metric("konto_db_replica_fallback_reads_total", 'reason="unavailable"')) ?? 0) > fallbacks);
  } finally {
    await pair.replica.restart();
  }
  await pair.caughtUp();
  await until("the restarted replica serves again", async () => (await metric("konto_db_replica_serving", 'replica="0"')) === 1);
  await onServer("replica", "UPDATE customers SET phone = 'replica again' WHERE id = ?", [customerId]);
  assert.equal((await customerAs(READER)).phone, "replica again", "the restarted replica did not serve again");
});
