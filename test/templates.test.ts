import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  EmailPurpose,
  Locale,
  renderEmailConfirmation,
  RenderedMail,
  TemplateData,
  TemplateName,
  TEMPLATES,
} from "../src/notifications/templates";
import { EmailVerificationPurpose } from "../src/verifications/email-verification.enums";

/** What a customer could type into any free-text field. */
const EVIL = `<script>alert(1)</script> "&'`;
/** EVIL as the HTML part must show it, written out here rather than computed with the escaper under test. */
const EVIL_ESCAPED = "&#60;script&#62;alert(1)&#60;/script&#62; &#34;&#38;&#39;";
/** A link whose query would break out of an unescaped href attribute. */
const LINK = `https://portal.example/confirm?token=abc&next="><script>x</script>`;
const LINK_ESCAPED = "https://portal.example/confirm?token=abc&#38;next=&#34;&#62;&#60;script&#62;x&#60;/script&#62;";

/** A user value: a readable label, then EVIL, so each field can be told apart in the output. */
const evil = (label: string) => `${label}${EVIL}`;

interface Sample<N extends TemplateName> {
  data: TemplateData<N>;
  /** Labels of the values passed through evil(); each must show raw in text and escaped in HTML. */
  userValues: string[];
  /** Labels of values only the subject shows (plain text, never escaped). */
  subjectValues?: string[];
  links: string[];
}

const SAMPLES: { [N in TemplateName]: Sample<N> } = {
  "order-placed": {
    data: {
      customerNumber: "1000001",
      orderNumber: 7,
      kind: "NEW_PRODUCT",
      planName: evil("plan"),
      identifier: evil("domain"),
      approved: false,
    },
    userValues: ["plan", "domain"],
    links: [],
  },
  "order-decided": {
    data: {
      customerNumber: "1000001",
      orderNumber: 8,
      kind: "PLAN_CHANGE",
      planName: evil("plan"),
      identifier: evil("host"),
      approved: false,
      reason: evil("reason"),
      priceFrom: null,
    },
    userValues: ["plan", "host", "reason"],
    links: [],
  },
  "email-confirmation": {
    data: { address: evil("addr"), purpose: "CONTACT_EMAIL", link: LINK, expiresAt: new Date("2026-12-01T10:30:00Z") },
    userValues: ["addr"],
    links: [LINK],
  },
  "email-replaced": {
    data: { oldEmail: evil("old"), newEmail: evil("new"), purpose: "LOGIN_EMAIL" },
    userValues: ["old", "new"],
    links: [],
  },
  invoice: {
    data: { kind: "INVOICE", number: evil("RE-1"), amount: "1.234,50 EUR", dueDate: "2026-12-15", providerName: evil("provider") },
    userValues: ["RE-1", "provider"],
    links: [],
  },
  "payment-reminder": {
    data: { number: evil("RE-2"), amount: "99,00 EUR", dueDate: "2026-11-01", providerName: evil("provider") },
    userValues: ["RE-2", "provider"],
    links: [],
  },
  "maintenance-notice": {
    data: {
      revision: 2,
      cancelled: false,
      titleDe: evil("titelDe"),
      titleEn: evil("titleEn"),
      messageDe: evil("nachricht"),
      messageEn: evil("message"),
      startsAt: new Date("2026-12-01T22:00:00Z"),
      endsAt: new Date("2026-12-02T02:00:00Z"),
      products: [{ identifier: evil("host1"), plan: evil("planA") }],
      providerName: evil("provider"),
    },
    // The titles and messages are checked per language below: each locale shows only its own.
    userValues: ["host1", "planA", "provider"],
    links: [],
  },
  "username-reminder": {
    data: { customerNumber: evil("K-1"), loginEmails: [evil("login1"), evil("login2")], customerNumberIsLogin: true },
    userValues: ["K-1", "login1", "login2"],
    links: [],
  },
  "password-reset": { data: { link: LINK }, userValues: [], links: [LINK] },
  "password-changed": {
    data: { email: evil("login"), how: "reset", at: new Date("2026-12-01T10:30:00Z") },
    userValues: ["login"],
    links: [],
  },
  "customer-password-reset": { data: { customerNumber: evil("K-4"), link: LINK }, userValues: ["K-4"], links: [LINK] },
  "customer-password-changed": {
    data: { customerNumber: evil("K-5"), how: "changed", at: new Date("2026-12-01T10:30:00Z") },
    userValues: ["K-5"],
    links: [],
  },
  "second-factor-changed": {
    data: { login: evil("login"), change: "totp-enrolled", at: new Date("2026-12-01T10:30:00Z") },
    userValues: ["login"],
    links: [],
  },
  "recovery-code-used": {
    data: { login: evil("login"), left: 9, at: new Date("2026-12-01T10:30:00Z") },
    userValues: ["login"],
    links: [],
  },
  "login-exists": { data: { email: evil("mail") }, userValues: ["mail"], links: [] },
  "change-request-decided": {
    data: { approved: false, customerNumber: evil("K-2"), reason: evil("reason") },
    userValues: ["K-2", "reason"],
    links: [],
  },
  "support-request": {
    data: {
      reference: "SR-2026-000001",
      subject: evil("subject"),
      message: evil("line1") + "\n" + evil("line2") + "\n\n" + evil("para2"),
      customerNumber: evil("K-3"),
      customerName: evil("name"),
      requestedBy: evil("user"),
      callbackContact: { firstName: evil("first"), lastName: evil("last"), phone: null, email: evil("cb") },
      productId: 7,
    },
    // Support sees the subject in the subject line only, as today.
    userValues: ["line1", "line2", "para2", "K-3", "name", "user", "first", "last", "cb"],
    subjectValues: ["subject", "K-3"],
    links: [],
  },
  "support-confirmation": { data: { reference: "SR-2026-000002", subject: evil("subject") }, userValues: ["subject"], links: [] },
  "user-invitation": {
    data: {
      customerName: evil("firm"),
      customerNumber: evil("K-4"),
      role: "BILLING",
      invitedBy: evil("inviter"),
      link: LINK,
      expiresAt: new Date("2026-12-08T10:30:00Z"),
      existingLogin: false,
    },
    userValues: ["firm", "K-4", "inviter"],
    subjectValues: ["firm"],
    links: [LINK],
  },
  "user-membership-changed": {
    data: {
      change: "role",
      customerName: evil("firm"),
      customerNumber: evil("K-5"),
      userEmail: evil("login"),
      role: "ADMIN",
      toUser: false,
    },
    userValues: ["firm", "K-5", "login"],
    subjectValues: ["firm"],
    links: [],
  },
  "webhook-disabled": {
    data: { url: evil("url"), failures: 10 },
    userValues: ["url"],
    links: [],
  },
  "merge-decided": {
    data: {
      approved: true,
      sourceCustomerNumber: evil("B-1"),
      targetCustomerNumber: evil("A-1"),
      recipientCustomerNumber: evil("B-1"),
      reason: null,
    },
    userValues: ["B-1", "A-1"],
    links: [],
  },
};

