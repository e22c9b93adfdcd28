import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { toGlobalId } from "../../src/platform/global-id";
import { seedDemoData } from "../../src/seed/demo-data";
import { DEMO_PASSWORD } from "../../src/seed/demo-logins";
import { REDIS_URL, startTestApp, TestApp, uniqueName } from "../support/harness";
import { PrivateRedisCluster, startRedisCluster } from "../support/redis-cluster";

// Konto on a Redis Cluster of 3 masters and 3 replicas started here (REDIS_CLUSTER_NODES): mail
// through BullMQ, token revocation and rate limits, and a master failover in the middle of mail
// delivery. The MariaDB is the shared one (its own database); the shared Redis is not used.

let cluster: PrivateRedisCluster;
let t: TestApp;
/** A second API process on the same database and cluster, without workers. */
let second: TestApp;
let prefix: string;

const CHANGE_DOMAIN = "cluster-test.example";
const CHANGE_EMAIL = `mutation($id: ID!, $i: ContactInput!) { contactUpdate(contactId: $id, input: $i) { contact { pendingEmail } userErrors { code message } } }`;
const LOGIN = `mutation($input: AuthLoginInput!) { authLogin(input: $input) { accessToken userErrors { code retryAfter } } }`;

let ip = 10;
const fromFreshIp = (headers: Record<string, string> = {}) => ({ "x-forwarded-for": `198.51.100.${ip++}`, ...headers });

before(async () => {
  cluster = await startRedisCluster();
  prefix = `{${uniqueName("cluster")}}`;
  const env = {
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    QUEUE_PREFIX: prefix,
    TRUST_PROXY: "true",
    // The sweep re-adds jobs that a failover lost; often, to keep the test short.
    OUTBOX_SWEEP_INTERVAL: "2s",
  };
  // Each SMTP acceptance takes a while, so that deliveries are under way when the master dies.
  t = await startTestApp(env, { acceptDelayMs: 500 });
  second = await startTestApp({
    ...env,
    DATABASE_URL: t.config.databaseUrl,
    // The same signing key and issuer: a token from one process is good on the other.
    JWT_DEV_KEY_FILE: t.config.jwt.devKeyFile,
    JWT_ISSUER: t.config.jwt.issuer,
    WORKERS_IN_PROCESS: "false",
  });
  await seedDemoData(t.app.db, { customers: 40 });
});

// Bounded: a server that does not stop fails the file instead of holding CI until its deadline.
after(
  async () => {
    // Not second.stop(): the database is t's and goes with it.
    await second?.app.stop();
    await second?.mailbox.stop();
    await t?.stop();
    await cluster?.remove();
  },
  { timeout: 120_000 },
);

async function contactIds(count: number, offset: number): Promise<number[]> {
  const rows = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT ? OFFSET ?", [count, offset]);
  assert.equal(rows.length, count, "not enough contacts seeded");
  return rows.map((r: { id: number }) => Number(r.id));
}

const addressFor = (contactId: number, run: string) => `c${contactId}.${run}@${CHANGE_DOMAIN}`;

/**
 * Asks for an email change; a request that fails (during a failover) is looked up by its address
 * in the database before it is sent again, so that every address is asked for exactly once.
 */
