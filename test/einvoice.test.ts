import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import { PDFParse } from "pdf-parse";
import { create } from "xmlbuilder2";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { vatOf } from "../src/invoices/amounts";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole } from "../src/users/user.enums";
import { STAFF_ADMIN, startTestApp, TestApp } from "./support/harness";

// E-invoices (EN 16931 CII, XRechnung, ZUGFeRD) and legally complete invoices (service period,
// VAT categories, reverse charge, VAT ids, language), over HTTP against the real database,
// workers and SMTP sink. The official schematrons are not in the repository: these tests check
// the structure and that every sum in the XML is the invoice's to the cent. With EINVOICE_DUMP_DIR
// set, every XML fetched is also written there, to run the official rules over (README).
let t: TestApp;
const ids: Record<string, { id: number; gid: string }> = {};

const DUMP = process.env.EINVOICE_DUMP_DIR;
const dump = (name: string, content: Buffer | string) => {
  if (!DUMP) return;
  mkdirSync(DUMP, { recursive: true });
  writeFileSync(join(DUMP, name), content);
};

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 4 });
  for (const number of ["1000001", "1000002"]) {
    const [row] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = ?", [number]);
    ids[number] = { id: row.id, gid: toGlobalId("Customer", row.id) };
  }
});
after(() => t?.stop());

const user = (customer: string, role: CustomerRole): AuthenticatedPrincipal => ({
  kind: "customer",
  userId: 9100 + Object.values(CustomerRole).indexOf(role),
  roles: new Map([[ids[customer].id, role]]),
  label: `${role} test user`,
  sessionId: null,
});

const ISSUE = `mutation($i: InvoiceIssueInput!) { invoiceIssue(input: $i) {
  invoice { id number kind format buyerReference locale buyerVatId periodStart periodEnd deliveryDate net { amount } vat { amount } gross { amount }
    vatBreakdown { category rate note net { amount } vat { amount } } lines { position vatCategory vatRate vatExemptionReason net { amount } } }
  userErrors { code field message } } }`;

async function issue(customer: string, input: object, headers?: Record<string, string>) {
  const res = await t.gql(ISSUE, { i: { customerId: ids[customer].gid, ...input } }, headers);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.invoiceIssue;
}

const SETTINGS = `mutation($id: ID!, $i: InvoiceSettingsInput!) { customerInvoiceSettingsUpdate(customerId: $id, input: $i) {
  customer { invoiceSettings { format buyerReference } } userErrors { code field message } } }`;

async function setFormat(customer: string, format: string, buyerReference?: string) {
  const res = await t.gql(SETTINGS, { id: ids[customer].gid, i: { format, buyerReference } });
  assert.deepEqual(res.body.data.customerInvoiceSettingsUpdate.userErrors, []);
}

async function fetchFile(invoiceGid: string, extension: "pdf" | "xml"): Promise<Buffer> {
  const res = await fetch(`${t.url}/invoices/${invoiceGid}.${extension}`, { headers: await t.as(STAFF_ADMIN) });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

/** The XML as the official rules see it: xmlbuilder2's object form, namespace prefixes kept. */
async function xmlOf(invoice: { id: string; number: string }, headers?: Record<string, string>): Promise<any> {
  const res = await fetch(`${t.url}/invoices/${invoice.id}.xml`, { headers: headers ?? {} });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/xml/);
  const text = await res.text();
  dump(`${invoice.number}.xml`, text);
  return create(text).end({ format: "object" });
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const cents = (amount: any) => Math.round(Number(typeof amount === "object" ? amount["#"] : amount) * 100);

async function pdfPages(pdf: Buffer): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).pages.map((p: { text: string }) => p.text);
  } finally {
    await parser.destroy();
  }
}

/**
 * What a reader of the XML must find: EN 16931's sums (BR-CO-10, -13, -14, -15, -16), one VAT
 * breakdown per category and rate whose basis is its lines' nets and whose VAT is basis × rate
 * rounded (BR-S-08/09, BR-AE-08/09, BR-E-08/09), and all of it equal to the invoice's amounts.
 */