function render<N extends TemplateName>(name: N, data: TemplateData<N>, locale: Locale): RenderedMail {
  // TEMPLATES[name] is a union of functions; each sample's data matches its own key, which TypeScript cannot see through the union.
  return (TEMPLATES[name] as (data: TemplateData<N>, locale: Locale) => RenderedMail)(data, locale);
}

/** The words a reader of the HTML part sees, link targets included, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<a href="([^"]*)">/g, " $1 ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

const LOCALES: Locale[] = ["de", "en"];

describe("notification templates", () => {
  test("every template file has a sample and a TEMPLATES key", () => {
    const dir = join(__dirname, "..", "src", "notifications", "templates");
    const helpers = new Set(["template", "index", "email-purpose"]);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -3))
      .filter((f) => !helpers.has(f))
      .sort();
    assert.deepEqual(Object.keys(TEMPLATES).sort(), files);
    assert.deepEqual(Object.keys(SAMPLES).sort(), files);
  });

  for (const name of Object.keys(SAMPLES) as TemplateName[]) {
    describe(name, () => {
      const sample = SAMPLES[name];
      const mails = { de: render(name, sample.data, "de"), en: render(name, sample.data, "en") };

      test("de and en differ", () => {
        assert.notEqual(mails.de.subject, mails.en.subject);
        assert.notEqual(mails.de.text, mails.en.text);
        assert.match(mails.de.html, /<html lang="de">/);
        assert.match(mails.en.html, /<html lang="en">/);
      });

      for (const locale of LOCALES) {
        const mail = mails[locale];

        test(`${locale}: the HTML part escapes every user value`, () => {
          assert.doesNotMatch(mail.html, /<script/i);
          for (const label of sample.userValues) assert.ok(mail.html.includes(label + EVIL_ESCAPED), `${label} escaped in ${mail.html}`);
        });

        test(`${locale}: the text part keeps every user value raw`, () => {
          for (const label of sample.userValues) assert.ok(mail.text.includes(label + EVIL), `${label} raw in ${mail.text}`);
          for (const label of sample.subjectValues ?? []) assert.ok(mail.subject.includes(label + EVIL), `${label} raw in ${mail.subject}`);
          assert.doesNotMatch(mail.text, /&#\d+;|<\/?(p|br|a)\b/, "no HTML in the text part");
          assert.doesNotMatch(mail.text + mail.subject, /undefined|null|\[object/);
        });

        test(`${locale}: links are clickable in HTML and written out in text`, () => {
          for (const link of sample.links) {
            assert.ok(mail.html.includes(`href="${LINK_ESCAPED}"`), `href in ${mail.html}`);
            assert.ok(mail.text.includes(link));
          }
          if (!sample.links.length) assert.doesNotMatch(mail.html, /<a /);
        });

        test(`${locale}: the HTML part says what the text part says`, () => {
          const seen = visibleText(mail.html);
          for (const word of mail.text
            .split(/\s+/)
            .map((w) => w.replace(/[:,.;]+$/, ""))
            .filter((w) => w && w !== "-")) {
            assert.ok(seen.includes(word), `"${word}" of the text part is missing in the HTML part: ${seen}`);
          }
        });
      }
    });
  }

  test("maintenance: each language shows its own title and message", () => {
    const data = SAMPLES["maintenance-notice"].data;
    const de = render("maintenance-notice", data, "de");
    const en = render("maintenance-notice", data, "en");
    assert.equal(de.subject, `Verschoben: ${data.titleDe}`);
    assert.equal(en.subject, `Rescheduled: ${data.titleEn}`);
    assert.ok(de.text.includes(data.messageDe) && !de.text.includes(data.messageEn));
    assert.ok(en.html.includes("message" + EVIL_ESCAPED) && !en.html.includes("nachricht"));
    assert.ok(de.text.includes("Zeitraum: 2026-12-01 22:00 UTC – 2026-12-02 02:00 UTC"));
    const cancelled = render("maintenance-notice", { ...data, cancelled: true }, "en");
    assert.equal(cancelled.subject, `Cancelled: ${data.titleEn}`);
    assert.ok(
      cancelled.text.startsWith(`The maintenance "${data.titleEn}" (2026-12-01 22:00 UTC – 2026-12-02 02:00 UTC) will not take place.`),
    );
    assert.equal(render("maintenance-notice", { ...data, revision: 1 }, "de").subject, data.titleDe);
  });

  test("invoice: a credit note names no due date", () => {
    const data = SAMPLES.invoice.data;
    assert.ok(render("invoice", data, "de").text.includes(", fällig am 2026-12-15."));
    const credit = render("invoice", { ...data, kind: "CREDIT_NOTE", dueDate: null }, "en");
    assert.equal(credit.subject, `Credit note ${data.number}`);
    assert.doesNotMatch(credit.text, /due/);
  });

  test("change request: an approval mentions a note only if there is one", () => {
    const approved = { approved: true, customerNumber: "10001", reason: null };
    assert.doesNotMatch(render("change-request-decided", approved, "en").text, /Note/);
    assert.match(render("change-request-decided", { ...approved, reason: "done" }, "de").text, /Hinweis: done/);
    assert.match(render("change-request-decided", { ...approved, approved: false, reason: "no" }, "de").text, /Begründung: no/);
  });

  test("user invitation: an existing login is asked for its password, a new one to choose one", () => {
    const data = SAMPLES["user-invitation"].data;
    assert.match(render("user-invitation", data, "en").text, /choose your password/);
    assert.match(render("user-invitation", { ...data, existingLogin: true }, "en").text, /already have a login/);
    assert.match(render("user-invitation", data, "de").text, /gültig bis 2026-12-08 10:30 UTC/);
  });

  test("membership notices: every change reads its own, to the user and to the customer", () => {
    const data = SAMPLES["user-membership-changed"].data;
    const changes = ["added", "removed", "role", "disabled", "enabled", "invited"] as const;
    for (const locale of LOCALES) {
      const subjects = changes.map((change) => render("user-membership-changed", { ...data, change }, locale).subject);
      assert.equal(new Set(subjects).size, changes.length);
    }
    assert.match(render("user-membership-changed", { ...data, toUser: true }, "en").text, /Your login now has the role administrator/);
    assert.match(render("user-membership-changed", { ...data, change: "removed", role: null }, "de").text, /hat keinen Zugriff mehr/);
  });

  test("username reminder: a customer without logins reads so", () => {
    const none = render("username-reminder", { customerNumber: "10001", loginEmails: [], customerNumberIsLogin: false }, "de");
    assert.match(none.text, /\(noch keiner\)/);
    assert.match(none.html, /\(noch keiner\)/);
  });

  test("the purposes of the templates are those of EmailVerificationPurpose", () => {
    // Compiles only while every value of the enum is one of EmailPurpose.
    const purposes: EmailPurpose[] = Object.values(EmailVerificationPurpose);
    for (const purpose of purposes) {
      for (const locale of LOCALES) {
        const mail = renderEmailConfirmation(
          { address: "a@example.com", purpose, link: "https://x.example", expiresAt: new Date() },
          locale,
        );
        assert.doesNotMatch(mail.text, /undefined/);
      }
    }
  });
});
