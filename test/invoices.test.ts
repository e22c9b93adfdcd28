import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PDFParse } from "pdf-parse";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { totalsOf } from "../src/invoices/amounts";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole } from "../src/users/user.enums";
import { eventually, startTestApp, TestApp, confirmByLink } from "./support/harness";

// Issuing, numbering, PDFs and invoice emails against the real database, workers and SMTP sink.
let t: TestApp;
const ids: Record<string, { id: number; gid: string }> = {};

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 4 });
  for (const number of ["1000001", "1000002", "1000003", "1000004"]) {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = ?", [number]);
    ids[number] = { id: row.id, gid: toGlobalId("Customer", row.id) };
  }
});
after(() => t?.stop());

const ISSUE = `mutation($i: InvoiceIssueInput!) { invoiceIssue(input: $i) {
  invoice { id number status issueDate dueDate net { amount } vat { amount } gross { amount currency } vatBreakdown { rate net { amount } vat { amount } }
    billingAddress { name street addressees } paymentTerms { method mandateReference iban paymentReference } lines { position net { amount } } }
  userErrors { code field message } } }`;

async function issue(customer: string, lines: object[], headers?: Record<string, string>) {
  const res = await t.gql(ISSUE, { i: { customerId: ids[customer].gid, lines } }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.invoiceIssue;
}

const user = (customer: string, role: CustomerRole): AuthenticatedPrincipal => ({
  kind: "customer",
  userId: 9000 + Object.values(CustomerRole).indexOf(role),
  roles: new Map([[ids[customer].id, role]]),
  label: `${role} test user`,
  sessionId: null,
});

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

const ONE_LINE = [{ description: "Webhosting M – Monatsentgelt", quantity: 1, unitPriceAmount: 1990, vatRate: 20 }];

describe("numbering", () => {
  test("20 concurrent issues get 20 distinct, consecutive numbers of the year", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => issue("1000003", ONE_LINE)));
    const numbers = results.map((r) => r.invoice.number).sort();
    const year = new Date().toISOString().slice(0, 4);
    assert.ok(numbers.every((n: string) => n.startsWith(`${year}-`)));
    const sequence = numbers.map((n: string) => Number(n.slice(5)));
    assert.equal(new Set(sequence).size, 20);
    sequence.forEach((n: number, i: number) => assert.equal(n, sequence[0] + i, "no gaps"));
    const [{ max }] = await t.app.db.query("SELECT MAX(number) AS max FROM invoices WHERE number LIKE ? AND number NOT IN (?)", [
      `${year}-%`,
      numbers,
    ]);
    assert.ok(!max || max < numbers[0], "the series continues after the numbers issued before");
  });
});