function assertSums(xml: any, invoice: any) {
  const root = xml["rsm:CrossIndustryInvoice"];
  const trade = root["rsm:SupplyChainTradeTransaction"];
  const settlement = trade["ram:ApplicableHeaderTradeSettlement"];
  const sums = settlement["ram:SpecifiedTradeSettlementHeaderMonetarySummation"];
  const sign = invoice.kind === "CREDIT_NOTE" ? -1 : 1;
  const lines = list<any>(trade["ram:IncludedSupplyChainTradeLineItem"]);
  assert.equal(lines.length, invoice.lines.length);
  const lineNets = lines.map((l) =>
    cents(l["ram:SpecifiedLineTradeSettlement"]["ram:SpecifiedTradeSettlementLineMonetarySummation"]["ram:LineTotalAmount"]),
  );
  assert.deepEqual(
    lineNets,
    invoice.lines.map((l: any) => sign * l.net.amount),
    "line nets are the invoice's",
  );
  const lineTotal = cents(sums["ram:LineTotalAmount"]);
  assert.equal(
    lineTotal,
    lineNets.reduce((a, b) => a + b, 0),
    "BR-CO-10",
  );
  assert.equal(cents(sums["ram:TaxBasisTotalAmount"]), lineTotal, "BR-CO-13 (no allowances or charges)");
  assert.equal(cents(sums["ram:TaxTotalAmount"]), sign * invoice.vat.amount);
  assert.equal(cents(sums["ram:GrandTotalAmount"]), sign * invoice.gross.amount);
  assert.equal(cents(sums["ram:GrandTotalAmount"]), cents(sums["ram:TaxBasisTotalAmount"]) + cents(sums["ram:TaxTotalAmount"]), "BR-CO-15");
  assert.equal(cents(sums["ram:DuePayableAmount"]), cents(sums["ram:GrandTotalAmount"]), "BR-CO-16");
  assert.equal(sums["ram:TaxTotalAmount"]["@currencyID"], "EUR");

  const taxes = list<any>(settlement["ram:ApplicableTradeTax"]);
  const codes: Record<string, string> = { STANDARD: "S", REVERSE_CHARGE: "AE", EXEMPT: "E", NOT_SUBJECT: "O" };
  assert.deepEqual(
    taxes.map((tax) => [
      tax["ram:CategoryCode"],
      Number(tax["ram:RateApplicablePercent"] ?? 0), // category O has no rate (BR-O-05)
      cents(tax["ram:BasisAmount"]),
      cents(tax["ram:CalculatedAmount"]),
    ]),
    invoice.vatBreakdown.map((b: any) => [codes[b.category], b.rate, sign * b.net.amount, sign * b.vat.amount]),
  );
  assert.equal(
    taxes.reduce((sum, tax) => sum + cents(tax["ram:CalculatedAmount"]), 0),
    cents(sums["ram:TaxTotalAmount"]),
    "BR-CO-14",
  );
  for (const tax of taxes) {
    const category = tax["ram:CategoryCode"];
    const rate = tax["ram:RateApplicablePercent"] ?? "0.00";
    const basis = lines
      .filter((l) => {
        const lineTax = l["ram:SpecifiedLineTradeSettlement"]["ram:ApplicableTradeTax"];
        return lineTax["ram:CategoryCode"] === category && (lineTax["ram:RateApplicablePercent"] ?? "0.00") === rate;
      })
      .reduce(
        (sum, l) =>
          sum + cents(l["ram:SpecifiedLineTradeSettlement"]["ram:SpecifiedTradeSettlementLineMonetarySummation"]["ram:LineTotalAmount"]),
        0,
      );
    assert.equal(cents(tax["ram:BasisAmount"]), basis, `the ${category} ${rate} basis is the sum of its lines`);
    assert.equal(
      cents(tax["ram:CalculatedAmount"]),
      vatOf(basis, rate),
      `the ${category} ${rate} VAT is its basis times its rate, rounded`,
    );
    if (category === "S") assert.ok(Number(rate) > 0, "BR-S-05");
    else {
      assert.equal(Number(rate), 0, `BR-${category}-05`);
      assert.ok(tax["ram:ExemptionReason"] || tax["ram:ExemptionReasonCode"], `BR-${category}-10`);
    }
  }
  for (const l of lines) {
    assert.ok(cents(l["ram:SpecifiedLineTradeAgreement"]["ram:NetPriceProductTradePrice"]["ram:ChargeAmount"]) >= 0, "BR-27");
  }
  return { root, trade, settlement };
}

