import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { eventually, startTestApp, TestApp, confirmByLink } from "./support/harness";
import { ReceivedMail } from "./support/mailbox";

// Contacts and email changes end to end: the mutation, the outbox, the BullMQ worker, SMTP to
// the sink, and the link in the received email followed over HTTP.
let t: TestApp;
let customerId: string;
let customerDbId: number;

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 3 });
  const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
  customerDbId = row.id;
  customerId = toGlobalId("Customer", row.id);
});
after(() => t?.stop());

const linkIn = (mail: ReceivedMail): string => {
  const link = /(http:\/\/\S+\/verify-email\?token=[\w-]+)/.exec(mail.parsed.text ?? "")?.[1];
  assert.ok(link, "the email has a confirmation link");
  assert.ok((mail.parsed.html || "").includes(link.replace(/&/g, "&amp;")), "the HTML part has the same link");
  return link;
};
const mailTo = async (address: string, count = 1) => (await t.mailbox.waitFor((m) => m.envelopeTo.includes(address), count)).at(-1)!;

const CREATE = `mutation($c: ID!, $i: ContactInput!) { contactCreate(customerId: $c, input: $i) { contact { id email emailConfirmed pendingEmail types phone } userErrors { code field message } } }`;
const UPDATE = `mutation($id: ID!, $i: ContactInput!) { contactUpdate(contactId: $id, input: $i) { contact { id email pendingEmail types receivesInvoices } userErrors { code field message } } }`;
const CONFIRM = `mutation($t: String!) { emailVerificationConfirm(token: $t) { verification { status newEmail } userErrors { code } } }`;

async function createContact(email: string, types = ["TECHNICAL"]) {
  const res = await t.gql(CREATE, { c: customerId, i: { types, firstName: "Eva", lastName: "Test", email, phone: "0664 1234567" } });
  assert.deepEqual(res.body.data.contactCreate.userErrors, []);
  return res.body.data.contactCreate.contact;
}