describe("totals", () => {
  test("lines are rounded to the cent, VAT once per rate on the rate's sum, half away from zero", async () => {
    const { invoice, userErrors } = await issue("1000003", [
      { description: "Support", quantity: 3, unitPriceAmount: 333, vatRate: 20 },
      { description: "Halbe Stunde", quantity: 0.5, unitPriceAmount: 1999, vatRate: 20 },
      { description: "Zeitschrift", quantity: 1, unitPriceAmount: 1000, vatRate: 10 },
    ]);
    assert.deepEqual(userErrors, []);
    assert.deepEqual(
      invoice.lines.map((l: any) => l.net.amount),
      [999, 1000, 1000],
    );
    assert.deepEqual(
      invoice.vatBreakdown.map((b: any) => [b.rate, b.net.amount, b.vat.amount]),
      [
        [20, 1999, 400],
        [10, 1000, 100],
      ],
    );
    assert.deepEqual([invoice.net.amount, invoice.vat.amount, invoice.gross.amount], [2999, 500, 3499]);
  });

  test("a credit note mirrors its invoice to the cent", () => {
    const lines = [
      { quantityMilli: 1500, unitPriceCents: 333, vatRate: "19.00" },
      { quantityMilli: 1000, unitPriceCents: 1, vatRate: "20.00" },
    ];
    const invoice = totalsOf(lines);
    const credit = totalsOf(lines.map((l) => ({ ...l, unitPriceCents: -l.unitPriceCents })));
    assert.deepEqual([credit.net, credit.vat, credit.gross], [-invoice.net, -invoice.vat, -invoice.gross]);
    assert.deepEqual([invoice.lineNets, invoice.vat], [[500, 1], 95]); // 499.5 → 500; 19 % of 500 = 95, 20 % of 1 = 0.2 → 0
  });

  test("bad lines are refused and nothing is issued", async () => {
    const [{ n: before }] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices");
    const decimals = await issue("1000003", [{ description: "x", quantity: 1.2345, unitPriceAmount: 100, vatRate: 20 }]);
    assert.equal(decimals.userErrors[0].code, "INVALID_INPUT");
    const negative = await issue("1000003", [{ description: "Gutschrift?", quantity: 1, unitPriceAmount: -500, vatRate: 20 }]);
    assert.equal(negative.userErrors[0].code, "INVALID_INPUT");
    const foreign = await t.app.db.query("SELECT id FROM products WHERE customer_id <> ? LIMIT 1", [ids["1000003"].id]);
    const product = await issue("1000003", [
      { description: "x", quantity: 1, unitPriceAmount: 100, vatRate: 20, productId: toGlobalId("Product", foreign[0].id) },
    ]);
    assert.equal(product.userErrors[0].code, "NOT_FOUND");
    const notAProduct = await issue("1000003", [
      { description: "x", quantity: 1, unitPriceAmount: 100, vatRate: 20, productId: toGlobalId("Customer", ids["1000003"].id) },
    ]);
    assert.deepEqual(notAProduct.userErrors, [
      { code: "INVALID_INPUT", field: ["input", "lines", "0", "productId"], message: "Not a product id" },
    ]);
    // Every rule broken at once is answered at once.
    const res = await t.gql(ISSUE, {
      i: {
        customerId: ids["1000003"].gid,
        periodStart: "2026-02-01",
        periodEnd: "2026-01-01",
        lines: [{ description: "x", quantity: 1, unitPriceAmount: 100, vatRate: 19.555 }],
      },
    });
    assert.deepEqual(
      res.body.data.invoiceIssue.userErrors.map((e: any) => [e.code, e.field.join(".")]),
      [
        ["INVALID_INPUT", "input.lines.0.vatRate"],
        ["INVALID_INPUT", "input.periodEnd"],
      ],
    );
    assert.equal(res.body.data.invoiceIssue.invoice, null);
    const [{ n: afterwards }] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices");
    assert.equal(afterwards, before);
  });
});