describe("VAT categories", () => {
  test("a business with a VAT id in another member state is billed by reverse charge: 0 %, both VAT ids and the note", async () => {
    // 1000002 is Isarwerk Digital GmbH in München with DE136695976; the demo provider is in Wien.
    const { invoice, userErrors } = await issue("1000002", {
      lines: [{ description: "Managed Server L – Dezember 2026", quantity: 1, unitPriceAmount: 12900 }],
      periodStart: "2026-12-01",
      periodEnd: "2026-12-31",
    });
    assert.deepEqual(userErrors, []);
    assert.deepEqual(
      invoice.lines.map((l: any) => [l.vatCategory, l.vatRate]),
      [["REVERSE_CHARGE", 0]],
    );
    assert.deepEqual([invoice.net.amount, invoice.vat.amount, invoice.gross.amount], [12900, 0, 12900]);
    assert.deepEqual(invoice.vatBreakdown[0].note, "Steuerschuldnerschaft des Leistungsempfängers / Reverse charge");
    assert.equal(invoice.buyerVatId, "DE136695976");

    const text = (await pdfPages(await fetchFile(invoice.id, "pdf"))).join("\n");
    assert.match(text, /Steuerschuldnerschaft des Leistungsempfängers \/ Reverse charge/);
    assert.match(text, /UID des Leistungsempfängers: DE136695976/);
    assert.match(text, /UID ATU12345675/);
    assert.match(text, /Leistungszeitraum: 01\.12\.2026 – 31\.12\.2026/);
    assert.match(text, /Reverse Charge 0 %/);

    const xml = await xmlOf(invoice, await t.as(user("1000002", CustomerRole.BILLING)));
    const { trade } = assertSums(xml, invoice);
    const agreement = trade["ram:ApplicableHeaderTradeAgreement"];
    assert.equal(agreement["ram:SellerTradeParty"]["ram:SpecifiedTaxRegistration"]["ram:ID"]["#"], "ATU12345675");
    assert.equal(agreement["ram:BuyerTradeParty"]["ram:SpecifiedTaxRegistration"]["ram:ID"]["#"], "DE136695976");
    const period = trade["ram:ApplicableHeaderTradeSettlement"]["ram:BillingSpecifiedPeriod"];
    assert.equal(period["ram:StartDateTime"]["udt:DateTimeString"]["#"], "20261201");
    assert.equal(period["ram:EndDateTime"]["udt:DateTimeString"]["#"], "20261231");
  });

  test("a domestic business pays the seller's rate; without a period the invoice states its delivery date", async () => {
    const { invoice, userErrors } = await issue("1000001", {
      lines: [
        { description: "Webhosting M", quantity: 1, unitPriceAmount: 1990 },
        { description: "Zusätzliche Postfächer", quantity: 3, unitPriceAmount: 250 },
      ],
    });
    assert.deepEqual(userErrors, []);
    assert.deepEqual(
      invoice.lines.map((l: any) => [l.vatCategory, l.vatRate]),
      [
        ["STANDARD", 20],
        ["STANDARD", 20],
      ],
    );
    assert.equal(invoice.deliveryDate, new Date().toISOString().slice(0, 10));
    const text = (await pdfPages(await fetchFile(invoice.id, "pdf"))).join("\n");
    assert.match(text, /Leistungsdatum: \d\d\.\d\d\.\d{4}/);
    const xml = await xmlOf(invoice, await t.as(user("1000001", CustomerRole.ADMIN)));
    const { trade } = assertSums(xml, invoice);
    const delivery = trade["ram:ApplicableHeaderTradeDelivery"]["ram:ActualDeliverySupplyChainEvent"]["ram:OccurrenceDateTime"];
    assert.equal(delivery["udt:DateTimeString"]["#"], invoice.deliveryDate.replaceAll("-", ""));
  });

  test("a rate must fit its category, only staff override the proposal, an exemption needs its reason; refused issues write nothing", async () => {
    const [{ n: before }] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices");
    const german = await issue("1000002", { lines: [{ description: "x", quantity: 1, unitPriceAmount: 100, vatRate: 19 }] });
    assert.deepEqual(
      german.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "lines", "0", "vatRate"]]],
    );
    const zeroStandard = await issue("1000001", {
      lines: [{ description: "x", quantity: 1, unitPriceAmount: 100, vatCategory: "STANDARD", vatRate: 0 }],
    });
    assert.deepEqual(
      zeroStandard.userErrors.map((e: any) => e.field),
      [["input", "lines", "0", "vatRate"]],
    );
    const noReason = await issue("1000001", { lines: [{ description: "x", quantity: 1, unitPriceAmount: 100, vatCategory: "EXEMPT" }] });
    assert.deepEqual(
      noReason.userErrors.map((e: any) => e.field),
      [["input", "lines", "0", "vatExemptionReason"]],
    );
    const [reseller] = await t.app.db.query("SELECT reseller_id FROM customers WHERE id = ?", [ids["1000002"].id]);
    const asReseller = await t.as({
      kind: "reseller",
      resellerId: reseller.reseller_id,
      userId: null,
      clientId: 1,
      label: "reseller",
      sessionId: null,
    });
    const override = await issue(
      "1000002",
      { lines: [{ description: "x", quantity: 1, unitPriceAmount: 100, vatCategory: "STANDARD" }] },
      asReseller,
    );
    assert.deepEqual(
      override.userErrors.map((e: any) => e.field),
      [["input", "lines", "0", "vatCategory"]],
    );
    const [{ n: after }] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices");
    assert.equal(after, before);

    // Staff may: a mixed invoice (standard and exempt) has one breakdown per category.
    const mixed = await issue("1000001", {
      lines: [
        { description: "Webhosting", quantity: 1, unitPriceAmount: 1001 },
        {
          description: "Schulung (Bildungsleistung)",
          quantity: 2,
          unitPriceAmount: 4950,
          vatCategory: "EXEMPT",
          vatExemptionReason: "Steuerfrei gemäß § 6 Abs. 1 Z 11 UStG",
        },
      ],
    });
    assert.deepEqual(mixed.userErrors, []);
    assert.deepEqual(
      mixed.invoice.vatBreakdown.map((b: any) => [b.category, b.rate, b.net.amount, b.vat.amount, b.note]),
      [
        ["STANDARD", 20, 1001, 200, null],
        ["EXEMPT", 0, 9900, 0, "Steuerfrei gemäß § 6 Abs. 1 Z 11 UStG"],
      ],
    );
    assertSums(await xmlOf(mixed.invoice, await t.as(user("1000001", CustomerRole.ADMIN))), mixed.invoice);
    const text = (await pdfPages(await fetchFile(mixed.invoice.id, "pdf"))).join("\n");
    assert.match(text, /Steuerfrei gemäß § 6 Abs\. 1 Z 11 UStG/);
  });
});

