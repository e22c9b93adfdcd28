import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { loadConfig } from "../src/config";
import { registerDevMailboxRoutes } from "../src/http/dev-mailbox-routes";
import { createMailTransport } from "../src/notifications/transport";
import { escapeHtml } from "../src/notifications/templates/template";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { eventually, startTestApp, TestApp, confirmByLink, PRODUCTION_SELLER } from "./support/harness";

// The development mailbox: no SMTP_URL outside production, so the workers store every email in
// MySQL and /dev/mailbox shows it. Real mutations, real workers, no SMTP sink.
let t: TestApp;
const logs: string[] = [];

before(async () => {
  t = await startTestApp({ LOG_LEVEL: "info" }, { smtpSink: false, logLines: logs });
  await seedDemoData(t.app.db, { customers: 3 });
});
after(() => t?.stop());

interface JsonMail {
  id: number;
  to: string[];
  from: string;
  subject: string;
  text: string | null;
  html: string | null;
  messageId: string;
  createdAt: string;
  attachments: { id: number; filename: string; contentType: string; size: number; url: string }[];
}

const mailboxJson = async (query = ""): Promise<JsonMail[]> => {
  const res = await fetch(`${t.url}/dev/mailbox.json${query}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { messages: JsonMail[] }).messages;
};
const mailTo = (address: string) =>
  eventually(async () => (await mailboxJson(`?to=${encodeURIComponent(address)}`))[0], 15_000, `mail to ${address}`);

const CREATE = `mutation($c: ID!, $i: ContactInput!) { contactCreate(customerId: $c, input: $i) { contact { id } userErrors { code } } }`;
const UPDATE = `mutation($id: ID!, $i: ContactInput!) { contactUpdate(contactId: $id, input: $i) { contact { pendingEmail } userErrors { code } } }`;

describe("development mailbox", () => {
  test("without SMTP_URL there is no relay: config and log say nothing about SMTP", () => {
    assert.equal(t.config.smtpUrl, undefined);
  });

  test("an email change's confirmation lands in the mailbox, with a working link in JSON and on the page", async () => {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
    const created = await t.gql(CREATE, {
      c: toGlobalId("Customer", row.id),
      i: { types: ["TECHNICAL"], firstName: "Eva", lastName: "Test", email: "eva.dev@alpenblick.at", phone: "0664 1234567" },
    });
    assert.deepEqual(created.body.data.contactCreate.userErrors, []);
    const contactId = created.body.data.contactCreate.contact.id;
    const changed = await t.gql(UPDATE, { id: contactId, i: { email: "Eva.Neu@alpenblick.at" } });
    assert.deepEqual(changed.body.data.contactUpdate, { contact: { pendingEmail: "Eva.Neu@alpenblick.at" }, userErrors: [] });

    // ?to= compares addresses case-insensitively and filters out everyone else's mail.
    const mail = await mailTo("eva.neu@alpenblick.at");
    assert.deepEqual(
      mail.to.map((a) => a.toLowerCase()),
      ["eva.neu@alpenblick.at"],
    );
    assert.match(mail.from, /no-reply@konto\.localhost/);
    assert.ok(mail.subject.length > 0);
    assert.match(mail.messageId, /^<.+@.+>$/);
    assert.ok(Date.now() - Date.parse(mail.createdAt) < 60_000, "createdAt is the time it was stored");
    const link = /(http:\/\/\S+\/verify-email\?token=[\w-]+)/.exec(mail.text ?? "")?.[1];
    assert.ok(link, "the text part has the confirmation link");
    assert.ok(mail.html?.includes(link), "the HTML part has the same link");
    assert.ok((await mailboxJson("?to=nobody@example.com")).length === 0);

    const page = await fetch(`${t.url}/dev/mailbox`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(page.headers.get("content-security-policy"), "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.ok(html.includes(`<a href="${escapeHtml(link)}"`), "the link is clickable on the page");
    assert.ok(html.includes(escapeHtml(mail.subject)));
    assert.match(html, /<iframe sandbox [^>]*srcdoc="/, "the HTML part is shown in a sandboxed frame");
    assert.ok(!/<script/i.test(html), "the page has no script");

    // The link from the mailbox confirms the change.
    assert.equal((await confirmByLink(link)).status, 200);
    const confirmed = await t.gql(`query($id: ID!) { node(id: $id) { ... on Contact { email pendingEmail } } }`, { id: contactId });
    assert.deepEqual(confirmed.body.data.node, { email: "Eva.Neu@alpenblick.at", pendingEmail: null });
  });

  test("values are escaped on the page, HTML parts cannot run, attachments download with their bytes", async () => {
    const transport = createMailTransport(t.config, t.app.db);
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10, 0x80]);
    const info = await transport.sendMail({
      from: t.config.mailFrom,
      to: "xss@example.com",
      subject: `<script>alert("subject")</script>`,
      text: `Hallo <script>alert(1)</script>, see https://example.com/a?b=1&c=2. Bye`,
      html: `<p onclick="x()">Hi</p><script>alert("html")</script>`,
      attachments: [
        { filename: `Rechnung "2026" <1>.pdf`, content: pdf, contentType: "application/pdf" },
        {
          filename: "notes.txt",
          content: Buffer.from("zwei Zeilen\näöü").toString("base64"),
          encoding: "base64",
          contentType: "text/plain",
        },
        { filename: "plain.txt", content: "einfach Text" },
      ],
    });
    transport.close();
    assert.match(info.messageId, /^<.+>$/);

    const [mail] = await mailboxJson("?to=xss@example.com");
    assert.equal(mail.messageId, info.messageId);
    assert.equal(mail.subject, `<script>alert("subject")</script>`);
    assert.deepEqual(
      mail.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
      [
        { filename: `Rechnung "2026" <1>.pdf`, contentType: "application/pdf", size: pdf.length },
        { filename: "notes.txt", contentType: "text/plain", size: Buffer.byteLength("zwei Zeilen\näöü") },
        { filename: "plain.txt", contentType: "application/octet-stream", size: 12 },
      ],
    );

    const download = await fetch(mail.attachments[0].url);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("content-type"), "application/pdf");
    assert.match(
      download.headers.get("content-disposition") ?? "",
      /^attachment; filename="Rechnung _2026_ <1>.pdf"; filename\*=UTF-8''Rechnung%20%222026%22%20%3C1%3E.pdf$/,
    );
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), pdf);
    assert.equal(await (await fetch(mail.attachments[1].url)).text(), "zwei Zeilen\näöü");
    assert.equal((await fetch(`${t.url}/dev/mailbox/attachments/999999`)).status, 404);
    assert.equal((await fetch(`${t.url}/dev/mailbox/attachments/x1`)).status, 404);

    const html = await (await fetch(`${t.url}/dev/mailbox`)).text();
    assert.ok(!/<script/i.test(html), "no value's <script> reaches the page unescaped");
    assert.ok(html.includes(escapeHtml(`<script>alert("subject")</script>`)));
    assert.ok(
      html.includes(`Hallo ${escapeHtml("<script>alert(1)</script>")}, see <a href="${escapeHtml("https://example.com/a?b=1&c=2")}"`),
      "URL linked, full stop left out",
    );
    assert.ok(html.includes(`srcdoc="${escapeHtml(`<p onclick="x()">Hi</p><script>alert("html")</script>`)}"`));
    assert.ok(
      html.includes(`href="/dev/mailbox/attachments/${mail.attachments[0].id}" download>${escapeHtml(`Rechnung "2026" <1>.pdf`)}</a>`),
    );
  });

  test("nothing was tried over SMTP: no delivery warnings, every delivery SENT", async () => {
    const entries = logs.map((line) => JSON.parse(line) as { level: number; msg: string });
    assert.ok(
      entries.some((e) => e.msg === "konto listening"),
      "the log was captured",
    );
    // The one expected warning of a development start is about the JWT key, none about mail.
    const warnings = entries.filter((e) => e.level >= 40 && !/JWT_SIGNING_KEY/.test(e.msg));
    assert.deepEqual(warnings, []);
    assert.ok(!logs.some((line) => /ECONNREFUSED|smtp|mail delivery failed/i.test(line)));
    const deliveries: { status: string }[] = await t.app.db.query("SELECT status FROM mail_deliveries");
    assert.ok(deliveries.length >= 2);
    assert.ok(
      deliveries.every((d) => d.status === "SENT"),
      JSON.stringify(deliveries),
    );
  });

  test("DELETE /dev/mailbox empties it", async () => {
    assert.ok((await mailboxJson()).length > 0);
    assert.equal((await fetch(`${t.url}/dev/mailbox`, { method: "DELETE" })).status, 204);
    assert.deepEqual(await mailboxJson(), []);
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM dev_mailbox_attachments"))[0].n), 0);
  });

  test("in production the routes do not exist and the transport refuses to be a mailbox", async () => {
    const production = loadConfig({
      ...PRODUCTION_SELLER,
      NODE_ENV: "production",
      PUBLIC_URL: "https://konto.example.com",
      SMTP_URL: "smtp://relay.example.com:587",
      LINK_TOKEN_KEYS: `k1:${"a".repeat(44)}`,
      WEBAUTHN_ORIGINS: "https://portal.konto.example.com",
      TOTP_ENCRYPTION_KEYS: `t1:${"b".repeat(43)}=`,
      METRICS_TOKEN: "metrics-token-for-the-test",
    });
    const http = Fastify();
    registerDevMailboxRoutes(http, { db: t.app.db, config: production });
    for (const [method, url] of [
      ["GET", "/dev/mailbox"],
      ["GET", "/dev/mailbox.json"],
      ["GET", "/dev/mailbox/attachments/1"],
      ["DELETE", "/dev/mailbox"],
    ] as const) {
      assert.equal((await http.inject({ method, url })).statusCode, 404, `${method} ${url}`);
    }
    await http.close();
    assert.throws(() => createMailTransport({ ...production, smtpUrl: undefined }, t.app.db), /SMTP_URL/);
  });
});