describe("snapshots and PDF", () => {
  test("the invoice keeps the address and addressees it was issued with", async () => {
    const { invoice } = await issue("1000001", ONE_LINE);
    const billingNames = await t.app.db.query(
      "SELECT CONCAT(first_name, ' ', last_name) AS name FROM contacts WHERE customer_id = ? AND FIND_IN_SET('BILLING', types) ORDER BY id",
      [ids["1000001"].id],
    );
    assert.deepEqual(
      invoice.billingAddress.addressees,
      billingNames.map((r: any) => r.name),
    );
    await t.gql(
      `mutation($id: ID!) { customerBillingAddressUpdate(customerId: $id, input: { name: "Neu GmbH", street: "Neugasse 9", postalCode: "1100", city: "Wien", countryCode: "AT" }) { userErrors { code } } }`,
      { id: ids["1000001"].gid },
    );
    const again = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { billingAddress { name street } } } }`, {
      id: invoice.id,
    });
    assert.deepEqual(again.body.data.node.billingAddress, { name: invoice.billingAddress.name, street: invoice.billingAddress.street });
    const next = (await issue("1000001", ONE_LINE)).invoice;
    assert.deepEqual([next.billingAddress.name, next.billingAddress.street], ["Neu GmbH", "Neugasse 9"]);
  });

  test("the PDF shows number, totals, addressees and payment terms, is the same every time, and is only for billing readers", async () => {
    const { invoice } = await issue("1000002", [
      { description: "Business Fiber 300/300", quantity: 1, unitPriceAmount: 123456, vatRate: 19 },
    ]);
    const billing = await t.as(user("1000002", CustomerRole.BILLING));
    const url = `${t.url}/invoices/${invoice.id}.pdf`;
    const first = await fetch(url, { headers: billing });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-type"), "application/pdf");
    const pdf = Buffer.from(await first.arrayBuffer());
    const text = await pdfText(pdf);
    assert.match(text, new RegExp(invoice.number));
    assert.match(text, /1\.469,13 EUR/); // 1,234.56 + 19 % = 1,469.13 (234.57 VAT)
    assert.match(text, /USt 19 %/);
    for (const addressee of invoice.billingAddress.addressees) assert.match(text, new RegExp(`z\\. Hd\\. ${addressee}`));
    if (invoice.paymentTerms.method === "BANK_TRANSFER") assert.match(text, new RegExp(`Zahlungsreferenz: ${invoice.number}`));
    else assert.match(text, new RegExp(invoice.paymentTerms.mandateReference));
    const second = Buffer.from(await (await fetch(url, { headers: billing })).arrayBuffer());
    assert.ok(pdf.equals(second), "the same invoice renders to the same bytes");

    assert.equal((await fetch(url, { headers: await t.as(user("1000002", CustomerRole.READ_ONLY)) })).status, 403);
    assert.equal((await fetch(url, { headers: await t.as(user("1000001", CustomerRole.ADMIN)) })).status, 403);
    assert.equal((await fetch(url)).status, 401);

    const link = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { pdfUrl } } }`, { id: invoice.id }, billing);
    const signed = await fetch(link.body.data.node.pdfUrl);
    assert.equal(signed.status, 200);
    assert.ok(Buffer.from(await signed.arrayBuffer()).equals(pdf));
    const other = (await issue("1000002", ONE_LINE)).invoice;
    const forged = link.body.data.node.pdfUrl.replace(invoice.id, other.id);
    assert.equal((await fetch(forged)).status, 403, "a link token opens only its own invoice");
  });
});

