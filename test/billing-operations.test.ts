import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DunningService } from "../src/invoices/dunning.service";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { startTestApp, TestApp } from "./support/harness";

// Dunning levels and partial credit notes against the real database, workers and SMTP sink.
let t: TestApp;
let customer: { id: number; gid: string; email: string };

before(async () => {
  t = await startTestApp({ DUNNING_LEVELS: "7:0,21:500,35:1000" });
  await seedDemoData(t.app.db, { customers: 2 });
  const [row] = await t.app.db.query("SELECT id, email FROM customers WHERE customer_number = '1000002'");
  customer = { id: row.id, gid: toGlobalId("Customer", row.id), email: row.email };
  // Dunning goes to the main data: a separate billing address and online-invoice address must not get it.
  await t.app.db.query(
    "UPDATE customers SET billing_street = 'Postfach 1', billing_postal_code = '1010', billing_city = 'Wien', billing_country_code = 'AT', online_invoice_enabled = 1, online_invoice_email = 'buchhaltung@elsewhere.example', online_invoice_enabled_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
    [customer.id],
  );
});
after(() => t?.stop());

const ISSUE = `mutation($i: InvoiceIssueInput!) { invoiceIssue(input: $i) { invoice { id number gross { amount } } userErrors { code field } } }`;

async function issue(lines: object[]) {
  const res = await t.gql(ISSUE, { i: { customerId: customer.gid, lines } });
  assert.deepEqual(res.body.data.invoiceIssue.userErrors, []);
  return res.body.data.invoiceIssue.invoice as { id: string; number: string; gross: { amount: number } };
}

const dun = (today: string) => DunningService.run(t.app.db, t.app.relay, t.config, today);
const subjectsFor = (number: string) =>
  t.mailbox
    .to(customer.email)
    .map((m) => m.parsed.subject ?? "")
    .filter((s) => s.includes(number));

const DUNNINGS = `query($id: ID!) { node(id: $id) { ... on Invoice { status dunnings { level final sentOn fee { amount } feeInvoice { number gross { amount } vat { amount } dueDate } } } } }`;

describe("dunning levels", () => {
  test("each level goes once, to the customer's main email, with its fee billed as an invoice of its own", async () => {
    const invoice = await issue([{ description: "Server L", quantity: 1, unitPriceAmount: 10000, vatRate: 20 }]);
    await t.app.db.query("UPDATE invoices SET due_date = '2026-10-01' WHERE number = ?", [invoice.number]);

    await dun("2026-10-07"); // not yet due for the first level
    await dun("2026-10-08");
    await dun("2026-10-09"); // the same level again: nothing
    await t.mailbox.waitFor((m) => (m.parsed.subject ?? "") === `Zahlungserinnerung: Rechnung ${invoice.number}`);
    await dun("2026-10-22");
    await dun("2026-11-05");
    await dun("2026-11-20");
    await t.mailbox.waitFor((m) => (m.parsed.subject ?? "") === `Letzte Mahnung: Rechnung ${invoice.number}`);
    await t.mailbox.waitFor((m) => (m.parsed.subject ?? "") === `2. Mahnung: Rechnung ${invoice.number}`);
    assert.deepEqual(subjectsFor(invoice.number).sort(), [
      `2. Mahnung: Rechnung ${invoice.number}`,
      `Letzte Mahnung: Rechnung ${invoice.number}`,
      `Zahlungserinnerung: Rechnung ${invoice.number}`,
    ]);
    const letters = t.mailbox.to("buchhaltung@elsewhere.example").filter((m) => (m.parsed.subject ?? "").includes("Mahnung"));
    assert.deepEqual(letters, [], "never to the online-invoice address");

    const res = await t.gql(DUNNINGS, { id: invoice.id });
    const { status, dunnings } = res.body.data.node;
    assert.equal(status, "OVERDUE");
    assert.deepEqual(
      dunnings.map((d: any) => [d.level, d.final, d.sentOn, d.fee.amount]),
      [
        [1, false, "2026-10-08", 0],
        [2, false, "2026-10-22", 500],
        [3, true, "2026-11-05", 1000],
      ],
    );
    assert.equal(dunnings[0].feeInvoice, null);
    assert.deepEqual(
      dunnings.slice(1).map((d: any) => [d.feeInvoice.gross.amount, d.feeInvoice.vat.amount]),
      [
        [500, 0],
        [1000, 0],
      ],
    );
    const finalMail = t.mailbox.to(customer.email).find((m) => m.parsed.subject === `Letzte Mahnung: Rechnung ${invoice.number}`)!;
    assert.match(finalMail.parsed.text ?? "", new RegExp(`Mahngebühr von 10,00.*${dunnings[2].feeInvoice.number}`));

    // Fee invoices are not dunned themselves.
    await t.app.db.query("UPDATE invoices SET due_date = '2026-01-01' WHERE number IN (?)", [
      dunnings.slice(1).map((d: any) => d.feeInvoice.number),
    ]);
    await dun("2026-11-21");
    const [{ n }] = await t.app.db.query(
      "SELECT COUNT(*) AS n FROM invoice_dunnings d JOIN invoices i ON i.id = d.invoice_id WHERE i.number IN (?)",
      [dunnings.slice(1).map((d: any) => d.feeInvoice.number)],
    );
    assert.equal(Number(n), 0);
  });

  test("a late run sends the level that is due, not each one it missed", async () => {
    const invoice = await issue([{ description: "Domain", quantity: 1, unitPriceAmount: 1500, vatRate: 20 }]);
    await t.app.db.query("UPDATE invoices SET due_date = '2026-10-01' WHERE number = ?", [invoice.number]);
    await dun("2026-10-25");
    const res = await t.gql(DUNNINGS, { id: invoice.id });
    assert.deepEqual(
      res.body.data.node.dunnings.map((d: any) => d.level),
      [2],
    );
  });

  test("dunning stops once the invoice is paid or cancelled", async () => {
    const paid = await issue([{ description: "Mail", quantity: 1, unitPriceAmount: 800, vatRate: 20 }]);
    const cancelled = await issue([{ description: "VoIP", quantity: 1, unitPriceAmount: 900, vatRate: 20 }]);
    await t.app.db.query("UPDATE invoices SET due_date = '2026-10-01' WHERE number IN (?)", [[paid.number, cancelled.number]]);
    await dun("2026-10-08");
    const PAY = `mutation($i: PaymentRecordInput!) { paymentRecord(input: $i) { userErrors { code } } }`;
    await t.gql(PAY, {
      i: { customerId: customer.gid, invoiceId: paid.id, amount: paid.gross.amount, receivedOn: "2026-10-10", reference: paid.number },
    });
    await t.gql(`mutation($id: ID!) { invoiceCancel(invoiceId: $id, reason: "Fehler") { userErrors { code } } }`, { id: cancelled.id });
    await dun("2026-10-22");
    await dun("2026-11-05");
    for (const invoice of [paid, cancelled]) {
      const res = await t.gql(DUNNINGS, { id: invoice.id });
      assert.deepEqual(
        res.body.data.node.dunnings.map((d: any) => d.level),
        [1],
      );
    }
  });
});

