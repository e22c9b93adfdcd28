import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { recordDurably } from "../src/notifications/deliveries";
import { toGlobalId } from "../src/platform/global-id";
import { createLogger } from "../src/platform/logger";
import { seedDemoData } from "../src/seed/demo-data";
import { eventually, freePort, startTestApp, TestApp } from "./support/harness";

// What must not be lost is not lost: a confirmation email survives Redis being down and a
// worker killed in the middle of sending, and arrives exactly once.
const WORKER = join(__dirname, "..", "workers", "index.js");

const UPDATE = `mutation($id: ID!, $email: EmailAddress!) { contactUpdate(contactId: $id, input: { email: $email }) { contact { email pendingEmail } userErrors { code } } }`;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

function startRedis(port: number): ChildProcess {
  return spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
}

async function firstContact(t: TestApp): Promise<string> {
  const [row] = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT 1");
  return toGlobalId("Contact", row.id);
}

test("with Redis stopped a contact's email change still succeeds, and the email goes out once Redis is back", async () => {
  const port = await freePort();
  let redis = startRedis(port);
  const redisUrl = `redis://127.0.0.1:${port}`;
  await eventually(async () => {
    const probe = spawn("redis-cli", ["-p", String(port), "ping"]);
    return (await new Promise<number | null>((r) => probe.on("exit", r))) === 0 ? true : undefined;
  });
  const t = await startTestApp({ REDIS_URL: redisUrl, OUTBOX_SWEEP_INTERVAL: "1s" });
  try {
    await seedDemoData(t.app.db, { customers: 1 });
    redis.kill("SIGKILL");
    await exited(redis);
    await eventually(async () => (t.app.redis.status !== "ready" ? true : undefined));

    const res = await t.gql(UPDATE, { id: await firstContact(t), email: "while-redis-was-down@alpenblick.at" });
    assert.deepEqual(res.body.data.contactUpdate.userErrors, []);
    assert.equal(res.body.data.contactUpdate.contact.pendingEmail, "while-redis-was-down@alpenblick.at");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(t.mailbox.to("while-redis-was-down@alpenblick.at").length, 0);

    redis = startRedis(port);
    await t.mailbox.waitFor((m) => m.envelopeTo.includes("while-redis-was-down@alpenblick.at"), 1, 30_000);
    await new Promise((r) => setTimeout(r, 2500)); // sweeps and retries keep running meanwhile
    assert.equal(t.mailbox.to("while-redis-was-down@alpenblick.at").length, 1);
  } finally {
    await t.stop();
    redis.kill("SIGKILL");
    await exited(redis);
  }
});

test("a worker killed with SIGKILL in the middle of sending, then restarted, delivers exactly one email", async () => {
  // The sink takes 1.5 s to accept, so the worker can be killed while the message is in flight.
  const t = await startTestApp({ WORKERS_IN_PROCESS: "false" }, { acceptDelayMs: 1500 });
  const workerEnv = {
    ...process.env,
    DATABASE_URL: t.config.databaseUrl,
    REDIS_URL: t.config.redisUrl,
    QUEUE_PREFIX: t.config.queuePrefix,
    SMTP_URL: t.config.smtpUrl,
    PUBLIC_URL: t.config.publicUrl,
    JWT_DEV_KEY_FILE: t.config.jwt.devKeyFile,
    WORKER_LOCK_DURATION: "2s",
    // The killed worker's claim on the message runs out after this; then the new worker sends it.
    DELIVERY_LEASE: "4s",
    OUTBOX_SWEEP_INTERVAL: "1s",
    LOG_LEVEL: "silent",
  };
  const workers: ChildProcess[] = [];
  const startWorker = () => {
    const child = spawn(process.execPath, [WORKER], { env: workerEnv, stdio: "ignore" });
    workers.push(child);
    return child;
  };
  try {
    await seedDemoData(t.app.db, { customers: 1 });
    const first = startWorker();
    const inFlight = new Promise<void>((resolve) => (t.mailbox.onDataReceived = resolve));
    const res = await t.gql(UPDATE, { id: await firstContact(t), email: "exactly-once@alpenblick.at" });
    assert.deepEqual(res.body.data.contactUpdate.userErrors, []);

    await inFlight;
    first.kill("SIGKILL");
    await exited(first);
    t.mailbox.onDataReceived = undefined;
    startWorker();

    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes("exactly-once@alpenblick.at"), 1, 30_000);
    await new Promise((r) => setTimeout(r, 4000)); // longer than the lock: any stray retry would show now
    assert.equal(t.mailbox.to("exactly-once@alpenblick.at").length, 1);
    // The one email that arrived carries the link that works.
    const token = /token=([\w-]+)/.exec(mail.parsed.text ?? "")![1];
    const confirm = await t.gql(
      `mutation($t: String!) { emailVerificationConfirm(token: $t) { userErrors { code } } }`,
      { t: token },
      { authorization: "" },
    );
    assert.deepEqual(confirm.body.data.emailVerificationConfirm.userErrors, []);
  } finally {
    for (const child of workers) child.kill("SIGKILL");
    await Promise.all(workers.map(exited));
    await t.stop();
  }
});

test("a record that waits out a lock keeps trying, and the log says the database is busy, not away", async () => {
  const t = await startTestApp();
  const holder = t.app.db.createQueryRunner();
  const recorder = t.app.db.createQueryRunner();
  try {
    await seedDemoData(t.app.db, { customers: 1 });
    const [{ id }] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 1");
    await holder.startTransaction();
    await holder.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [id]);
    await recorder.query("SET SESSION innodb_lock_wait_timeout = 1");
    // The lock is held past the first attempt's wait, then let go.
    const released = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => holder.commitTransaction());
    const lines: string[] = [];
    const log = createLogger("info", { write: (line: string) => void lines.push(line) });
    await recordDurably(log, "a mark", () => recorder.query("UPDATE customers SET company_name = 'Recorded GmbH' WHERE id = ?", [id]));
    await released;
    const [row] = await t.app.db.query("SELECT company_name FROM customers WHERE id = ?", [id]);
    assert.equal(row.company_name, "Recorded GmbH");
    const warnings = lines.map((line) => JSON.parse(line) as { msg: string; what: string });
    assert.ok(warnings.length >= 1, "the failed attempt is logged");
    for (const warning of warnings) {
      assert.equal(warning.what, "a mark");
      assert.match(warning.msg, /^database busy; keeping the record and trying again$/);
    }
  } finally {
    await holder.release();
    await recorder.release();
    await t.stop();
  }
});