describe("online invoice", () => {
  test("the PDF goes by email to the online-invoice address and invoice contacts, never for invoices from before activation", async () => {
    const c = ids["1000002"];
    await t.gql(`mutation($id: ID!) { customerOnlineInvoiceUpdate(customerId: $id, input: { enabled: false }) { userErrors { code } } }`, {
      id: c.gid,
    });
    const early = (await issue("1000002", ONE_LINE)).invoice;

    await t.gql(
      `mutation($id: ID!) { customerOnlineInvoiceUpdate(customerId: $id, input: { enabled: true, email: "rechnungen@isarwerk.de" }) { userErrors { code } } }`,
      { id: c.gid },
    );
    const [confirmation] = await t.mailbox.waitFor((m) => m.envelopeTo.includes("rechnungen@isarwerk.de"));
    await confirmByLink(/(http:\/\/\S+verify-email\?token=[\w-]+)/.exec(confirmation.parsed.text ?? "")![1]);
    const [contact] = await t.app.db.query(
      "SELECT id, email FROM contacts WHERE customer_id = ? AND (FIND_IN_SET('STANDARD', types) OR FIND_IN_SET('BILLING', types)) ORDER BY id LIMIT 1",
      [c.id],
    );
    await t.app.db.query("UPDATE contacts SET email_confirmed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [contact.id]);
    const flagged = await t.gql(
      `mutation($id: ID!) { contactUpdate(contactId: $id, input: { receivesInvoices: true }) { userErrors { code } } }`,
      { id: toGlobalId("Contact", contact.id) },
    );
    assert.deepEqual(flagged.body.data.contactUpdate.userErrors, []);

    const flaggedContacts = await t.app.db.query(
      "SELECT email FROM contacts WHERE customer_id = ? AND receives_invoices = 1 AND email_confirmed_at IS NOT NULL AND (FIND_IN_SET('STANDARD', types) OR FIND_IN_SET('BILLING', types))",
      [c.id],
    );
    assert.ok(flaggedContacts.some((f: any) => f.email === contact.email));
    const expected = ["rechnungen@isarwerk.de", ...flaggedContacts.map((f: any) => f.email)].sort();

    const late = (await issue("1000002", ONE_LINE)).invoice;
    const mails = await t.mailbox.waitFor((m) => m.parsed.subject === `Rechnung ${late.number}`, expected.length);
    assert.deepEqual(mails.map((m) => m.envelopeTo[0]).sort(), expected);
    const attachment = mails[0].parsed.attachments[0];
    assert.equal(attachment.contentType, "application/pdf");
    assert.equal(attachment.filename, `${late.number}.pdf`);
    assert.match(await pdfText(attachment.content), new RegExp(late.number));

    const deliveries = await eventually(async () => {
      const res = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { deliveries { recipient status } } } }`, { id: late.id });
      const list = res.body.data.node.deliveries;
      return list.length === expected.length && list.every((d: any) => d.status === "SENT") ? list : undefined;
    });
    assert.deepEqual(deliveries.map((d: any) => d.recipient).sort(), expected);

    // Not retroactive: the invoice from before activation never went to the online-invoice address.
    assert.equal(t.mailbox.to("rechnungen@isarwerk.de").filter((m) => m.parsed.subject === `Rechnung ${early.number}`).length, 0);
    const earlyDeliveries = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { deliveries { recipient } } } }`, {
      id: early.id,
    });
    assert.ok(!earlyDeliveries.body.data.node.deliveries.some((d: any) => d.recipient === "rechnungen@isarwerk.de"));

    // A retried or duplicate job for the same invoice emails no one twice.
    const [row] = await t.app.db.query("SELECT id FROM outbox WHERE topic = 'invoice-email' AND JSON_VALUE(payload, '$.invoiceId') = ?", [
      Number(Buffer.from(late.id, "base64url").toString().split(":")[1]),
    ]);
    await t.app.queues["invoice-email"].remove(`outbox-${row.id}`);
    await t.app.db.query("UPDATE outbox SET done_at = NULL WHERE id = ?", [row.id]);
    await t.app.relay.dispatch([String(row.id)]);
    await eventually(async () =>
      (await t.app.queues["invoice-email"].getJobState(`outbox-${row.id}`)) === "completed" ? true : undefined,
    );
    assert.equal(t.mailbox.messages.filter((m) => m.parsed.subject === `Rechnung ${late.number}`).length, expected.length);
  });

  test("an ADMIN or BILLING user resends an invoice to a confirmed address only", async () => {
    const { invoice } = await issue("1000003", ONE_LINE);
    const [customer] = await t.app.db.query("SELECT email FROM customers WHERE id = ?", [ids["1000003"].id]);
    const RESEND = `mutation($id: ID!, $e: EmailAddress!) { invoiceResend(invoiceId: $id, email: $e) { userErrors { code } } }`;
    const billing = await t.as(user("1000003", CustomerRole.BILLING));
    const resends = async () =>
      Number(
        (
          await t.app.db.query(
            "SELECT COUNT(*) AS n FROM outbox WHERE topic = 'invoice-email' AND JSON_VALUE(payload, '$.kind') = 'resend'",
          )
        )[0].n,
      );
    const before = await resends();
    assert.deepEqual((await t.gql(RESEND, { id: invoice.id, e: "stranger@evil.example" }, billing)).body.data.invoiceResend.userErrors, [
      { code: "INVALID_INPUT" },
    ]);
    assert.equal(await resends(), before, "nothing was queued for the stranger");
    assert.deepEqual((await t.gql(RESEND, { id: invoice.id, e: customer.email }, billing)).body.data.invoiceResend.userErrors, []);
    await t.mailbox.waitFor((m) => m.envelopeTo.includes(customer.email) && m.parsed.subject === `Rechnung ${invoice.number}`);
    const technical = await t.as(user("1000003", CustomerRole.TECHNICAL));
    assert.equal((await t.gql(RESEND, { id: invoice.id, e: customer.email }, technical)).body.errors?.[0].extensions?.code, "FORBIDDEN");
  });
});