const CREDIT = `mutation($id: ID!, $i: InvoiceCreditInput!) { invoiceCredit(invoiceId: $id, input: $i) {
  invoice { id number kind status gross { amount } originalInvoice { number status } lines { position description quantity net { amount } } }
  userErrors { code field } } }`;
const credit = async (invoiceId: string, input: object) => (await t.gql(CREDIT, { id: invoiceId, i: input })).body.data.invoiceCredit;
const BALANCE = `query($id: ID!) { customer(id: $id) { balance { amount } } }`;
const balance = async () => (await t.gql(BALANCE, { id: customer.gid })).body.data.customer.balance.amount as number;
const codes = (payload: { userErrors: { code: string; field: string[] }[] }) => payload.userErrors.map((e) => [e.code, e.field.join(".")]);
const count = async (sql: string) => Number((await t.app.db.query(sql))[0].n);

describe("partial credit notes", () => {
  test("lines, part of a line and an amount are credited in the credit-note series; balance and statement follow", async () => {
    const invoice = await issue([
      { description: "Webhosting M", quantity: 1, unitPriceAmount: 1000, vatRate: 20 },
      { description: "Support", quantity: 3, unitPriceAmount: 2000, vatRate: 20 },
      { description: "Zeitschrift", quantity: 1, unitPriceAmount: 500, vatRate: 10 },
    ]);
    assert.equal(invoice.gross.amount, 1000 * 1.2 + 6000 * 1.2 + 550);
    const before = await balance();

    const first = await credit(invoice.id, { lines: [{ position: 1 }, { position: 2, quantity: 1 }], reason: "Ausfall" });
    assert.deepEqual(first.userErrors, []);
    const note = first.invoice;
    assert.equal(note.kind, "CREDIT_NOTE");
    assert.match(note.number, /^GS-\d{4}-\d{6}$/);
    assert.deepEqual(note.originalInvoice, { number: invoice.number, status: "OPEN" });
    assert.equal(note.gross.amount, -(1000 + 2000) * 1.2);
    assert.deepEqual(
      note.lines.map((l: any) => [l.position, l.quantity, l.net.amount]),
      [
        [1, 1, -1000],
        [2, 1, -2000],
      ],
    );
    assert.equal(await balance(), before - 3600);

    const second = await credit(invoice.id, { amounts: [{ description: "Kulanz", netAmount: 100, vatRate: 10 }], reason: "Kulanz" });
    assert.deepEqual(second.userErrors, []);
    assert.equal(second.invoice.gross.amount, -110);
    assert.equal(Number(second.invoice.number.slice(-6)), Number(note.number.slice(-6)) + 1, "gapless series");
    assert.equal(await balance(), before - 3710);

    const year = note.number.slice(3, 7);
    const statement = await t.gql(
      `query($id: ID!, $f: LocalDate!, $t: LocalDate!) { customer(id: $id) { accountStatement(from: $f, to: $t) { kind reference amount { amount } } } }`,
      { id: customer.gid, f: `${year}-01-01`, t: `${year}-12-31` },
    );
    const entries = statement.body.data.customer.accountStatement.filter((e: any) =>
      [note.number, second.invoice.number].includes(e.reference),
    );
    assert.deepEqual(
      entries.map((e: any) => [e.kind, e.amount.amount]),
      [
        ["CREDIT_NOTE", -3600],
        ["CREDIT_NOTE", -110],
      ],
    );

    // Payments settle what is left after the credits.
    const left = invoice.gross.amount - 3710;
    const PAY = `mutation($i: PaymentRecordInput!) { paymentRecord(input: $i) { userErrors { code } } }`;
    await t.gql(PAY, {
      i: { customerId: customer.gid, invoiceId: invoice.id, amount: left, receivedOn: "2026-11-20", reference: invoice.number },
    });
    const [{ status }] = await t.app.db.query("SELECT status FROM invoices WHERE number = ?", [invoice.number]);
    assert.equal(status, "PAID");
  });

  test("nothing is credited beyond what is left, nor at a rate the invoice does not have; a refusal writes nothing", async () => {
    const invoice = await issue([
      { description: "Support", quantity: 2, unitPriceAmount: 1000, vatRate: 20 },
      { description: "Domain", quantity: 1, unitPriceAmount: 1000, vatRate: 20 },
    ]);
    assert.deepEqual((await credit(invoice.id, { lines: [{ position: 1, quantity: 1.5 }], reason: "x" })).userErrors, []);
    const notes = () => count("SELECT COUNT(*) AS n FROM invoices WHERE kind = 'CREDIT_NOTE'");
    const before = await notes();
    assert.deepEqual(codes(await credit(invoice.id, { lines: [{ position: 1, quantity: 1 }], reason: "x" })), [
      ["INVALID_INPUT", "input.lines.0.quantity"],
    ]);
    assert.deepEqual(codes(await credit(invoice.id, { lines: [{ position: 3 }], reason: "x" })), [
      ["INVALID_INPUT", "input.lines.0.position"],
    ]);
    assert.deepEqual(codes(await credit(invoice.id, { amounts: [{ description: "x", netAmount: 100, vatRate: 7 }], reason: "x" })), [
      ["INVALID_INPUT", "input.amounts.0.vatRate"],
    ]);
    assert.deepEqual(codes(await credit(invoice.id, { amounts: [{ description: "x", netAmount: 5000, vatRate: 20 }], reason: "x" })), [
      ["INVALID_INPUT", "input.amounts"],
    ]);
    assert.deepEqual(codes(await credit(invoice.id, { reason: "x" })), [["INVALID_INPUT", "input.lines"]]);
    assert.equal(await notes(), before);
    // A full cancellation would credit twice what was credited.
    const cancel = await t.gql(`mutation($id: ID!) { invoiceCancel(invoiceId: $id, reason: "x") { userErrors { code } } }`, {
      id: invoice.id,
    });
    assert.deepEqual(cancel.body.data.invoiceCancel.userErrors, [{ code: "CONFLICT" }]);
    // What is left, credited in full, cancels the invoice.
    const rest = await credit(invoice.id, { lines: [{ position: 1 }, { position: 2 }], reason: "Rest" });
    assert.deepEqual(rest.userErrors, []);
    assert.equal(rest.invoice.originalInvoice.status, "CANCELLED");
    assert.deepEqual(codes(await credit(invoice.id, { amounts: [{ description: "x", netAmount: 1, vatRate: 20 }], reason: "x" })), [
      ["NOT_PENDING", "invoiceId"],
    ]);
  });

  test("a credit note is emailed with its PDF like any credit note; customers' users may not issue one", async () => {
    const invoice = await issue([{ description: "Server", quantity: 1, unitPriceAmount: 5000, vatRate: 20 }]);
    const { invoice: note } = await credit(invoice.id, { lines: [{ position: 1, quantity: 0.5 }], reason: "Halber Monat" });
    const mail = await t.mailbox.waitFor((m) => (m.parsed.attachments ?? []).some((a) => a.filename === `${note.number}.pdf`));
    assert.ok(mail.length >= 1);
    const admin = await t.as({
      kind: "customer",
      userId: 9100,
      roles: new Map([[customer.id, "ADMIN" as never]]),
      label: "admin",
      sessionId: null,
    });
    const res = await t.gql(CREDIT, { id: invoice.id, i: { lines: [{ position: 1 }], reason: "x" } }, admin);
    assert.equal(res.body.errors?.[0].extensions?.code, "FORBIDDEN");
  });
});
