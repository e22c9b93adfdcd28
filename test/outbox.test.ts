import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { outboxJobId } from "../src/notifications/topics";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { unitOfWork } from "../src/unit-of-work/unit-of-work";
import { eventually, system, startTestApp, TestApp } from "./support/harness";
import { placesHolding } from "./support/secrets";

// The notifications pipeline: work recorded in a transaction reaches the SMTP sink once, is never
// lost while MySQL says it is not done, and a permanent rejection is final and visible.
let t: TestApp;
let customer: { id: number; customer_number: string; email: string };

before(async () => {
  t = await startTestApp({ OUTBOX_SWEEP_INTERVAL: "1s" });
  await seedDemoData(t.app.db, { customers: 2 });
  [customer] = await t.app.db.query("SELECT id, customer_number, email FROM customers ORDER BY id LIMIT 1");
});
after(() => t?.stop());

const reminder = (customerNumber = customer.customer_number) =>
  unitOfWork(system(t), ({ emit }) => emit("username-reminder", { customerNumber }));
const jobDone = (id: string) =>
  eventually(
    async () => ((await t.app.db.query("SELECT done_at FROM outbox WHERE id = ?", [id]))[0]?.done_at ? true : undefined),
    15_000,
    `outbox ${id} done`,
  );
const quiet = () => new Promise((r) => setTimeout(r, 2500)); // longer than the sweep interval: a stray resend would show

test("a topic recorded in a committed transaction is delivered once, with text and HTML, and its row is marked done", async () => {
  const before = t.mailbox.to(customer.email).length;
  const id = await reminder();
  const [mail] = (await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email), before + 1)).slice(before);
  assert.match(mail.parsed.text ?? "", new RegExp(customer.customer_number));
  assert.match(String(mail.parsed.html), /<html/);
  assert.match(mail.parsed.messageId ?? "", /^<username-reminder\.\d+/);
  await jobDone(id);
  const [row] = await t.app.db.query("SELECT status, sent_at FROM mail_deliveries WHERE outbox_id = ?", [id]);
  assert.equal(row.status, "SENT");
  assert.ok(row.sent_at);
  // The job carries the outbox id only.
  const job = await t.app.queues.mail.getJob(outboxJobId(id));
  assert.deepEqual(Object.keys(job?.data ?? {}).sort(), ["outboxId", "requestId"]);
});

test("a rolled-back transaction leaves no outbox row and sends nothing", async () => {
  const before = t.mailbox.messages.length;
  await assert.rejects(
    unitOfWork(system(t), async ({ emit }) => {
      await emit("username-reminder", { customerNumber: customer.customer_number });
      throw new Error("business rule failed");
    }),
    /business rule failed/,
  );
  const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM outbox WHERE done_at IS NULL");
  assert.equal(Number(n), 0);
  await quiet();
  assert.equal(t.mailbox.messages.length, before);
});

test("a payload that does not match its topic is refused when recorded", async () => {
  await assert.rejects(
    unitOfWork(system(t), ({ emit }) => emit("invoice-email", { invoiceId: -1, kind: "issue" })),
    /invoiceId/,
  );
});

test("work whose job vanished after it was handed over (Redis restarted empty) is found by the sweep and sent once", async () => {
  const before = t.mailbox.to(customer.email).length;
  // Recorded as if the job had been added and then lost: dispatched, not done, no job.
  const inserted = await t.app.db.query(
    "INSERT INTO outbox (topic, payload, created_at, dispatched_at) VALUES ('username-reminder', ?, ?, ?)",
    [JSON.stringify({ customerNumber: customer.customer_number }), new Date(Date.now() - 60_000), new Date(Date.now() - 59_000)],
  );
  const id = String(inserted.insertId);
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email), before + 1);
  await jobDone(id);
  await quiet();
  assert.equal(t.mailbox.to(customer.email).length, before + 1);
});