describe("payment method", () => {
  test("SEPA needs a valid IBAN, gets a mandate reference, and READ_ONLY users see the IBAN masked", async () => {
    const c = ids["1000004"];
    const UPDATE = `mutation($id: ID!, $i: PaymentMethodInput!) { customerPaymentMethodUpdate(customerId: $id, input: $i) { customer { payment { method sepa { iban mandateReference mandateDate scheme } } } userErrors { code field } } }`;
    const admin = await t.as(user("1000004", CustomerRole.ADMIN));
    const bad = await t.gql(
      UPDATE,
      { id: c.gid, i: { method: "SEPA_DIRECT_DEBIT", sepa: { iban: "DE89 3704 0044 0532 0130 01", accountHolder: "Test" } } },
      admin,
    );
    assert.deepEqual(bad.body.data.customerPaymentMethodUpdate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "sepa", "iban"] }]);
    const ok = await t.gql(
      UPDATE,
      {
        id: c.gid,
        i: { method: "SEPA_DIRECT_DEBIT", sepa: { iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX", accountHolder: "Test GmbH" } },
      },
      admin,
    );
    const sepa = ok.body.data.customerPaymentMethodUpdate.customer.payment.sepa;
    assert.equal(sepa.iban, "DE89370400440532013000");
    assert.match(sepa.mandateReference, /^KONTO-1000004-\d{2}$/);
    assert.equal(sepa.mandateDate, new Date().toISOString().slice(0, 10));

    const VIEW = `query($id: ID!) { customer(id: $id) { payment { sepa { iban } } } }`;
    const readOnly = await t.gql(VIEW, { id: c.gid }, await t.as(user("1000004", CustomerRole.READ_ONLY)));
    assert.equal(readOnly.body.data.customer.payment.sepa.iban, "DE89 **** 3000");
    const technical = await t.gql(VIEW, { id: c.gid }, await t.as(user("1000004", CustomerRole.TECHNICAL)));
    assert.equal(technical.body.data.customer.payment.sepa.iban, "DE89 **** 3000");
    const billing = await t.gql(VIEW, { id: c.gid }, await t.as(user("1000004", CustomerRole.BILLING)));
    assert.equal(billing.body.data.customer.payment.sepa.iban, "DE89370400440532013000");

    const [audit] = await t.app.db.query(
      "SELECT details FROM audit_log WHERE action = 'customer.paymentMethod.changed' ORDER BY id DESC LIMIT 1",
    );
    assert.doesNotMatch(JSON.stringify(audit.details), /0532013000/);
    const { invoice } = await issue("1000004", ONE_LINE);
    assert.deepEqual([invoice.paymentTerms.method, invoice.paymentTerms.mandateReference], ["SEPA_DIRECT_DEBIT", sepa.mandateReference]);
  });

  test("a new mandate continues from the customer's current reference: -01 becomes -02, then -03", async () => {
    const c = ids["1000002"];
    // As imported: a mandate made before Konto numbered them, with no series row yet.
    await t.app.db.query(
      "UPDATE customers SET payment_method = 'SEPA_DIRECT_DEBIT', sepa_iban = 'AT611904300234573201', sepa_account_holder = 'Alt', sepa_scheme = 'CORE', sepa_mandate_reference = 'KONTO-1000002-01', sepa_mandate_date = '2025-01-01' WHERE id = ?",
      [c.id],
    );
    const UPDATE = `mutation($id: ID!, $i: PaymentMethodInput!) { customerPaymentMethodUpdate(customerId: $id, input: $i) { customer { payment { sepa { mandateReference } } } userErrors { code } } }`;
    const admin = await t.as(user("1000002", CustomerRole.ADMIN));
    const references: string[] = [];
    for (const iban of ["DE89 3704 0044 0532 0130 00", "AT48 3200 0000 1234 5864"]) {
      const res = await t.gql(UPDATE, { id: c.gid, i: { method: "SEPA_DIRECT_DEBIT", sepa: { iban, accountHolder: "Neu" } } }, admin);
      assert.deepEqual(res.body.data.customerPaymentMethodUpdate.userErrors, []);
      references.push(res.body.data.customerPaymentMethodUpdate.customer.payment.sepa.mandateReference);
    }
    assert.deepEqual(references, ["KONTO-1000002-02", "KONTO-1000002-03"]);
  });
});