describe("not subject to VAT", () => {
  test("a non-taxable invoice (e.g. a dunning fee) is category O with its reason and names no VAT ids; it stands alone", async () => {
    const reason = "Nicht steuerbar: Mahngebühr (Schadenersatz)";
    const mixed = await issue("1000001", {
      lines: [
        { description: "Mahngebühr", quantity: 1, unitPriceAmount: 1000, vatCategory: "NOT_SUBJECT", vatExemptionReason: reason },
        { description: "Webhosting", quantity: 1, unitPriceAmount: 1000 },
      ],
    });
    assert.deepEqual(
      mixed.userErrors.map((e: any) => e.field),
      [["input", "lines"]],
    );
    const { invoice, userErrors } = await issue("1000001", {
      lines: [{ description: "Mahngebühr", quantity: 1, unitPriceAmount: 1000, vatCategory: "NOT_SUBJECT", vatExemptionReason: reason }],
    });
    assert.deepEqual(userErrors, []);
    const xml = await xmlOf(invoice, await t.as(STAFF_ADMIN));
    const { trade } = assertSums(xml, invoice);
    const agreement = trade["ram:ApplicableHeaderTradeAgreement"];
    assert.equal(agreement["ram:SellerTradeParty"]["ram:SpecifiedTaxRegistration"], undefined, "BR-O-02");
    assert.equal(agreement["ram:BuyerTradeParty"]["ram:SpecifiedTaxRegistration"], undefined, "BR-O-04");
    assert.equal(agreement["ram:SellerTradeParty"]["ram:SpecifiedLegalOrganization"]["ram:ID"], "FN 123456a", "BR-CO-26");
    const tax = trade["ram:ApplicableHeaderTradeSettlement"]["ram:ApplicableTradeTax"];
    assert.deepEqual([tax["ram:CategoryCode"], tax["ram:ExemptionReason"]], ["O", reason]);
  });
});