async function changeEmail(contactId: number, address: string): Promise<{ failedRequests: number }> {
  let failedRequests = 0;
  for (const deadline = Date.now() + 60_000; ;) {
    const res = await t.gql(CHANGE_EMAIL, { id: toGlobalId("Contact", contactId), i: { email: address } }).catch(() => undefined);
    if (res && !res.body.errors && res.body.data.contactUpdate.userErrors.length === 0) return { failedRequests };
    failedRequests++;
    const [row] = await t.app.db.query("SELECT COUNT(*) AS n FROM email_verifications WHERE new_email = ?", [address]);
    if (Number(row.n) > 0) return { failedRequests };
    if (Date.now() > deadline) throw new Error(`could not ask for ${address}: ${JSON.stringify(res?.body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Mails received per address of this run's domain. */
function receivedPerAddress(run: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of t.mailbox.messages) {
    const to = (mail.envelopeTo[0] ?? "").toLowerCase();
    if (to.endsWith(`.${run}@${CHANGE_DOMAIN}`)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

async function keysOnShared(pattern: string): Promise<number> {
  const shared = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const [, keys] = await shared.scan("0", "MATCH", pattern, "COUNT", 10_000);
    return keys.length;
  } finally {
    shared.disconnect();
  }
}

test("start-up refuses a Redis Cluster without a hash-tagged QUEUE_PREFIX, naming the variable", async () => {
  await assert.rejects(
    startTestApp({ REDIS_CLUSTER_NODES: cluster.nodesEnv, QUEUE_PREFIX: uniqueName("untagged") }),
    /QUEUE_PREFIX must contain a hash tag such as \{konto\}/,
  );
});

test("a confirmation mail goes out through BullMQ on the cluster; its queue's keys are on the cluster's master, none on the shared Redis", async () => {
  const [contactId] = await contactIds(1, 0);
  const address = addressFor(contactId, "single");
  await changeEmail(contactId, address);
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(address), 1, 30_000);
  const master = await cluster.masterOf(`${prefix}:mail:id`);
  const onMaster = await (async () => {
    const redis = new Redis({ host: "127.0.0.1", port: master, maxRetriesPerRequest: 1 });
    try {
      return (await redis.keys(`${prefix}:mail:*`)).length;
    } finally {
      redis.disconnect();
    }
  })();
  assert.ok(onMaster > 0, "the mail queue has no keys on the master of its slot");
  assert.equal(await keysOnShared(`${prefix}:*`), 0);
});

test("rate limits hold across API processes on the cluster: after 5 failures on one, the right password is RATE_LIMITED on the other", async () => {
  const headers = { authorization: "" };
  for (let i = 0; i < 5; i++) {
    const res = await t.gql(LOGIN, { input: { email: "technik@alpenblick.at", password: `wrong ${i}` } }, fromFreshIp(headers));
    assert.equal(res.body.data.authLogin.userErrors[0].code, "INVALID_CREDENTIALS");
  }
  const res = await second.gql(LOGIN, { input: { email: "technik@alpenblick.at", password: DEMO_PASSWORD } }, fromFreshIp(headers));
  assert.equal(res.body.data.authLogin.userErrors[0]?.code, "RATE_LIMITED");
  assert.ok(res.body.data.authLogin.userErrors[0].retryAfter >= 1);
  assert.equal(res.body.data.authLogin.accessToken, null);
});

test("token revocation on the cluster: after authLogout the access token is refused on the other API process at once", async () => {
  const res = await t.gql(LOGIN, { input: { email: "admin@alpenblick.at", password: DEMO_PASSWORD } }, fromFreshIp({ authorization: "" }));
  const token = res.body.data.authLogin.accessToken as string;
  assert.ok(token, JSON.stringify(res.body));
  const viewer = async (app: TestApp) =>
    (await app.gql(`{ viewer { name } }`, {}, fromFreshIp({ authorization: `Bearer ${token}` }))).body.errors?.[0]?.extensions?.code ??
    "ok";
  assert.equal(await viewer(second), "ok");
  const out = await t.gql(`mutation { authLogout { ok } }`, {}, fromFreshIp({ authorization: `Bearer ${token}` }));
  assert.equal(out.body.data.authLogout.ok, true);
  assert.equal(await viewer(second), "UNAUTHENTICATED");
  assert.equal(await viewer(t), "UNAUTHENTICATED");
});

test("a master failover during mail delivery loses no mail and sends none twice", { timeout: 5 * 60_000 }, async () => {
  const run = `fo${Date.now().toString(36)}`;
  const before = await contactIds(30, 1);
  const during = await contactIds(30, 31);
  await inParallel(before, 6, async (id) => void (await changeEmail(id, addressFor(id, run))));
  // Deliveries are under way (each acceptance takes 500 ms): kill the master of the queues' slot.
  const master = await cluster.masterOf(`${prefix}:mail:id`);
  const deliveredBeforeKill = [...receivedPerAddress(run).values()].length;
  const killedAt = Date.now();
  await cluster.kill(master);
  let failedRequests = 0;
  const asking = inParallel(during, 4, async (id) => {
    failedRequests += (await changeEmail(id, addressFor(id, run))).failedRequests;
  });
  await cluster.failedOver(`${prefix}:mail:id`, master);
  const failoverMs = Date.now() - killedAt;
  await asking;

  const expected = [...before, ...during].map((id) => addressFor(id, run).toLowerCase());
  const deadline = Date.now() + 120_000;
  while (expected.some((a) => !receivedPerAddress(run).has(a)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const allDeliveredMs = Date.now() - killedAt;
  // A little longer, for a late duplicate to show up.
  await new Promise((r) => setTimeout(r, 3000));
  const received = receivedPerAddress(run);
  const missing = expected.filter((a) => !received.has(a));
  const twice = [...received].filter(([, n]) => n > 1);
  console.log(
    `failover: ${expected.length} mails (${deliveredBeforeKill} delivered before the kill), slot served again after ${failoverMs} ms, ` +
      `all delivered ${allDeliveredMs} ms after the kill, ${failedRequests} failed requests retried, ${twice.length} sent twice`,
  );
  assert.deepEqual(missing, [], "mail lost in the failover");
  assert.deepEqual(twice, [], "mail sent twice");
  assert.ok(deliveredBeforeKill < before.length, "every mail asked for before the kill was delivered before it: the kill tested nothing");
  // Every worker still takes jobs, also those whose queue was idle while its master died (their
  // blocking read was on it). A probe names no outbox row: it is taken and skipped.
  const probeDeadline = Date.now() + 60_000;
  for (const [name, queue] of Object.entries(t.app.queues)) {
    if (name === "housekeeping") continue;
    const job = await queue.add("cluster-probe", { outboxId: "0" }, { jobId: `probe-${run}-${name}`, attempts: 1 });
    let state = await job.getState();
    while (["waiting", "wait", "prioritized"].includes(state) && Date.now() < probeDeadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await job.getState();
    }
    assert.ok(!["waiting", "wait", "prioritized"].includes(state), `the ${name} worker takes no jobs after the failover`);
  }
});