test("running finished work again (the job removed, the done mark lost) sends no second copy", async () => {
  const before = t.mailbox.to(customer.email).length;
  const id = await reminder();
  await jobDone(id);
  await eventually(async () => ((await t.app.queues.mail.getJobState(outboxJobId(id))) === "completed" ? true : undefined));
  await t.app.queues.mail.remove(outboxJobId(id));
  await t.app.db.query("UPDATE outbox SET done_at = NULL WHERE id = ?", [id]);
  await jobDone(id); // the sweep re-added it, and the ledger said SENT
  await quiet();
  assert.equal(t.mailbox.to(customer.email).length, before + 1);
});

test("a delivery another live process holds is not sent until its lease ran out", async () => {
  const before = t.mailbox.to(customer.email).length;
  const id = await t.app.db.transaction(async (tx) => {
    const row = await tx.query("INSERT INTO outbox (topic, payload) VALUES ('username-reminder', ?)", [
      JSON.stringify({ customerNumber: customer.customer_number }),
    ]);
    const outboxId = String(row.insertId);
    // Held by a process that died after the SMTP server accepted it, lease ending in 3 s.
    await tx.query(
      "INSERT INTO mail_deliveries (delivery_key, outbox_id, recipient, status, lease_owner, lease_until, created_at, updated_at) VALUES (?, ?, ?, 'SENDING', 'gone:1', CURRENT_TIMESTAMP(3) + INTERVAL 3 SECOND, NOW(3), NOW(3))",
      [`username-reminder:${outboxId}:${customer.email.toLowerCase()}`, outboxId, customer.email],
    );
    return outboxId;
  });
  await t.app.relay.dispatch([id]);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(t.mailbox.to(customer.email).length, before, "sent while another process held it");
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email), before + 1, 15_000);
  await jobDone(id);
  assert.equal(t.mailbox.to(customer.email).length, before + 1);
});

test("a permanent SMTP rejection (550) fails the delivery at once, marks the address as bouncing, and is not retried", async () => {
  const [other] = await t.app.db.query("SELECT customer_number, email FROM customers WHERE id <> ? ORDER BY id LIMIT 1", [customer.id]);
  t.mailbox.rejectRecipients.add(other.email.toLowerCase());
  const id = await reminder(other.customer_number);
  await jobDone(id);
  const [row] = await t.app.db.query("SELECT status, attempts, permanent_failure, error FROM mail_deliveries WHERE outbox_id = ?", [id]);
  assert.equal(row.status, "FAILED");
  assert.equal(row.attempts, 1);
  assert.equal(row.permanent_failure, 1);
  assert.match(row.error, /550|No such user/);
  const [bounce] = await t.app.db.query("SELECT address FROM mail_bounces WHERE address = ?", [other.email.toLowerCase()]);
  assert.ok(bounce, "the address is marked as bouncing");
  // Operators see it among the failed jobs (Bull Board) and on the outbox row, with the reason.
  await eventually(
    async () => ((await t.app.queues.mail.getJobState(outboxJobId(id))) === "failed" ? true : undefined),
    5000,
    "the job among the failed",
  );
  const [outbox] = await t.app.db.query("SELECT error FROM outbox WHERE id = ?", [id]);
  assert.match(outbox.error, /failed for good/);
});

test("a confirmation link the receiving server rejects shows as FAILED with the server's answer on the verification", async () => {
  const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [customer.id]);
  const address = "no-such-mailbox@example.com";
  t.mailbox.rejectRecipients.add(address);
  const update = await t.gql(
    `mutation($id: ID!, $email: EmailAddress!) { contactUpdate(contactId: $id, input: { email: $email }) { userErrors { code } } }`,
    {
      id: toGlobalId("Contact", contact.id),
      email: address,
    },
  );
  assert.deepEqual(update.body.data.contactUpdate.userErrors, []);
  const failed = await eventually(async () => {
    const res = await t.gql(
      `query($id: ID!) { customer(id: $id) { pendingEmailVerifications { newEmail deliveryState deliveryError } } }`,
      { id: toGlobalId("Customer", customer.id) },
    );
    const v = res.body.data.customer.pendingEmailVerifications.find((p: { newEmail: string }) => p.newEmail === address);
    return v?.deliveryState === "FAILED" ? v : undefined;
  });
  assert.match(failed.deliveryError, /550|No such user/);
});