describe("invoice format and buyer reference", () => {
  test("ADMIN and BILLING users, the reseller and staff may set them; XRechnung needs a buyer reference; issued invoices keep theirs", async () => {
    const technical = await t.gql(
      SETTINGS,
      { id: ids["1000001"].gid, i: { format: "ZUGFERD" } },
      await t.as(user("1000001", CustomerRole.TECHNICAL)),
    );
    assert.equal(technical.body.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const foreign = await t.gql(
      SETTINGS,
      { id: ids["1000002"].gid, i: { format: "ZUGFERD" } },
      await t.as(user("1000001", CustomerRole.ADMIN)),
    );
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, "FORBIDDEN");
    const noReference = await t.gql(
      SETTINGS,
      { id: ids["1000001"].gid, i: { format: "XRECHNUNG" } },
      await t.as(user("1000001", CustomerRole.BILLING)),
    );
    assert.deepEqual(
      noReference.body.data.customerInvoiceSettingsUpdate.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "buyerReference"]]],
    );
    const billing = await t.gql(
      SETTINGS,
      { id: ids["1000001"].gid, i: { format: "ZUGFERD", buyerReference: "PO-4711" } },
      await t.as(user("1000001", CustomerRole.BILLING)),
    );
    assert.deepEqual(billing.body.data.customerInvoiceSettingsUpdate.customer.invoiceSettings, {
      format: "ZUGFERD",
      buyerReference: "PO-4711",
    });

    const zugferd = (await issue("1000001", { lines: [{ description: "Webhosting M", quantity: 1, unitPriceAmount: 1990 }] })).invoice;
    assert.deepEqual([zugferd.format, zugferd.buyerReference], ["ZUGFERD", "PO-4711"]);
    const pdfBefore = await fetchFile(zugferd.id, "pdf");
    await setFormat("1000001", "PDF");
    const again = await t.gql(`query($id: ID!) { node(id: $id) { ... on Invoice { format buyerReference } } }`, { id: zugferd.id });
    assert.deepEqual(again.body.data.node, { format: "ZUGFERD", buyerReference: "PO-4711" });
    assert.ok((await fetchFile(zugferd.id, "pdf")).equals(pdfBefore), "a change never alters an issued invoice");
  });
});

