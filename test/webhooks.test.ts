import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { urlProblem } from "../src/webhooks/webhook-targets";
import { eventually, GqlResponse, startTestApp, TestApp } from "./support/harness";
import { WebhookReceiver } from "./support/webhook-receiver";

// Signed webhooks end to end: subscriptions over GraphQL, changes made by mutations, a real HTTP
// receiver, signatures checked with the standardwebhooks package.
let t: TestApp;
const receiver = new WebhookReceiver();
let resellerA: AuthenticatedPrincipal;
let resellerB: AuthenticatedPrincipal;
const customerOfA = { id: 0, gid: "" };
const customerOfB = { id: 0, gid: "" };

const CREATE = `mutation($i: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $i) {
  subscription { id url events status } secret userErrors { code field message } } }`;
const UPDATE_CUSTOMER = `mutation($id: ID!, $v: Int!, $phone: String) { customerUpdate(customerId: $id, input: { version: $v, phone: $phone }) {
  customer { version } userErrors { code } } }`;
const DELIVERIES = `query { webhookSubscriptions(first: 10) { totalCount nodes { id url status consecutiveFailures
  deliveries(first: 20) { nodes { id messageId eventType status attempts responseStatus replay } } } } }`;

const codeOf = (res: GqlResponse) => res.body.errors?.[0]?.extensions?.code;

async function subscribe(who: AuthenticatedPrincipal | null, path: string, events: string[]) {
  const res = await t.gql(CREATE, { i: { url: `${receiver.url}${path}`, events } }, who ? await t.as(who) : {});
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.deepEqual(res.body.data.webhookSubscriptionCreate.userErrors, []);
  return res.body.data.webhookSubscriptionCreate as { subscription: { id: string }; secret: string };
}

async function touchCustomer(customerGid: string, phone: string) {
  const read = await t.gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerGid });
  const res = await t.gql(UPDATE_CUSTOMER, { id: customerGid, v: read.body.data.customer.version, phone });
  assert.deepEqual(res.body.data.customerUpdate.userErrors, []);
}

const verify = (secret: string, r: { headers: Record<string, unknown>; body: string }) =>
  new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  }) as { type: string; data: { customer?: { id: string } } };

before(async () => {
  await receiver.start();
  t = await startTestApp({ WEBHOOK_ATTEMPTS: "2", WEBHOOK_RETRY_DELAY: "50ms", WEBHOOK_DISABLE_AFTER: "2" });
  await seedDemoData(t.app.db, { customers: 4 });
  const ids: number[] = [];
  for (const name of ["Webhook Reseller A", "Webhook Reseller B"]) {
    const r = await t.app.db.query("INSERT INTO resellers (name, email) VALUES (?, ?)", [
      name,
      `${name.split(" ").pop()!.toLowerCase()}@reseller.example`,
    ]);
    ids.push(Number(r.insertId));
  }
  const customers: { id: number }[] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 2");
  await t.app.db.query("UPDATE customers SET reseller_id = ? WHERE id = ?", [ids[0], customers[0].id]);
  await t.app.db.query("UPDATE customers SET reseller_id = ? WHERE id = ?", [ids[1], customers[1].id]);
  Object.assign(customerOfA, { id: customers[0].id, gid: toGlobalId("Customer", customers[0].id) });
  Object.assign(customerOfB, { id: customers[1].id, gid: toGlobalId("Customer", customers[1].id) });
  resellerA = { kind: "reseller", resellerId: ids[0], userId: null, clientId: 1, label: "reseller A", sessionId: null };
  resellerB = { kind: "reseller", resellerId: ids[1], userId: null, clientId: 2, label: "reseller B", sessionId: null };
});
after(async () => {
  await t?.stop();
  await receiver.stop();
});