describe("contacts", () => {
  test("a new contact's email is confirmed by the link in the email it receives", async () => {
    const contact = await createContact("eva.neu@alpenblick.at");
    assert.equal(contact.emailConfirmed, false);
    assert.equal(contact.phone, "+436641234567");
    const link = linkIn(await mailTo("eva.neu@alpenblick.at"));
    const page = await confirmByLink(link);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /Adresse bestätigt/);
    assert.ok(!html.includes(new URL(link).searchParams.get("token")!), "the page never echoes the token");
    const after = await t.gql(`query($id: ID!) { node(id: $id) { ... on Contact { emailConfirmed pendingEmail } } }`, { id: contact.id });
    assert.deepEqual(after.body.data.node, { emailConfirmed: true, pendingEmail: null });
  });

  test("a new customer's first contact gets a confirmation link; confirmed, it can receive invoices", async () => {
    const CUSTOMER = `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { contacts { id email emailConfirmed } } userErrors { code } } }`;
    const res = await t.gql(CUSTOMER, {
      i: {
        kind: "BUSINESS",
        companyName: "Erstkontakt GmbH",
        email: "office@erstkontakt.example",
        address: { street: "Erste Gasse 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
        contact: { firstName: "Erna", lastName: "Erst", email: "erna@erstkontakt.example" },
      },
    });
    assert.deepEqual(res.body.data.customerCreate.userErrors, []);
    const [contact] = res.body.data.customerCreate.customer.contacts;
    assert.equal(contact.emailConfirmed, false);
    await confirmByLink(linkIn(await mailTo("erna@erstkontakt.example")));
    const invoices = await t.gql(UPDATE, { id: contact.id, i: { receivesInvoices: true } });
    assert.deepEqual(invoices.body.data.contactUpdate.userErrors, []);
    assert.equal(invoices.body.data.contactUpdate.contact.receivesInvoices, true);
    const after = await t.gql(`query($id: ID!) { node(id: $id) { ... on Contact { emailConfirmed pendingEmail } } }`, { id: contact.id });
    assert.deepEqual(after.body.data.node, { emailConfirmed: true, pendingEmail: null });
  });

  test("opening the link only shows the pending change with a button; the button's POST confirms it", async () => {
    const contact = await createContact("scanner@alpenblick.at");
    const link = linkIn(await mailTo("scanner@alpenblick.at"));
    // A mail gateway's link scanner follows the link, twice: nothing is confirmed.
    for (let i = 0; i < 2; i++) {
      const page = await fetch(link);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Neue Adresse bestätigen/);
      assert.match(html, /scanner@alpenblick\.at/);
      assert.match(html, /<form method="post" action="verify-email">/);
      assert.equal(page.headers.get("x-content-type-options"), "nosniff");
      assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
      assert.match(page.headers.get("content-security-policy") ?? "", /form-action 'self'/);
      assert.equal(page.headers.get("cache-control"), "no-store");
      assert.equal(page.headers.get("referrer-policy"), "no-referrer");
    }
    const before = await t.gql(`query($id: ID!) { node(id: $id) { ... on Contact { emailConfirmed pendingEmail } } }`, { id: contact.id });
    assert.deepEqual(before.body.data.node, { emailConfirmed: false, pendingEmail: "scanner@alpenblick.at" });

    const confirmed = await confirmByLink(link);
    assert.equal(confirmed.status, 200);
    assert.match(await confirmed.text(), /Adresse bestätigt/);
    assert.match(confirmed.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    const after = await t.gql(`query($id: ID!) { node(id: $id) { ... on Contact { emailConfirmed pendingEmail } } }`, { id: contact.id });
    assert.deepEqual(after.body.data.node, { emailConfirmed: true, pendingEmail: null });
    // A POST with a token that is not a link's confirms nothing and says so.
    const unknown = await fetch(`${t.url}/verify-email`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=nope",
    });
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /Link ungültig/);
  });

  test("changing an email keeps the old one in use until confirmed, then tells the old address", async () => {
    const contact = await createContact("before@alpenblick.at");
    linkIn(await mailTo("before@alpenblick.at"));
    await confirmByLink(linkIn(await mailTo("before@alpenblick.at")));
    const changed = await t.gql(UPDATE, { id: contact.id, i: { email: "after@alpenblick.at" } });
    assert.deepEqual(changed.body.data.contactUpdate.contact.email, "before@alpenblick.at");
    assert.deepEqual(changed.body.data.contactUpdate.contact.pendingEmail, "after@alpenblick.at");
    const pending = await t.gql(`query($id: ID!) { customer(id: $id) { pendingEmailVerifications { purpose newEmail status } } }`, {
      id: customerId,
    });
    assert.ok(
      pending.body.data.customer.pendingEmailVerifications.some((v: any) => v.newEmail === "after@alpenblick.at" && v.status === "PENDING"),
    );

    const token = new URL(linkIn(await mailTo("after@alpenblick.at"))).searchParams.get("token")!;
    const confirmed = await t.gql(CONFIRM, { t: token }, { authorization: "" });
    assert.deepEqual(confirmed.body.data.emailVerificationConfirm, {
      verification: { status: "CONFIRMED", newEmail: "after@alpenblick.at" },
      userErrors: [],
    });
    const [row] = await t.app.db.query("SELECT email FROM contacts WHERE id = ?", [
      Number(Buffer.from(contact.id, "base64url").toString().split(":")[1]),
    ]);
    assert.equal(row.email, "after@alpenblick.at");
    const notice = await mailTo("before@alpenblick.at", 2);
    assert.match(notice.parsed.text ?? "", /after@alpenblick\.at/);
    // The same link again: already used, by mutation and by page.
    assert.equal(
      (await t.gql(CONFIRM, { t: token }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors[0].code,
      "ALREADY_USED",
    );
    const again = await fetch(`${t.url}/verify-email?token=${token}`);
    assert.match(await again.text(), /Bereits bestätigt/);
    const log = await t.gql(`query($id: ID!) { customer(id: $id) { auditLog(first: 3) { nodes { action } } } }`, { id: customerId });
    assert.ok(log.body.data.customer.auditLog.nodes.some((n: any) => n.action === "email.change.confirmed"));
  });

  test("a newer request supersedes the older link, and a cancelled link fails", async () => {
    const contact = await createContact("one@alpenblick.at");
    const first = new URL(linkIn(await mailTo("one@alpenblick.at"))).searchParams.get("token")!;
    await t.gql(UPDATE, { id: contact.id, i: { email: "two@alpenblick.at" } });
    const second = new URL(linkIn(await mailTo("two@alpenblick.at"))).searchParams.get("token")!;
    assert.equal(
      (await t.gql(CONFIRM, { t: first }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors[0].code,
      "SUPERSEDED",
    );
    const firstPage = await fetch(`${t.url}/verify-email?token=${first}`);
    assert.equal(firstPage.status, 404);

    const [v] = await t.app.db.query("SELECT id FROM email_verifications WHERE new_email = 'two@alpenblick.at'");
    const cancel = await t.gql(`mutation($id: ID!) { emailVerificationCancel(id: $id) { verification { status } userErrors { code } } }`, {
      id: toGlobalId("EmailVerification", v.id),
    });
    assert.equal(cancel.body.data.emailVerificationCancel.verification.status, "CANCELLED");
    assert.equal(
      (await t.gql(CONFIRM, { t: second }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors[0].code,
      "CANCELLED",
    );
  });

  test("resending waits 60 seconds, then sends a new link and the old one stops working", async () => {
    await createContact("resend@alpenblick.at");
    const oldToken = new URL(linkIn(await mailTo("resend@alpenblick.at"))).searchParams.get("token")!;
    // The worker records last_sent_at just after the SMTP peer accepts, so backdating it before then would be overwritten.
    const v = await eventually(async () => {
      const [row] = await t.app.db.query("SELECT id, delivery_state FROM email_verifications WHERE new_email = 'resend@alpenblick.at'");
      return row?.delivery_state === "SENT" ? row : undefined;
    });
    const RESEND = `mutation($id: ID!) { emailVerificationResend(id: $id) { userErrors { code message } } }`;
    const id = toGlobalId("EmailVerification", v.id);
    assert.equal((await t.gql(RESEND, { id })).body.data.emailVerificationResend.userErrors[0].code, "COOLDOWN");
    await t.app.db.query("UPDATE email_verifications SET last_sent_at = ? WHERE id = ?", [new Date(Date.now() - 61_000), v.id]);
    assert.deepEqual((await t.gql(RESEND, { id })).body.data.emailVerificationResend.userErrors, []);
    const newToken = new URL(linkIn(await mailTo("resend@alpenblick.at", 2))).searchParams.get("token")!;
    assert.notEqual(newToken, oldToken);
    assert.equal(
      (await t.gql(CONFIRM, { t: oldToken }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors[0].code,
      "UNKNOWN_TOKEN",
    );
    assert.deepEqual((await t.gql(CONFIRM, { t: newToken }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors, []);
  });

  test("the main email is a pending change too; the customer shows it beside the current one", async () => {
    const res = await t.gql(
      `mutation($id: ID!) { customerEmailUpdate(customerId: $id, email: "neu@alpenblick.at") { customer { email pendingEmail } userErrors { code } } }`,
      { id: customerId },
    );
    assert.deepEqual(res.body.data.customerEmailUpdate.userErrors, []);
    const view = await t.gql(`query($id: ID!) { customer(id: $id) { email pendingEmail } }`, { id: customerId });
    assert.equal(view.body.data.customer.pendingEmail, "neu@alpenblick.at");
    assert.notEqual(view.body.data.customer.email, "neu@alpenblick.at");
    const mail = await mailTo("neu@alpenblick.at");
    assert.match(mail.parsed.subject ?? "", /bestätigen/);
  });
});

describe("settings with an address", () => {
  test("online invoice and newsletter switch on only once their address is confirmed; the consent time is kept", async () => {
    const [c] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000002'");
    const id = toGlobalId("Customer", c.id);
    const VIEW = `query($id: ID!) { customer(id: $id) { onlineInvoice { enabled email pendingEmail } newsletter { enabled email pendingEmail consentAt } } }`;
    await t.gql(`mutation($id: ID!) { customerOnlineInvoiceUpdate(customerId: $id, input: { enabled: false }) { userErrors { code } } }`, {
      id,
    });
    await t.gql(`mutation($id: ID!) { customerNewsletterUpdate(customerId: $id, input: { subscribed: false }) { userErrors { code } } }`, {
      id,
    });
    const on = await t.gql(
      `mutation($id: ID!) { customerOnlineInvoiceUpdate(customerId: $id, input: { enabled: true, email: "rechnung@isarwerk.de" }) { userErrors { code } } }`,
      { id },
    );
    assert.deepEqual(on.body.data.customerOnlineInvoiceUpdate.userErrors, []);
    await t.gql(
      `mutation($id: ID!) { customerNewsletterUpdate(customerId: $id, input: { subscribed: true, email: "news@isarwerk.de" }) { userErrors { code } } }`,
      { id },
    );
    const waiting = (await t.gql(VIEW, { id })).body.data.customer;
    assert.deepEqual([waiting.onlineInvoice.enabled, waiting.onlineInvoice.pendingEmail], [false, "rechnung@isarwerk.de"]);
    assert.deepEqual([waiting.newsletter.enabled, waiting.newsletter.pendingEmail], [false, "news@isarwerk.de"]);

    for (const address of ["rechnung@isarwerk.de", "news@isarwerk.de"]) await confirmByLink(linkIn(await mailTo(address)));
    const confirmed = (await t.gql(VIEW, { id })).body.data.customer;
    assert.deepEqual(confirmed.onlineInvoice, { enabled: true, email: "rechnung@isarwerk.de", pendingEmail: null });
    assert.equal(confirmed.newsletter.enabled, true);
    assert.equal(confirmed.newsletter.email, "news@isarwerk.de");
    assert.ok(Date.now() - new Date(confirmed.newsletter.consentAt).getTime() < 60_000);
    const [row] = await t.app.db.query("SELECT online_invoice_enabled_at FROM customers WHERE id = ?", [c.id]);
    assert.ok(Date.now() - row.online_invoice_enabled_at.getTime() < 60_000, "activation time is the confirmation");
  });

  test("a user's login email changes once confirmed, and the old login stops working", async () => {
    const login = async (email: string) =>
      (
        await t.gql(
          `mutation($e: EmailAddress!, $p: String!) { authLogin(input: { email: $e, password: $p }) { accessToken userErrors { code } } }`,
          { e: email, p: DEMO_PASSWORD },
          { authorization: "" },
        )
      ).body.data.authLogin;
    const session = await login("lesen@alpenblick.at");
    const res = await t.gql(
      `mutation { authLoginEmailUpdate(email: "neu.lesen@alpenblick.at") { ok } }`,
      {},
      { authorization: `Bearer ${session.accessToken}` },
    );
    assert.equal(res.body.data.authLoginEmailUpdate.ok, true);
    assert.deepEqual((await login("lesen@alpenblick.at")).userErrors, [], "the old login works until confirmed");
    await confirmByLink(linkIn(await mailTo("neu.lesen@alpenblick.at")));
    assert.deepEqual((await login("neu.lesen@alpenblick.at")).userErrors, []);
    assert.equal((await login("lesen@alpenblick.at")).userErrors[0].code, "INVALID_CREDENTIALS");
  });
});

describe("contact rules", () => {
  test("the last STANDARD contact can be neither deleted nor retyped", async () => {
    const [c] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000002'");
    const standards = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? AND FIND_IN_SET('STANDARD', types)", [c.id]);
    for (const extra of standards.slice(1)) await t.app.db.query("UPDATE contacts SET types = 'OTHER' WHERE id = ?", [extra.id]);
    const id = toGlobalId("Contact", standards[0].id);
    const del = await t.gql(`mutation($id: ID!) { contactDelete(contactId: $id) { deletedContactId userErrors { code message } } }`, {
      id,
    });
    assert.equal(del.body.data.contactDelete.userErrors[0].code, "LAST_STANDARD_CONTACT");
    assert.match(del.body.data.contactDelete.userErrors[0].message, /add another STANDARD contact first/);
    const retype = await t.gql(UPDATE, { id, i: { types: ["BILLING"] } });
    assert.equal(retype.body.data.contactUpdate.userErrors[0].code, "LAST_STANDARD_CONTACT");
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM contacts WHERE customer_id = ? AND FIND_IN_SET('STANDARD', types)", [
      c.id,
    ]);
    assert.equal(Number(n), 1);
  });

  test("two concurrent deletes of the last two STANDARD contacts cannot both succeed", async () => {
    const [c] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000003'");
    await t.app.db.query("UPDATE contacts SET types = 'OTHER' WHERE customer_id = ?", [c.id]);
    const rows = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 2", [c.id]);
    await t.app.db.query("UPDATE contacts SET types = 'STANDARD' WHERE id IN (?)", [rows.map((r: any) => r.id)]);
    const DEL = `mutation($id: ID!) { contactDelete(contactId: $id) { deletedContactId userErrors { code } } }`;
    const results = await Promise.all(rows.map((r: any) => t.gql(DEL, { id: toGlobalId("Contact", r.id) })));
    const deleted = results.filter((r) => r.body.data.contactDelete.deletedContactId);
    assert.equal(deleted.length, 1);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM contacts WHERE customer_id = ? AND FIND_IN_SET('STANDARD', types)", [
      c.id,
    ]);
    assert.equal(Number(n), 1);
  });

  test("only STANDARD or BILLING contacts with a confirmed email receive invoices", async () => {
    const tech = await t.app.db.query(
      "SELECT id FROM contacts WHERE customer_id = ? AND types = 'TECHNICAL' AND email_confirmed_at IS NOT NULL LIMIT 1",
      [customerDbId],
    );
    const refused = await t.gql(UPDATE, { id: toGlobalId("Contact", tech[0].id), i: { receivesInvoices: true } });
    assert.equal(refused.body.data.contactUpdate.userErrors[0].code, "CANNOT_RECEIVE_INVOICES");
    const [billing] = await t.app.db.query(
      "SELECT id FROM contacts WHERE customer_id = ? AND FIND_IN_SET('BILLING', types) AND email_confirmed_at IS NOT NULL LIMIT 1",
      [customerDbId],
    );
    const allowed = await t.gql(UPDATE, { id: toGlobalId("Contact", billing.id), i: { receivesInvoices: true } });
    assert.equal(allowed.body.data.contactUpdate.contact.receivesInvoices, true);
  });

  test("phone-order restrictions and OWNER or SIGNATORY types are for those who manage contacts, not TECHNICAL users", async () => {
    const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [customerDbId]);
    const technical = await t.as({
      kind: "customer",
      userId: 4242,
      roles: new Map([[customerDbId, "TECHNICAL" as any]]),
      label: "technical",
      sessionId: null,
    });
    const id = toGlobalId("Contact", contact.id);
    assert.equal((await t.gql(UPDATE, { id, i: { restrictions: "" } }, technical)).body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(
      (await t.gql(UPDATE, { id, i: { types: ["STANDARD", "SIGNATORY"] } }, technical)).body.errors?.[0].extensions?.code,
      "FORBIDDEN",
    );
    assert.deepEqual((await t.gql(UPDATE, { id, i: { phone: "+43 1 5550000" } }, technical)).body.data.contactUpdate.userErrors, []);
  });

  test("bad phone numbers and over-long restrictions are refused and change nothing", async () => {
    const [contact] = await t.app.db.query("SELECT id, phone, restrictions FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [
      customerDbId,
    ]);
    const id = toGlobalId("Contact", contact.id);
    const phone = await t.gql(UPDATE, { id, i: { phone: "12", restrictions: "changed" } });
    assert.deepEqual(
      phone.body.data.contactUpdate.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "phone"]]],
    );
    // A value its rules refuse is a userError too (one error channel), naming the field without repeating the value.
    const long = await t.gql(UPDATE, { id, i: { restrictions: "x".repeat(2001) } });
    assert.equal(long.body.errors, undefined);
    assert.deepEqual(
      long.body.data.contactUpdate.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "restrictions"]]],
    );
    assert.ok(!JSON.stringify(long.body).includes("xxxxxxxx"), "the value is not repeated");
    const [after] = await t.app.db.query("SELECT phone, restrictions FROM contacts WHERE id = ?", [contact.id]);
    assert.deepEqual(after, { phone: contact.phone, restrictions: contact.restrictions });
  });
});