describe("XRechnung and ZUGFeRD", () => {
  test("an XRechnung invoice and its credit note: CII with the XRechnung id, the Leitweg-ID, type 381 referring to the invoice", async () => {
    await setFormat("1000001", "XRECHNUNG", "04011000-12345-34");
    const { invoice } = await issue("1000001", {
      lines: [
        { description: "Webhosting M – Dezember 2026", quantity: 1, unitPriceAmount: 1990 },
        { description: "Support (Stunden)", quantity: 1.5, unitPriceAmount: 333 },
        { description: "Treuerabatt", quantity: 1, unitPriceAmount: -500 },
      ],
      periodStart: "2026-12-01",
      periodEnd: "2026-12-31",
    });
    const admin = await t.as(user("1000001", CustomerRole.ADMIN));
    const xml = await xmlOf(invoice, admin);
    const { root, trade } = assertSums(xml, invoice);
    assert.equal(
      root["rsm:ExchangedDocumentContext"]["ram:GuidelineSpecifiedDocumentContextParameter"]["ram:ID"],
      "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    );
    assert.equal(root["rsm:ExchangedDocument"]["ram:TypeCode"], "380");
    assert.equal(root["rsm:ExchangedDocument"]["ram:ID"], invoice.number);
    assert.equal(trade["ram:ApplicableHeaderTradeAgreement"]["ram:BuyerReference"], "04011000-12345-34");
    const seller = trade["ram:ApplicableHeaderTradeAgreement"]["ram:SellerTradeParty"];
    assert.equal(seller["ram:PostalTradeAddress"]["ram:CountryID"], "AT");
    assert.equal(seller["ram:URIUniversalCommunication"]["ram:URIID"]["@schemeID"], "EM");
    assert.ok(seller["ram:DefinedTradeContact"]["ram:TelephoneUniversalCommunication"]["ram:CompleteNumber"]);
    const buyer = trade["ram:ApplicableHeaderTradeAgreement"]["ram:BuyerTradeParty"];
    assert.match(buyer["ram:URIUniversalCommunication"]["ram:URIID"]["#"], /@/, "BT-49: the buyer's electronic address");
    // The discount line: a negative quantity at a positive price (BR-27).
    const discount = list<any>(trade["ram:IncludedSupplyChainTradeLineItem"])[2];
    assert.equal(discount["ram:SpecifiedLineTradeDelivery"]["ram:BilledQuantity"]["#"], "-1.000");
    assert.equal(discount["ram:SpecifiedLineTradeAgreement"]["ram:NetPriceProductTradePrice"]["ram:ChargeAmount"], "5.00");

    const cancel = await t.gql(
      `mutation($id: ID!) { invoiceCancel(invoiceId: $id, reason: "Doppelt verrechnet") { invoice { id number kind net { amount } vat { amount } gross { amount }
        vatBreakdown { category rate net { amount } vat { amount } } lines { position net { amount } } } userErrors { code } } }`,
      { id: invoice.id },
    );
    const credit = cancel.body.data.invoiceCancel.invoice;
    const creditXml = await xmlOf(credit, admin);
    const parts = assertSums(creditXml, credit);
    assert.equal(parts.root["rsm:ExchangedDocument"]["ram:TypeCode"], "381");
    assert.equal(
      cents(parts.settlement["ram:SpecifiedTradeSettlementHeaderMonetarySummation"]["ram:GrandTotalAmount"]),
      invoice.gross.amount,
    );
    const reference = parts.settlement["ram:InvoiceReferencedDocument"];
    assert.equal(reference["ram:IssuerAssignedID"], invoice.number);
    assert.match(reference["ram:FormattedIssueDateTime"]["qdt:DateTimeString"]["#"], /^\d{8}$/);

    // The XRechnung email carries the XML, which is then the invoice.
    await t.app.db.query(
      "UPDATE contacts SET email_confirmed_at = CURRENT_TIMESTAMP(3), receives_invoices = 1 WHERE customer_id = ? AND FIND_IN_SET('STANDARD', types)",
      [ids["1000001"].id],
    );
    const mailed = (await issue("1000001", { lines: [{ description: "Domain", quantity: 1, unitPriceAmount: 1200 }] })).invoice;
    const [mail] = await t.mailbox.waitFor((m) => m.parsed.subject === `Rechnung ${mailed.number}`);
    assert.deepEqual(
      mail.parsed.attachments.map((a: any) => [a.filename, a.contentType]),
      [[`${mailed.number}.xml`, "application/xml"]],
    );
    assert.ok(mail.parsed.attachments[0].content.equals(await fetchFile(mailed.id, "xml")));
  });

  test("a ZUGFeRD invoice is a PDF/A-3 with embedded fonts, an output intent, the Factur-X XMP and the XML as its alternative", async () => {
    await setFormat("1000002", "ZUGFERD");
    const { invoice } = await issue("1000002", { lines: [{ description: "Colocation 1 HE", quantity: 2, unitPriceAmount: 4900 }] });
    const pdf = await fetchFile(invoice.id, "pdf");
    const raw = pdf.toString("latin1");
    assert.match(raw, /^%PDF-1\.7/);
    assert.match(raw, /<pdfaid:part>3<\/pdfaid:part>/);
    assert.match(raw, /<pdfaid:conformance>B<\/pdfaid:conformance>/);
    assert.match(raw, /<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
    assert.match(raw, /<fx:DocumentFileName>factur-x\.xml<\/fx:DocumentFileName>/);
    assert.match(raw, /pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</);
    assert.match(raw, /\/OutputIntents/);
    assert.match(raw, /\/S \/GTS_PDFA1/);
    assert.match(raw, /\/AFRelationship \/Alternative/);
    assert.match(raw, /\/Subtype \/text#2Fxml/);
    assert.match(raw, /\/FontFile2/, "the fonts are embedded");
    assert.doesNotMatch(raw, /\/BaseFont \/Helvetica/, "no standard font that is not embedded");

    // The embedded file is the XML the route serves, byte for byte.
    const xml = await fetchFile(invoice.id, "xml");
    dump(`${invoice.number}-zugferd.xml`, xml);
    const streams = [...raw.matchAll(/\/Type \/EmbeddedFile[\s\S]*?stream\r?\n/g)];
    assert.equal(streams.length, 1);
    const start = streams[0].index! + streams[0][0].length;
    const end = raw.indexOf("endstream", start);
    const embedded = pdf.subarray(start, end);
    const content = /\/Filter \/FlateDecode/.test(streams[0][0]) ? inflateSync(embedded) : embedded;
    assert.ok(content.subarray(0, xml.length).equals(xml));
    assertSums(create(xml.toString("utf8")).end({ format: "object" }), invoice);
    assert.ok(pdf.equals(await fetchFile(invoice.id, "pdf")), "the same bytes every time");
  });

  test("the XML has the PDF's authorization: billing readers of the customer, or the short-lived link", async () => {
    const { invoice } = await issue("1000002", { lines: [{ description: "x", quantity: 1, unitPriceAmount: 100 }] });
    const url = `${t.url}/invoices/${invoice.id}.xml`;
    assert.equal((await fetch(url, { headers: await t.as(user("1000002", CustomerRole.READ_ONLY)) })).status, 403);
    assert.equal((await fetch(url, { headers: await t.as(user("1000001", CustomerRole.ADMIN)) })).status, 403);
    assert.equal((await fetch(url)).status, 401);
    const link = await t.gql(
      `query($id: ID!) { node(id: $id) { ... on Invoice { xmlUrl } } }`,
      { id: invoice.id },
      await t.as(user("1000002", CustomerRole.BILLING)),
    );
    const signed = await fetch(link.body.data.node.xmlUrl);
    assert.equal(signed.status, 200);
    assert.match(await signed.text(), /CrossIndustryInvoice/);
  });
});

describe("the PDF", () => {
  test("is in the customer's language as issued: the same bytes after the customer switches language", async () => {
    const created = await t.gql(
      `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id } userErrors { code field } } }`,
      {
        i: {
          kind: "BUSINESS",
          companyName: "Vienna Expat Services GmbH",
          email: "office@expat.example",
          locale: "en",
          vatId: "ATU 1234 5675",
          address: { street: "Ringstraße 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
          contact: { firstName: "Emma", lastName: "Ward", email: "emma@expat.example" },
        },
      },
    );
    assert.deepEqual(created.body.data.customerCreate.userErrors, []);
    const gid = created.body.data.customerCreate.customer.id;
    ids.english = { id: Number(Buffer.from(gid, "base64url").toString().split(":")[1]), gid };
    const { invoice } = await issue("english", { lines: [{ description: "Cloud Server S", quantity: 1, unitPriceAmount: 2490 }] });
    assert.equal(invoice.locale, "en");
    const pdf = await fetchFile(invoice.id, "pdf");
    const text = (await pdfPages(pdf)).join("\n");
    assert.match(text, new RegExp(`Invoice ${invoice.number}`));
    assert.match(text, /Date of supply: \d{4}-\d\d-\d\d/);
    assert.match(text, /VAT 20 % on 24\.90 EUR/);
    assert.match(text, /Total amount\s+29\.88\s+EUR/);
    assert.match(text, /Customer VAT ID: ATU12345675/);
    // The customer switches to German: the issued invoice keeps its language.
    const switched = await t.gql(
      `mutation($id: ID!) { customerSettingsUpdate(customerId: $id, input: { locale: de }) { customer { locale } userErrors { code } } }`,
      { id: gid },
    );
    assert.deepEqual(switched.body.data.customerSettingsUpdate, { customer: { locale: "de" }, userErrors: [] });
    assert.ok((await fetchFile(invoice.id, "pdf")).equals(pdf));
  });

  test("200 lines paginate: the table header on every page, every line once in order, the totals on the last page only", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => ({
      description:
        i % 17 === 0
          ? `Rufnummer +43 1 555 ${1000 + i} – Verbindungsentgelte laut Einzelentgeltnachweis, Zeitraum November 2026`
          : `Position ${i + 1}`,
      quantity: 1,
      unitPriceAmount: 100 + i,
    }));
    const { invoice, userErrors } = await issue("1000001", { lines, periodStart: "2026-11-01", periodEnd: "2026-11-30" });
    assert.deepEqual(userErrors, []);
    const pages = await pdfPages(await fetchFile(invoice.id, "pdf"));
    assert.ok(pages.length >= 4, `${pages.length} pages`);
    pages.forEach((page, i) => {
      assert.match(page, /Pos\s+Beschreibung\s+Menge\s+Einzelpreis\s+USt\s+Netto/, `header on page ${i + 1}`);
      assert.match(page, new RegExp(`Seite ${i + 1} von ${pages.length}`));
      assert.equal(/Gesamtbetrag/.test(page), i === pages.length - 1, `totals only on the last page (page ${i + 1})`);
    });
    const positions = pages
      .join("\n")
      .split("\n")
      .map((row) => /^(\d+)\s+(Position \d+|Rufnummer)/.exec(row)?.[1])
      .filter((n): n is string => !!n)
      .map(Number);
    assert.deepEqual(
      positions,
      Array.from({ length: 200 }, (_, i) => i + 1),
      "every line once, in order",
    );
    assertSums(await xmlOf(invoice, await t.as(user("1000001", CustomerRole.ADMIN))), { ...invoice, lines: invoice.lines });
  });
});

describe("VAT id", () => {
  test("is checked by its country's format and check digit when set on a new customer or asked for in a change request", async () => {
    const create = await t.gql(
      `mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id } userErrors { code field message } } }`,
      {
        i: {
          kind: "BUSINESS",
          companyName: "Falsch GmbH",
          email: "office@falsch.example",
          vatId: "DE123456789",
          address: { street: "Hauptstraße 1", postalCode: "10115", city: "Berlin", countryCode: "DE" },
          contact: { firstName: "F", lastName: "Falsch", email: "f@falsch.example" },
        },
      },
    );
    assert.deepEqual(
      create.body.data.customerCreate.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "vatId"]]],
    );
    assert.match(create.body.data.customerCreate.userErrors[0].message, /check digit/);
    const request = `mutation($id: ID!, $i: ChangeRequestInput!) { customerChangeRequestCreate(customerId: $id, input: $i) { changeRequest { id } userErrors { code field } } }`;
    const bad = await t.gql(request, { id: ids["1000001"].gid, i: { vatId: "ATU1234567" } });
    assert.deepEqual(
      bad.body.data.customerChangeRequestCreate.userErrors.map((e: any) => [e.code, e.field]),
      [["INVALID_INPUT", ["input", "vatId"]]],
    );
    const good = await t.gql(request, { id: ids["1000001"].gid, i: { vatId: "de 136 695 976" } });
    assert.deepEqual(good.body.data.customerChangeRequestCreate.userErrors, []);
  });
});

describe("demo data", () => {
  test("bills cross-border business customers with a VAT id by reverse charge, everyone else at the applicable standard rate", async () => {
    const rows = await t.app.db.query(
      `SELECT c.country_code, c.kind, c.vat_id IS NOT NULL AS has_vat_id, l.vat_category, l.vat_rate, COUNT(*) AS n
       FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id JOIN customers c ON c.id = i.customer_id
       WHERE i.created_at < CURRENT_DATE() GROUP BY 1, 2, 3, 4, 5`,
    );
    assert.ok(rows.length > 0);
    for (const r of rows) {
      const expected =
        r.country_code === "AT"
          ? ["STANDARD", "20.00"]
          : r.kind === "BUSINESS" && r.has_vat_id
            ? ["REVERSE_CHARGE", "0.00"]
            : ["STANDARD", "19.00"];
      assert.deepEqual([r.vat_category, r.vat_rate], expected, JSON.stringify(r));
    }
    assert.ok(
      rows.some((r: any) => r.vat_category === "REVERSE_CHARGE"),
      "the German business customers are billed by reverse charge",
    );
  });
});