describe("webhooks", () => {
  let a: { subscription: { id: string }; secret: string };
  let b: { subscription: { id: string }; secret: string };

  test("a reseller receives signed webhooks for its customers' changes and for no one else's", async () => {
    a = await subscribe(resellerA, "/a", ["CUSTOMER_UPDATED", "CONTACT_CHANGED"]);
    b = await subscribe(resellerB, "/b", ["CUSTOMER_UPDATED"]);
    const staff = await subscribe(null, "/staff", ["CUSTOMER_UPDATED"]);
    assert.match(a.secret, /^whsec_/);

    await touchCustomer(customerOfA.gid, "+43 1 111111");
    const [toA] = await eventually(async () => (receiver.at("/a").length ? receiver.at("/a") : undefined), 15_000, "webhook to A");
    const event = verify(a.secret, toA);
    assert.equal(event.type, "customer.updated");
    assert.equal(event.data.customer?.id, customerOfA.gid);
    assert.match(String(toA.headers["webhook-id"]), /^msg_\d+$/);
    // Signed with A's secret only: B's secret does not verify it.
    assert.throws(() => verify(b.secret, toA));

    // Staff integrations see every customer; B got nothing (its delivery log is empty too).
    const [toStaff] = await eventually(async () => (receiver.at("/staff").length ? receiver.at("/staff") : undefined));
    assert.equal(verify(staff.secret, toStaff).data.customer?.id, customerOfA.gid);
    assert.equal(receiver.at("/b").length, 0);
    const seenByB = await t.gql(DELIVERIES, {}, await t.as(resellerB));
    assert.deepEqual(
      seenByB.body.data.webhookSubscriptions.nodes.map((s: { id: string; deliveries: { nodes: unknown[] } }) => [
        s.id,
        s.deliveries.nodes.length,
      ]),
      [[b.subscription.id, 0]],
      "B sees its own subscription only, with no delivery",
    );

    // B's own customer changes: B is told, A is not.
    await touchCustomer(customerOfB.gid, "+43 1 222222");
    const [toB] = await eventually(async () => (receiver.at("/b").length ? receiver.at("/b") : undefined));
    assert.equal(verify(b.secret, toB).data.customer?.id, customerOfB.gid);
    await eventually(async () => (receiver.at("/staff").length === 2 ? true : undefined));
    assert.equal(receiver.at("/a").length, 1);
  });

  test("the secret is never shown again, and another reseller's subscription is refused like an unknown one", async () => {
    const listed = await t.gql(`query { webhookSubscriptions(first: 5) { nodes { id url } } }`, {}, await t.as(resellerA));
    assert.ok(!JSON.stringify(listed.body).includes(a.secret.slice(6)));
    const foreign = await t.gql(
      `mutation($id: ID!) { webhookSubscriptionRotateSecret(id: $id) { secret userErrors { code } } }`,
      { id: a.subscription.id },
      await t.as(resellerB),
    );
    const unknown = await t.gql(
      `mutation($id: ID!) { webhookSubscriptionRotateSecret(id: $id) { secret userErrors { code } } }`,
      { id: toGlobalId("WebhookSubscription", 999999) },
      await t.as(resellerB),
    );
    assert.equal(codeOf(foreign), "FORBIDDEN");
    assert.deepEqual([foreign.body.errors?.[0]?.message, codeOf(foreign)], [unknown.body.errors?.[0]?.message, codeOf(unknown)]);
    const customer = await t.gql(
      CREATE,
      { i: { url: `${receiver.url}/c`, events: ["CUSTOMER_UPDATED"] } },
      await t.as({
        kind: "customer",
        userId: null,
        roles: new Map([[customerOfA.id, "ADMIN" as never]]),
        label: "customer",
        sessionId: null,
      }),
    );
    assert.equal(codeOf(customer), "FORBIDDEN");
  });

  test("private, link-local and non-HTTP targets are refused; production takes HTTPS only and no loopback", async () => {
    for (const url of [
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest",
      "http://192.168.0.10/",
      "http://[fd00::1]/",
      "ftp://example.com/x",
      "http://u:p@127.0.0.1/",
    ]) {
      const res = await t.gql(CREATE, { i: { url, events: ["CUSTOMER_UPDATED"] } }, await t.as(resellerA));
      assert.deepEqual(
        res.body.data.webhookSubscriptionCreate.userErrors.map((e: { code: string; field: string[] }) => [e.code, e.field]),
        [["INVALID_INPUT", ["input", "url"]]],
        url,
      );
    }
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM webhook_subscriptions WHERE url NOT LIKE ?", [`${receiver.url}%`]);
    assert.equal(Number(n), 0, "nothing was written for a refused URL");
    assert.equal(urlProblem("http://127.0.0.1:8080/x", false), null);
    assert.ok(urlProblem("http://127.0.0.1:8080/x", true));
    assert.ok(urlProblem("https://127.0.0.1:8080/x", true), "loopback only outside production");
    assert.equal(urlProblem("https://93.184.215.14/hook", true), null);
  });

  test("a rotated secret signs beside the previous one during the overlap", async () => {
    const rotated = await t.gql(
      `mutation($id: ID!) { webhookSubscriptionRotateSecret(id: $id) { secret subscription { previousSecretExpiresAt } userErrors { code } } }`,
      { id: a.subscription.id },
      await t.as(resellerA),
    );
    const newSecret: string = rotated.body.data.webhookSubscriptionRotateSecret.secret;
    assert.notEqual(newSecret, a.secret);
    assert.ok(rotated.body.data.webhookSubscriptionRotateSecret.subscription.previousSecretExpiresAt);
    const before = receiver.at("/a").length;
    await touchCustomer(customerOfA.gid, "+43 1 333333");
    const received = await eventually(async () => (receiver.at("/a").length > before ? receiver.at("/a")[before] : undefined));
    assert.equal(String(received.headers["webhook-signature"]).split(" ").length, 2);
    assert.equal(verify(newSecret, received).type, "customer.updated");
    assert.equal(verify(a.secret, received).type, "customer.updated");
    a.secret = newSecret;
  });

  test("failed deliveries are retried, logged, and disable the subscription after repeated failure with an email to its owner; a replay sends the same event again", async () => {
    receiver.status.set("/a", 500);
    const before = receiver.at("/a").length;
    await touchCustomer(customerOfA.gid, "+43 1 444444");
    await touchCustomer(customerOfA.gid, "+43 1 555555");
    // Two deliveries, two attempts each (WEBHOOK_ATTEMPTS=2), then disabled (WEBHOOK_DISABLE_AFTER=2).
    const mail = await t.mailbox.waitFor((m) => m.envelopeTo.includes("a@reseller.example"));
    assert.equal(mail[0].parsed.subject, "Webhook-Abonnement deaktiviert");
    assert.equal(receiver.at("/a").length - before, 4);
    const log = await t.gql(DELIVERIES, {}, await t.as(resellerA));
    const sub = log.body.data.webhookSubscriptions.nodes[0];
    assert.equal(sub.status, "DISABLED");
    assert.equal(sub.consecutiveFailures, 2);
    const failed = sub.deliveries.nodes.filter((d: { status: string }) => d.status === "FAILED");
    assert.equal(failed.length, 2);
    assert.deepEqual([failed[0].attempts, failed[0].responseStatus], [2, 500]);

    // Disabled: further changes are not sent, and a replay is refused until it is enabled again.
    const replay = `mutation($id: ID!) { webhookDeliveryReplay(deliveryId: $id) { delivery { id messageId replay } userErrors { code } } }`;
    const refused = await t.gql(replay, { id: failed[0].id }, await t.as(resellerA));
    assert.deepEqual(refused.body.data.webhookDeliveryReplay.userErrors, [{ code: "CONFLICT" }]);
    receiver.status.delete("/a");
    const enabled = await t.gql(
      `mutation($id: ID!) { webhookSubscriptionUpdate(id: $id, input: { enabled: true }) { subscription { status consecutiveFailures } userErrors { code } } }`,
      { id: a.subscription.id },
      await t.as(resellerA),
    );
    assert.deepEqual(enabled.body.data.webhookSubscriptionUpdate.subscription, { status: "ACTIVE", consecutiveFailures: 0 });
    const replayed = await t.gql(replay, { id: failed[0].id }, await t.as(resellerA));
    assert.equal(replayed.body.data.webhookDeliveryReplay.delivery.messageId, failed[0].messageId);
    const again = await eventually(async () =>
      receiver.at("/a").find((r) => r.headers["webhook-id"] === failed[0].messageId && receiver.at("/a").indexOf(r) >= before + 4),
    );
    assert.equal(verify(a.secret, again).type, "customer.updated");
    // Another reseller cannot replay it.
    const foreign = await t.gql(replay, { id: failed[0].id }, await t.as(resellerB));
    assert.equal(codeOf(foreign), "FORBIDDEN");
  });
});