describe("refusals", () => {
  const CANCEL = `mutation($id: ID!) { emailVerificationCancel(id: $id) { verification { status } userErrors { code field } } }`;
  const RESEND = `mutation($id: ID!) { emailVerificationResend(id: $id) { verification { status } userErrors { code field } } }`;
  const count = async (table: string, where: string, params: unknown[] = []) =>
    Number((await t.app.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);
  const asUser = async (email: string) => {
    const [user] = await t.app.db.query("SELECT id FROM users WHERE email = ?", [email]);
    return t.as({ kind: "customer", userId: user.id, roles: new Map(), label: email, sessionId: null });
  };
  const requestLoginEmail = async (headers: Record<string, string>, email: string) => {
    const res = await t.gql(
      `mutation($e: EmailAddress!) { authLoginEmailUpdate(email: $e) { ok userErrors { code } } }`,
      { e: email },
      headers,
    );
    assert.deepEqual(res.body.data.authLoginEmailUpdate, { ok: true, userErrors: [] });
    const [v] = await t.app.db.query("SELECT id FROM email_verifications WHERE new_email = ? ORDER BY id DESC LIMIT 1", [email]);
    return toGlobalId("EmailVerification", v.id);
  };

  test("an over-long token is INVALID_INPUT", async () => {
    const res = await t.gql(
      `mutation($t: String!) { emailVerificationConfirm(token: $t) { verification { status } userErrors { code field } } }`,
      { t: "x".repeat(101) },
      { authorization: "" },
    );
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(res.body.data.emailVerificationConfirm, {
      verification: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["token"] }],
    });
  });

  test("a confirmed change can be neither cancelled nor resent, and stays as it is", async () => {
    await createContact("settled@alpenblick.at");
    await confirmByLink(linkIn(await mailTo("settled@alpenblick.at")));
    const [v] = await t.app.db.query("SELECT id, token_hash FROM email_verifications WHERE new_email = 'settled@alpenblick.at'");
    const id = toGlobalId("EmailVerification", v.id);
    const [audits, queued] = [
      await count("audit_log", "action = 'email.change.cancelled'"),
      await count("outbox", "topic = 'email-verification'"),
    ];
    for (const [mutation, name] of [
      [CANCEL, "emailVerificationCancel"],
      [RESEND, "emailVerificationResend"],
    ]) {
      const res = await t.gql(mutation, { id });
      assert.deepEqual(res.body.data[name], { verification: null, userErrors: [{ code: "NOT_PENDING", field: ["id"] }] });
    }
    const [after] = await t.app.db.query("SELECT status, token_hash FROM email_verifications WHERE id = ?", [v.id]);
    assert.equal(after.status, "CONFIRMED");
    assert.deepEqual(after.token_hash, v.token_hash, "no new link");
    assert.equal(await count("audit_log", "action = 'email.change.cancelled'"), audits);
    assert.equal(await count("outbox", "topic = 'email-verification'"), queued);
  });

  test("confirming an address another login took meanwhile is TAKEN and changes nothing", async () => {
    const technik = await asUser("technik@alpenblick.at");
    await requestLoginEmail(technik, "buchhaltung@alpenblick.at");
    const token = new URL(linkIn(await mailTo("buchhaltung@alpenblick.at"))).searchParams.get("token")!;
    const res = await t.gql(CONFIRM, { t: token }, { authorization: "" });
    assert.deepEqual(res.body.data.emailVerificationConfirm, { verification: null, userErrors: [{ code: "TAKEN" }] });
    assert.equal(await count("users", "email IN ('technik@alpenblick.at', 'buchhaltung@alpenblick.at')"), 2);
    assert.equal(await count("email_verifications", "new_email = 'buchhaltung@alpenblick.at' AND status = 'PENDING'"), 1);
  });

  test("a login's pending change is its user's alone: anyone else is refused as for an unknown id", async () => {
    const admin = await asUser("admin@alpenblick.at");
    const id = await requestLoginEmail(admin, "gruber.neu@alpenblick.at");
    const refusal = async (verificationId: string, headers: Record<string, string>) => {
      const res = await t.gql(CANCEL, { id: verificationId }, headers);
      return [res.body.errors?.[0].message, res.body.errors?.[0].extensions?.code];
    };
    const other = await asUser("technik@alpenblick.at");
    const foreign = await refusal(id, other);
    assert.deepEqual(foreign, await refusal(toGlobalId("EmailVerification", 987654), other));
    assert.equal(foreign[1], "FORBIDDEN");
    assert.equal(await count("email_verifications", "new_email = 'gruber.neu@alpenblick.at' AND status = 'PENDING'"), 1);
    const own = await t.gql(CANCEL, { id }, admin);
    assert.deepEqual(own.body.data.emailVerificationCancel, { verification: { status: "CANCELLED" }, userErrors: [] });
  });
});