test("a passing rejection (451) is retried and goes out once the server takes it", async () => {
  const [other] = await t.app.db.query("SELECT customer_number, email FROM customers WHERE id <> ? ORDER BY id LIMIT 1", [customer.id]);
  const address = other.email.toLowerCase();
  t.mailbox.rejectRecipients.delete(address);
  t.mailbox.deferRecipients.add(address);
  const before = t.mailbox.to(other.email).length;
  const id = await reminder(other.customer_number);
  const deferred = await eventually(async () => {
    const [row] = await t.app.db.query("SELECT status, error FROM mail_deliveries WHERE outbox_id = ?", [id]);
    return row?.status === "QUEUED" && row.error ? row : undefined;
  });
  assert.match(deferred.error, /451|try again/);
  t.mailbox.deferRecipients.delete(address);
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(other.email), before + 1, 20_000);
  await jobDone(id);
  const [row] = await t.app.db.query("SELECT status, attempts FROM mail_deliveries WHERE outbox_id = ?", [id]);
  assert.equal(row.status, "SENT");
  assert.ok(row.attempts >= 2);
});

test("a retried confirmation email carries the same link, and the link of the first email keeps working", async () => {
  const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [customer.id]);
  const address = "retried-link@example.com";
  const update = await t.gql(
    `mutation($id: ID!, $email: EmailAddress!) { contactUpdate(contactId: $id, input: { email: $email }) { userErrors { code } } }`,
    {
      id: toGlobalId("Contact", contact.id),
      email: address,
    },
  );
  assert.deepEqual(update.body.data.contactUpdate.userErrors, []);
  const [first] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(address));
  const [row] = await t.app.db.query("SELECT id FROM outbox WHERE topic = 'email-verification' ORDER BY id DESC LIMIT 1");
  await jobDone(String(row.id));
  // The process died right after the server accepted it: no SENT mark, the job runs again.
  await t.app.db.query(
    "UPDATE mail_deliveries SET status = 'SENDING', lease_until = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE outbox_id = ?",
    [row.id],
  );
  await t.app.queues.mail.remove(outboxJobId(row.id));
  await t.app.db.query("UPDATE outbox SET done_at = NULL WHERE id = ?", [row.id]);
  const [, second] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(address), 2);
  const tokenOf = (text?: string) => /token=([\w-]+)/.exec(text ?? "")?.[1];
  assert.ok(tokenOf(first.parsed.text));
  assert.equal(tokenOf(second.parsed.text), tokenOf(first.parsed.text));
  const confirm = await t.gql(
    `mutation($t: String!) { emailVerificationConfirm(token: $t) { userErrors { code } } }`,
    { t: tokenOf(first.parsed.text) },
    { authorization: "" },
  );
  assert.deepEqual(confirm.body.data.emailVerificationConfirm.userErrors, []);
  // The link's token is in no column of any table (only its hash and the secret it is derived from).
  assert.deepEqual(await placesHolding(t.app.db, tokenOf(first.parsed.text)!), []);
  assert.ok((await placesHolding(t.app.db, address)).includes("email_verifications.new_email"), "the search finds what is stored");
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
    const rows = await t.app.db.query(
      "SELECT new_email, status FROM email_verifications WHERE new_email IN ('late@example.com', 'fresh@example.com') ORDER BY id",
    );
    return rows[0].status === "EXPIRED" ? rows : undefined;
  });
  assert.deepEqual(
    statuses.map((r: any) => [r.new_email, r.status]),
    [
      ["late@example.com", "EXPIRED"],
      ["fresh@example.com", "PENDING"],
    ],
  );
});