describe("cancellation, payments and balance", () => {
  test("a credit note cancels an invoice; payments settle; the statement lists both in date order", async () => {
    const c = ids["1000003"];
    const BALANCE = `query($id: ID!) { customer(id: $id) { balance { amount } } }`;
    const before = (await t.gql(BALANCE, { id: c.gid })).body.data.customer.balance.amount;
    const a = (await issue("1000003", [{ description: "Server", quantity: 1, unitPriceAmount: 10000, vatRate: 20 }])).invoice;
    const b = (await issue("1000003", [{ description: "Domain", quantity: 1, unitPriceAmount: 1500, vatRate: 20 }])).invoice;

    const cancel = await t.gql(
      `mutation($id: ID!) { invoiceCancel(invoiceId: $id, reason: "Doppelt verrechnet") { invoice { number kind gross { amount } originalInvoice { number status } } userErrors { code } } }`,
      { id: a.id },
    );
    const credit = cancel.body.data.invoiceCancel.invoice;
    assert.match(credit.number, /^GS-\d{4}-\d{6}$/);
    assert.deepEqual(
      [credit.kind, credit.gross.amount, credit.originalInvoice],
      ["CREDIT_NOTE", -12000, { number: a.number, status: "CANCELLED" }],
    );
    const twice = await t.gql(`mutation($id: ID!) { invoiceCancel(invoiceId: $id, reason: "again") { userErrors { code } } }`, {
      id: a.id,
    });
    assert.equal(twice.body.data.invoiceCancel.userErrors[0].code, "NOT_PENDING");

    const pay = await t.gql(
      `mutation($i: PaymentRecordInput!) { paymentRecord(input: $i) { payment { amount { amount } } userErrors { code } } }`,
      {
        i: {
          customerId: c.gid,
          invoiceId: b.id,
          amount: 1800,
          receivedOn: new Date().toISOString().slice(0, 10),
          reference: `Zahlung ${b.number}`,
          source: "BANK_IMPORT",
        },
      },
    );
    assert.deepEqual(pay.body.data.paymentRecord.userErrors, []);
    const paid = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { status } } }`, { id: b.id });
    assert.equal(paid.body.data.node.status, "PAID");
    const after = (await t.gql(BALANCE, { id: c.gid })).body.data.customer.balance.amount;
    assert.equal(after - before, 12000 - 12000 + 1800 - 1800);

    const today = new Date().toISOString().slice(0, 10);
    const statement = await t.gql(
      `query($id: ID!, $f: LocalDate!, $t: LocalDate!) { customer(id: $id) { accountStatement(from: $f, to: $t) { date kind reference amount { amount } balance { amount } } } }`,
      { id: c.gid, f: today, t: today },
    );
    const entries = statement.body.data.customer.accountStatement;
    const refs = entries.map((e: any) => e.reference);
    assert.ok(refs.indexOf(credit.number) > refs.indexOf(a.number));
    assert.ok(refs.indexOf(`Zahlung ${b.number}`) > refs.indexOf(b.number), "payments after invoices of the same day");
    assert.equal(entries.at(-1).balance.amount, after);
    entries.forEach((e: any, i: number) => i > 0 && assert.equal(e.balance.amount, entries[i - 1].balance.amount + e.amount.amount));
  });

  test("a cancellation with a too long reason, of a credit note, or twice is refused and writes nothing", async () => {
    const CANCEL = `mutation($id: ID!, $r: String!) { invoiceCancel(invoiceId: $id, reason: $r) { invoice { id } userErrors { code field } } }`;
    const cancel = async (id: string, reason: string) => (await t.gql(CANCEL, { id, r: reason })).body.data.invoiceCancel;
    const creditNotes = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM invoices WHERE kind = 'CREDIT_NOTE'"))[0].n);
    const { invoice } = await issue("1000003", ONE_LINE);
    const before = await creditNotes();

    assert.deepEqual(await cancel(invoice.id, "x".repeat(501)), {
      invoice: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["reason"] }],
    });
    const [stillOpen] = await t.app.db.query("SELECT status, cancel_reason FROM invoices WHERE number = ?", [invoice.number]);
    assert.deepEqual({ ...stillOpen }, { status: "OPEN", cancel_reason: null });
    assert.equal(await creditNotes(), before);

    const credit = (await cancel(invoice.id, "x".repeat(500))).invoice;
    assert.equal(await creditNotes(), before + 1);
    assert.deepEqual(await cancel(credit.id, "Storno vom Storno"), {
      invoice: null,
      userErrors: [{ code: "INVALID_INPUT", field: ["invoiceId"] }],
    });
    assert.deepEqual(await cancel(invoice.id, "again"), { invoice: null, userErrors: [{ code: "NOT_PENDING", field: ["invoiceId"] }] });
    assert.equal(await creditNotes(), before + 1);
  });

  test("a payment for another customer's invoice, for no invoice id or for an unknown customer is refused and not recorded", async () => {
    const PAY = `mutation($i: PaymentRecordInput!) { paymentRecord(input: $i) { payment { amount { amount } } userErrors { code field } } }`;
    const pay = (customerId: string, invoiceId: string) =>
      t.gql(PAY, { i: { customerId, invoiceId, amount: 100, receivedOn: "2026-11-01", reference: "Refused" } });
    const payments = async () => Number((await t.app.db.query("SELECT COUNT(*) AS n FROM payments"))[0].n);
    const before = await payments();
    const foreign = (await issue("1000004", ONE_LINE)).invoice;

    const notTheirs = await pay(ids["1000003"].gid, foreign.id);
    assert.deepEqual(notTheirs.body.data.paymentRecord, {
      payment: null,
      userErrors: [{ code: "NOT_FOUND", field: ["input", "invoiceId"] }],
    });
    const notAnInvoice = await pay(ids["1000003"].gid, ids["1000004"].gid);
    assert.deepEqual(notAnInvoice.body.data.paymentRecord.userErrors, [{ code: "INVALID_INPUT", field: ["input", "invoiceId"] }]);
    // An unknown customer is FORBIDDEN, as everywhere: ids are not probed.
    const unknown = await pay(toGlobalId("Customer", 999_999), foreign.id);
    assert.equal(unknown.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(await payments(), before);
    const [{ status }] = await t.app.db.query("SELECT status FROM invoices WHERE number = ?", [foreign.number]);
    assert.equal(status, "OPEN");
  });

  test("reminders for overdue invoices go to the customer's main email", async () => {
    const { invoice } = await issue("1000004", ONE_LINE);
    // Eight days overdue: the first dunning level (DUNNING_LEVELS, 7 days by default).
    await t.app.db.query("UPDATE invoices SET due_date = CURRENT_DATE - INTERVAL 8 DAY WHERE number = ?", [invoice.number]);
    const [customer] = await t.app.db.query("SELECT email FROM customers WHERE id = ?", [ids["1000004"].id]);
    await t.app.queues.housekeeping.add("invoice-reminders", {});
    const [reminder] = await t.mailbox.waitFor((m) => (m.parsed.subject ?? "").includes(`Zahlungserinnerung: Rechnung ${invoice.number}`));
    assert.deepEqual(reminder.envelopeTo, [customer.email]);
  });
});
