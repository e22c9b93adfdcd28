import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { outboxJobId } from "../src/outbox/outbox.service";
import { eventually, startTestApp, TestApp } from "./support/harness";

// Side effects recorded in a transaction reach the SMTP sink once, and never for a rollback.
let t: TestApp;

before(async () => {
  t = await startTestApp();
});
after(() => t?.stop());

const mail = (key: string, to: string[]) => ({
  key,
  messages: to.map((address) => ({ to: address, subject: `Hello ${key}`, text: "Grüß Gott", html: "<p>Grüß Gott</p>" })),
});

test("a mail recorded in a committed transaction is delivered once to each recipient", async () => {
  await t.app.relay.transaction(t.app.db, async (_tx, record) => {
    await record("mail", mail("welcome-1", ["a@example.com", "b@example.com"]));
  });
  const received = await t.mailbox.waitFor((m) => m.parsed.subject === "Hello welcome-1", 2);
  assert.deepEqual(received.map((m) => m.envelopeTo[0]).sort(), ["a@example.com", "b@example.com"]);
  assert.equal(received[0].parsed.text?.trim(), "Grüß Gott");
  // The record is written right after the SMTP server accepted the message.
  const rows = await eventually(async () => {
    const found = await t.app.db.query("SELECT status FROM mail_deliveries WHERE delivery_key LIKE 'welcome-1:%'");
    return found.every((r: any) => r.status === "SENT") ? found : undefined;
  });
  assert.equal(rows.length, 2);
});

test("a rolled-back transaction leaves no outbox row and sends nothing", async () => {
  await assert.rejects(
    t.app.relay.transaction(t.app.db, async (_tx, record) => {
      await record("mail", mail("rolled-back", ["c@example.com"]));
      throw new Error("business rule failed");
    }),
    /business rule failed/,
  );
  const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM outbox WHERE JSON_VALUE(payload, '$.key') = 'rolled-back'");
  assert.equal(Number(n), 0);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(t.mailbox.to("c@example.com").length, 0);
});

test("running the same job again (a retry after a crash) sends no second copy", async () => {
  const id = await t.app.relay.transaction(t.app.db, (_tx, record) => record("mail", mail("retry-1", ["d@example.com"])));
  await t.mailbox.waitFor((m) => m.envelopeTo.includes("d@example.com"));
  // Simulate a redelivery: the job is gone and the row is handed over again.
  await eventually(async () => ((await t.app.queues.mail.getJobState(outboxJobId(id))) === "completed" ? true : undefined));
  await t.app.queues.mail.remove(outboxJobId(id));
  await t.app.db.query("UPDATE outbox SET dispatched_at = NULL WHERE id = ?", [id]);
  assert.equal(await t.app.relay.dispatch([id]), 1);
  await eventually(async () => ((await t.app.queues.mail.getJobState(outboxJobId(id))) === "completed" ? true : undefined));
  assert.equal(t.mailbox.to("d@example.com").length, 1);
});

test("a row whose dispatch was lost (Redis down, process died) is sent by the sweeper", async () => {
  // Written as if the process died right after commit: no job was ever added.
  await t.app.db.query("INSERT INTO outbox (topic, payload, created_at) VALUES ('mail', ?, ?)", [
    JSON.stringify(mail("swept-1", ["e@example.com"])),
    new Date(Date.now() - 60_000),
  ]);
  await t.app.queues.housekeeping.add("outbox-sweep", {});
  const [received] = await t.mailbox.waitFor((m) => m.envelopeTo.includes("e@example.com"));
  assert.equal(received.parsed.subject, "Hello swept-1");
});

test("the expiry job marks pending verifications past their expiry as EXPIRED", async () => {
  await t.app.db.query(
    `INSERT INTO email_verifications (purpose, target_id, new_email, token_hash, expires_at)
     VALUES ('LOGIN_EMAIL', 1, 'late@example.com', UNHEX(SHA2('late', 256)), ?),
            ('LOGIN_EMAIL', 2, 'fresh@example.com', UNHEX(SHA2('fresh', 256)), ?)`,
    [new Date(Date.now() - 1000), new Date(Date.now() + 3_600_000)],
  );
  await t.app.queues.housekeeping.add("expire-verifications", {});
  const statuses = await eventually(async () => {
    const rows = await t.app.db.query("SELECT new_email, status FROM email_verifications ORDER BY id");
    return rows[0].status === "EXPIRED" ? rows : undefined;
  });
  assert.deepEqual(statuses.map((r: any) => [r.new_email, r.status]), [
    ["late@example.com", "EXPIRED"],
    ["fresh@example.com", "PENDING"],
  ]);
});