describe("expiry", () => {
  test("with EMAIL_VERIFICATION_TTL in seconds an expired link fails, before the sweep has run", async () => {
    const short = await startTestApp({ EMAIL_VERIFICATION_TTL: "2s" });
    try {
      await seedDemoData(short.app.db, { customers: 1 });
      const [c] = await short.app.db.query("SELECT id FROM customers LIMIT 1");
      await short.gql(CREATE, {
        c: toGlobalId("Customer", c.id),
        i: { types: ["OTHER"], firstName: "Kurz", lastName: "Lebig", email: "kurz@alpenblick.at" },
      });
      const [mail] = await short.mailbox.waitFor((m) => m.envelopeTo.includes("kurz@alpenblick.at"));
      const link = linkIn(mail);
      await new Promise((r) => setTimeout(r, 2100));
      const [row] = await short.app.db.query("SELECT status FROM email_verifications WHERE new_email = 'kurz@alpenblick.at'");
      assert.equal(row.status, "PENDING", "the sweep has not run yet");
      const page = await fetch(link);
      assert.equal(page.status, 410);
      assert.match(await page.text(), /Link abgelaufen/);
      const token = new URL(link).searchParams.get("token")!;
      assert.equal(
        (await short.gql(CONFIRM, { t: token }, { authorization: "" })).body.data.emailVerificationConfirm.userErrors[0].code,
        "EXPIRED",
      );
    } finally {
      await short.stop();
    }
  });
});

describe("delivery", () => {
  test("the delivery state shows on the pending verification", async () => {
    await createContact("state@alpenblick.at");
    await mailTo("state@alpenblick.at");
    const state = await eventually(async () => {
      const [v] = await t.app.db.query("SELECT delivery_state FROM email_verifications WHERE new_email = 'state@alpenblick.at'");
      return v.delivery_state === "SENT" ? v.delivery_state : undefined;
    });
    assert.equal(state, "SENT");
  });
});
