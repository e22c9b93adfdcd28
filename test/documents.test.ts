import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import PDFDocument from "pdfkit";
import { PDFParse } from "pdf-parse";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { deleteInvoicesPastRetention } from "../src/invoices/invoice-retention";
import { toGlobalId } from "../src/platform/global-id";
import { jsonColumn } from "../src/platform/rows";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole, StaffRole } from "../src/users/user.enums";
import { eventually, startTestApp, TestApp } from "./support/harness";

// Documents and data protection over HTTP: the document library with uploads and downloads, the
// data-processing agreement, the data export, account closure, and attachments of requests.
let t: TestApp;
const c: Record<string, { id: number; gid: string; email: string; number: string }> = {};
const UPLOAD_MAX = 2_000_000;

const member = (name: string, role: CustomerRole, userId = 7000 + c[name].id): AuthenticatedPrincipal => ({
  kind: "customer",
  userId,
  roles: new Map([[c[name].id, role]]),
  label: `${role} of ${name}`,
  sessionId: null,
});
const admin = (name: string) => member(name, CustomerRole.ADMIN);
const STAFF_SUPPORT: AuthenticatedPrincipal = { kind: "staff", userId: 2, role: StaffRole.SUPPORT, label: "support", sessionId: null };

async function pdf(text: string, padding = 0): Promise<Buffer> {
  // Bytes after %%EOF are ignored by readers (and by sniffing): a quick way to a file of a given size.
  const document = await render(text);
  return padding ? Buffer.concat([document, randomBytes(padding)]) : document;
}

function render(text: string): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false, info: { CreationDate: new Date("2026-01-01T00:00:00Z") } });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  doc.text(text);
  doc.end();
  return done;
}
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

async function pdfText(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/** POSTs one file as multipart/form-data, with text fields. */
async function upload(path: string, headers: Record<string, string>, file: Buffer, filename: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  // The declared type is a lie on purpose where a test says so: the server sniffs the content.
  form.append("file", new Blob([new Uint8Array(file)], { type: "application/pdf" }), filename);
  const response = await fetch(`${t.url}${path}`, { method: "POST", headers, body: form });
  return { status: response.status, body: (await response.json()) as any };
}

async function download(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The customer's audit log as its ADMIN reads it in the portal, newest first. */
async function auditLogOf(name: string): Promise<{ action: string; actor: string; details: Record<string, unknown> }[]> {
  const res = await t.gql(
    `query($id: ID!) { customer(id: $id) { auditLog(first: 100) { nodes { action actor details } } } }`,
    { id: c[name].gid },
    await t.as(admin(name)),
  );
  return res.body.data.customer.auditLog.nodes;
}

const downloadsIn = async (name: string, action: string) => (await auditLogOf(name)).filter((e) => e.action === action);

/** The entries of a ZIP file, read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, "a ZIP file");
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString();
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + skip;
  }
  return entries;
}

before(async () => {
  t = await startTestApp({ UPLOAD_MAX_BYTES: String(UPLOAD_MAX) });
  await seedDemoData(t.app.db, { customers: 8 });
  for (const [name, number] of [
    ["A", "1000003"],
    ["B", "1000004"],
    ["C", "1000005"],
    ["D", "1000006"],
  ]) {
    const [row] = await t.app.db.query("SELECT id, email FROM customers WHERE customer_number = ?", [number]);
    c[name] = { id: row.id, gid: toGlobalId("Customer", row.id), email: row.email, number };
  }
});
after(() => t?.stop());

describe("document library", () => {
  const CREATE = `mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id titleDe visibility currentVersion { id } } userErrors { code field } } }`;
  const LIST = `query($id: ID!) { customer(id: $id) { documents(first: 50) { totalCount nodes { id titleEn category currentVersion { id version filename current downloadUrl file { contentType size sha256 } } } } } }`;
  const docs: Record<string, string> = {};
  let productType = "";
  let staffHeaders: Record<string, string>;

  before(async () => {
    staffHeaders = await t.as({ kind: "staff", userId: 1, role: StaffRole.ADMIN, label: "staff", sessionId: null });
    // A product type A has and B does not.
    const [row] = await t.app.db.query(
      "SELECT type FROM products WHERE customer_id = ? AND status <> 'CANCELLED' AND type NOT IN (SELECT type FROM products WHERE customer_id = ?) LIMIT 1",
      [c.A.id, c.B.id],
    );
    productType = row.type;
  });

  test("staff create documents for every customer, a product type and one customer; a visibility without its target changes nothing", async () => {
    for (const [key, input] of Object.entries({
      terms: { titleDe: "AGB", titleEn: "Terms", category: "TERMS", visibility: "ALL_CUSTOMERS" },
      product: { titleDe: "Handbuch", titleEn: "Manual", category: "MANUAL", visibility: "PRODUCT_TYPE", productType },
      contract: { titleDe: "Vertrag A", titleEn: "Contract A", category: "CONTRACT", visibility: "CUSTOMER", customerId: c.A.gid },
      draft: { titleDe: "Entwurf", titleEn: "Draft", category: "FORM", visibility: "ALL_CUSTOMERS" },
    })) {
      const res = await t.gql(CREATE, { i: input });
      assert.deepEqual(res.body.data.documentCreate.userErrors, []);
      assert.equal(res.body.data.documentCreate.document.currentVersion, null, "nothing published before an upload");
      docs[key] = res.body.data.documentCreate.document.id;
    }
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM documents");
    const bad = await t.gql(CREATE, { i: { titleDe: "x", titleEn: "x", category: "FORM", visibility: "PRODUCT_TYPE" } });
    assert.deepEqual(bad.body.data.documentCreate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "productType"] }]);
    const foreign = await t.gql(CREATE, { i: { titleDe: "x", titleEn: "x", category: "FORM", visibility: "CUSTOMER" } });
    assert.deepEqual(foreign.body.data.documentCreate.userErrors, [{ code: "INVALID_INPUT", field: ["input", "customerId"] }]);
    const [{ n: after }] = await t.app.db.query("SELECT COUNT(*) AS n FROM documents");
    assert.equal(after, n);

    const asCustomer = await t.gql(
      CREATE,
      { i: { titleDe: "x", titleEn: "x", category: "FORM", visibility: "ALL_CUSTOMERS" } },
      await t.as(admin("A")),
    );
    assert.equal(asCustomer.body.errors?.[0].extensions?.code, "FORBIDDEN");
  });

  test("staff upload versions; the content type is sniffed, size is limited, the newest becomes current and can be set back", async () => {
    for (const key of ["terms", "product", "contract"]) {
      const res = await upload(`/documents/${docs[key]}/versions`, staffHeaders, await pdf(`${key} v1`), `${key}.pdf`);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.userErrors, []);
      assert.equal(res.body.version.version, 1);
      assert.equal(res.body.version.file.contentType, "application/pdf");
    }
    const v2bytes = await pdf("contract v2");
    const v2 = await upload(`/documents/${docs.contract}/versions`, staffHeaders, v2bytes, "../../etc/Vertrag\u0000 A.txt");
    assert.equal(v2.status, 201);
    assert.equal(v2.body.version.version, 2);
    assert.equal(v2.body.version.filename, "Vertrag A.pdf", "no path, no control characters, the extension of its content");
    assert.equal(v2.body.version.file.sha256, sha256(v2bytes));

    const [{ n: files }] = await t.app.db.query("SELECT COUNT(*) AS n FROM stored_files");
    const text = await upload(
      `/documents/${docs.draft}/versions`,
      staffHeaders,
      Buffer.from("Firmenbuchauszug, as plain text\n"),
      "fake.pdf",
    );
    assert.equal(text.status, 422);
    assert.deepEqual(
      text.body.userErrors.map((e: { code: string }) => e.code),
      ["UNSUPPORTED_FILE_TYPE"],
    );
    const big = await upload(`/documents/${docs.draft}/versions`, staffHeaders, await pdf("big", UPLOAD_MAX + 1000), "big.pdf");
    assert.equal(big.status, 413);
    assert.equal(big.body.userErrors[0].code, "FILE_TOO_LARGE");
    const [{ n: filesAfter }] = await t.app.db.query("SELECT COUNT(*) AS n FROM stored_files");
    assert.equal(filesAfter, files, "refused uploads store nothing");
    // Over the 1 MiB GraphQL body limit but under UPLOAD_MAX_BYTES: the route's own limit applies.
    const large = await upload(`/documents/${docs.draft}/versions`, staffHeaders, await pdf("large", 1_500_000), "large.pdf");
    assert.equal(large.status, 201);

    const customerUpload = await upload(`/documents/${docs.terms}/versions`, await t.as(admin("A")), await pdf("x"), "x.pdf");
    assert.equal(customerUpload.status, 403);
    const anonymous = await upload(`/documents/${docs.terms}/versions`, {}, await pdf("x"), "x.pdf");
    assert.equal(anonymous.status, 401);

    const versions = await t.gql(`query { documents(first: 10) { nodes { id versions { id version current } } } }`);
    const contract = versions.body.data.documents.nodes.find((d: { id: string }) => d.id === docs.contract);
    assert.deepEqual(
      contract.versions.map((v: { version: number; current: boolean }) => [v.version, v.current]),
      [
        [2, true],
        [1, false],
      ],
    );
    const back = await t.gql(
      `mutation($v: ID!) { documentVersionSetCurrent(versionId: $v) { document { currentVersion { version } } userErrors { code } } }`,
      { v: contract.versions[1].id },
    );
    assert.equal(back.body.data.documentVersionSetCurrent.document.currentVersion.version, 1);
    await t.gql(`mutation($v: ID!) { documentVersionSetCurrent(versionId: $v) { userErrors { code } } }`, { v: contract.versions[0].id });
    const [audit] = await t.app.db.query("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'document.%'");
    assert.ok(Number(audit.n) >= 9, "creations, uploads and changes are audited");
  });

  test("a customer lists what is meant for it, READ_ONLY users too; another customer sees only what is for everyone", async () => {
    const titles = async (name: string, role: CustomerRole) => {
      const res = await t.gql(LIST, { id: c[name].gid }, await t.as(member(name, role)));
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      return res.body.data.customer.documents.nodes.map((d: { titleEn: string }) => d.titleEn).sort();
    };
    assert.deepEqual(await titles("A", CustomerRole.ADMIN), ["Contract A", "Draft", "Manual", "Terms"]);
    assert.deepEqual(await titles("A", CustomerRole.READ_ONLY), ["Contract A", "Draft", "Manual", "Terms"]);
    assert.deepEqual(await titles("B", CustomerRole.ADMIN), ["Draft", "Terms"]);
    const foreign = await t.gql(LIST, { id: c.A.gid }, await t.as(admin("B")));
    assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");
  });

  test("downloads go through the authorized route; a foreign customer, an unknown id and no token are refused", async () => {
    const res = await t.gql(LIST, { id: c.A.gid }, await t.as(member("A", CustomerRole.READ_ONLY)));
    const contract = res.body.data.customer.documents.nodes.find((d: { titleEn: string }) => d.titleEn === "Contract A");
    const url = contract.currentVersion.downloadUrl;
    const own = await download(url, await t.as(member("A", CustomerRole.READ_ONLY)));
    assert.equal(own.status, 200);
    assert.equal(own.headers.get("content-type"), "application/pdf");
    assert.equal(sha256(own.bytes), contract.currentVersion.file.sha256);
    assert.match(await pdfText(own.bytes), /contract v2/);
    const [audited] = await downloadsIn("A", "document.downloaded");
    assert.equal(audited?.actor, "READ_ONLY of A", "the download is in A's audit log");
    assert.equal(audited?.details.documentVersionId, contract.currentVersion.id);

    const before = (await downloadsIn("B", "document.downloaded")).length;
    assert.equal((await download(url, await t.as(admin("B")))).status, 403, "another customer's document");
    assert.equal(
      (await download(`/documents/${toGlobalId("DocumentVersion", 99999)}`, await t.as(admin("B")))).status,
      403,
      "unknown: the same answer",
    );
    assert.equal((await download(url)).status, 401);
    // An earlier version is not what customers get.
    const [old] = await t.app.db.query("SELECT id FROM document_versions WHERE document_id = ? AND version = 1", [
      Number(Buffer.from(contract.id, "base64url").toString().split(":")[1]),
    ]);
    assert.equal((await download(`/documents/${toGlobalId("DocumentVersion", old.id)}`, await t.as(admin("A")))).status, 403);
    assert.equal((await downloadsIn("B", "document.downloaded")).length, before, "a refused download is not a download");
    assert.equal((await downloadsIn("A", "document.downloaded")).length, 1);
  });
});

describe("data-processing agreement", () => {
  const STATUS = `query($id: ID!) { customer(id: $id) { dataProcessingAgreement { status currentVersion { id label downloadUrl file { sha256 } } acceptance { id sha256 acceptedBy ipAddress certificateUrl version { label } } } } }`;
  const ACCEPT = `mutation($c: ID!, $v: ID!) { dataProcessingAgreementAccept(customerId: $c, versionId: $v) { acceptance { id sha256 } userErrors { code field } } }`;
  const BY_STATUS = `query($s: DpaStatus!) { customersByDpaStatus(status: $s, first: 100) { totalCount nodes { customerNumber } } }`;
  let v1: { id: string; bytes: Buffer };
  const statusOf = async (name: string) =>
    (await t.gql(STATUS, { id: c[name].gid }, await t.as(admin(name)))).body.data.customer.dataProcessingAgreement;
  const numbers = async (status: string) =>
    (await t.gql(BY_STATUS, { s: status })).body.data.customersByDpaStatus.nodes.map((n: { customerNumber: string }) => n.customerNumber);

  test("staff ADMIN publish a version as a PDF; other types and other callers are refused", async () => {
    assert.equal((await statusOf("A")).status, "NONE_PUBLISHED");
    const bytes = await pdf("Vereinbarung zur Auftragsverarbeitung, Fassung 2026-11");
    const staffAdmin = await t.as({ kind: "staff", userId: 1, role: StaffRole.ADMIN, label: "staff", sessionId: null });
    const png = await upload("/dpa/versions", staffAdmin, PNG, "av.png", { label: "2026-11" });
    assert.equal(png.status, 422);
    assert.equal(png.body.userErrors[0].code, "UNSUPPORTED_FILE_TYPE");
    assert.equal((await upload("/dpa/versions", await t.as(STAFF_SUPPORT), bytes, "av.pdf", { label: "2026-11" })).status, 403);
    assert.equal((await upload("/dpa/versions", await t.as(admin("A")), bytes, "av.pdf", { label: "2026-11" })).status, 403);
    const res = await upload("/dpa/versions", staffAdmin, bytes, "av.pdf", { label: "2026-11" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    v1 = { id: res.body.version.id, bytes };
    const again = await upload("/dpa/versions", staffAdmin, bytes, "av.pdf", { label: "2026-11" });
    assert.equal(again.body.userErrors[0].code, "TAKEN");
  });

  test("the customer's ADMIN accepts the version in force: who, when, from where and the hash are recorded and audited", async () => {
    const before = await statusOf("A");
    assert.equal(before.status, "NOT_ACCEPTED");
    assert.equal(before.currentVersion.file.sha256, sha256(v1.bytes));

    const readOnly = await t.as(member("A", CustomerRole.READ_ONLY));
    const refused = await t.gql(ACCEPT, { c: c.A.gid, v: v1.id }, readOnly);
    assert.equal(refused.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const hidden = await t.gql(STATUS, { id: c.A.gid }, readOnly);
    assert.equal(hidden.body.errors?.[0].extensions?.code, "FORBIDDEN", "READ_ONLY users only list documents");
    const foreign = await t.gql(ACCEPT, { c: c.A.gid, v: v1.id }, await t.as(admin("B")));
    assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM dpa_acceptances"))[0].n), 0);

    const res = await t.gql(ACCEPT, { c: c.A.gid, v: v1.id }, await t.as(admin("A")));
    assert.deepEqual(res.body.data.dataProcessingAgreementAccept.userErrors, []);
    assert.equal(res.body.data.dataProcessingAgreementAccept.acceptance.sha256, sha256(v1.bytes));
    const after = await statusOf("A");
    assert.equal(after.status, "ACCEPTED");
    assert.deepEqual(
      [after.acceptance.acceptedBy, after.acceptance.ipAddress, after.acceptance.version.label],
      ["ADMIN of A", "127.0.0.1", "2026-11"],
    );
    const [audit] = await t.app.db.query("SELECT details FROM audit_log WHERE customer_id = ? AND action = 'dpa.accepted'", [c.A.id]);
    assert.equal(jsonColumn<{ sha256: string }>(audit.details)?.sha256, sha256(v1.bytes));

    const twice = await t.gql(ACCEPT, { c: c.A.gid, v: v1.id }, await t.as(admin("A")));
    assert.equal(twice.body.data.dataProcessingAgreementAccept.acceptance.id, res.body.data.dataProcessingAgreementAccept.acceptance.id);
    assert.equal(Number((await t.app.db.query("SELECT COUNT(*) AS n FROM dpa_acceptances"))[0].n), 1);
  });

  test("the agreement and the acceptance certificate download next to each other; another customer's certificate is refused", async () => {
    const status = await statusOf("A");
    const text = await download(status.currentVersion.downloadUrl, await t.as(admin("B")));
    assert.equal(text.status, 200, "the agreement's text is the same for everyone");
    assert.equal(sha256(text.bytes), sha256(v1.bytes));

    const certificate = await download(status.acceptance.certificateUrl, await t.as(admin("A")));
    assert.equal(certificate.status, 200);
    assert.equal(certificate.headers.get("content-type"), "application/pdf");
    const words = await pdfText(certificate.bytes);
    for (const expected of [c.A.number, "2026-11", sha256(v1.bytes), "ADMIN of A", "127.0.0.1"])
      assert.ok(words.includes(expected), `${expected} in ${words}`);
    assert.deepEqual(
      (await downloadsIn("A", "dpa.certificateDownloaded")).map((e) => [e.actor, e.details.label]),
      [["ADMIN of A", "2026-11"]],
    );
    assert.deepEqual(
      (await downloadsIn("B", "dpa.downloaded")).map((e) => [e.actor, e.details.label]),
      [["ADMIN of B", "2026-11"]],
      "B's reading of the agreement is in B's log",
    );
    assert.equal((await download(status.acceptance.certificateUrl, await t.as(admin("B")))).status, 403);
    assert.equal((await downloadsIn("B", "dpa.certificateDownloaded")).length, 0, "refused: nothing recorded");
    assert.equal((await download(`/dpa/acceptances/${toGlobalId("DpaAcceptance", 999)}.pdf`, await t.as(admin("B")))).status, 403);
    assert.equal((await download(status.acceptance.certificateUrl)).status, 401);
  });

  test("a new version: customers that accepted the old one are emailed and pending; staff list customers by status", async () => {
    assert.ok((await numbers("ACCEPTED")).includes(c.A.number));
    assert.ok((await numbers("NOT_ACCEPTED")).includes(c.B.number));
    assert.ok(!(await numbers("NOT_ACCEPTED")).includes(c.A.number));

    const staffAdmin = await t.as({ kind: "staff", userId: 1, role: StaffRole.ADMIN, label: "staff", sessionId: null });
    const res = await upload("/dpa/versions", staffAdmin, await pdf("Fassung 2027-01"), "av2.pdf", { label: "2027-01" });
    assert.equal(res.status, 201);
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.A.email) && /2027-01/.test(m.parsed.subject ?? ""));
    assert.match(mail.parsed.text ?? "", new RegExp(c.A.number));
    const status = await statusOf("A");
    assert.deepEqual(
      [status.status, status.currentVersion.label, status.acceptance.version.label],
      ["PENDING_ACCEPTANCE", "2027-01", "2026-11"],
    );
    assert.ok((await numbers("PENDING_ACCEPTANCE")).includes(c.A.number));

    const stale = await t.gql(ACCEPT, { c: c.A.gid, v: v1.id }, await t.as(admin("A")));
    assert.deepEqual(stale.body.data.dataProcessingAgreementAccept.userErrors, [{ code: "CONFLICT", field: ["versionId"] }]);
    assert.equal(
      t.mailbox.to(c.B.email).filter((m) => /2027-01/.test(m.parsed.subject ?? "")).length,
      0,
      "who never accepted is not emailed",
    );
  });
});

describe("attachments of change and support requests", () => {
  test("a Firmenbuchauszug goes with a change request; staff see and download it, another customer cannot", async () => {
    const created = await t.gql(
      `mutation($id: ID!) { customerChangeRequestCreate(customerId: $id, input: { companyName: "Neu GmbH" }) { changeRequest { id } userErrors { code } } }`,
      { id: c.A.gid },
      await t.as(admin("A")),
    );
    const requestId = created.body.data.customerChangeRequestCreate.changeRequest.id;
    const proof = await pdf("Firmenbuchauszug FN 123456a");
    assert.equal((await upload(`/change-requests/${requestId}/attachments`, await t.as(admin("B")), proof, "fb.pdf")).status, 403);
    assert.equal(
      (await upload(`/change-requests/${toGlobalId("ChangeRequest", 9999)}/attachments`, await t.as(admin("B")), proof, "fb.pdf")).status,
      403,
      "unknown: the same answer",
    );
    const text = await upload(`/change-requests/${requestId}/attachments`, await t.as(admin("A")), Buffer.from("FN 123456a"), "fb.pdf");
    assert.equal(text.body.userErrors[0].code, "UNSUPPORTED_FILE_TYPE");
    const res = await upload(`/change-requests/${requestId}/attachments`, await t.as(admin("A")), proof, "Firmenbuchauszug.pdf");
    assert.equal(res.status, 201, JSON.stringify(res.body));

    const list = await t.gql(`query { changeRequests(first: 10) { nodes { id attachments { filename downloadUrl file { sha256 } } } } }`);
    const request = list.body.data.changeRequests.nodes.find((n: { id: string }) => n.id === requestId);
    assert.deepEqual(
      request.attachments.map((a: { filename: string }) => a.filename),
      ["Firmenbuchauszug.pdf"],
    );
    const staff = await download(request.attachments[0].downloadUrl, await t.as(STAFF_SUPPORT));
    assert.equal(sha256(staff.bytes), sha256(proof));
    assert.deepEqual(
      (await downloadsIn("A", "attachment.downloaded")).map((e) => [e.actor, e.details.changeRequestId, e.details.filename]),
      [["support", requestId, "Firmenbuchauszug.pdf"]],
      "staff reading the proof shows in the customer's log",
    );
    assert.equal((await download(request.attachments[0].downloadUrl, await t.as(admin("B")))).status, 403);
    assert.equal((await downloadsIn("B", "attachment.downloaded")).length, 0);
  });

  test("a support request takes an image; the customer's users download it", async () => {
    const created = await t.gql(
      `mutation($id: ID!) { supportRequestCreate(customerId: $id, input: { subject: "Fehler", message: "Siehe Bild" }) { supportRequest { id } userErrors { code } } }`,
      { id: c.A.gid },
      await t.as(member("A", CustomerRole.TECHNICAL)),
    );
    const requestId = created.body.data.supportRequestCreate.supportRequest.id;
    const res = await upload(
      `/support-requests/${requestId}/attachments`,
      await t.as(member("A", CustomerRole.TECHNICAL)),
      PNG,
      "screen.png",
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attachment.file.contentType, "image/png");
    const own = await download(res.body.attachment.downloadUrl, await t.as(member("A", CustomerRole.READ_ONLY)));
    assert.deepEqual(own.bytes, PNG);
    assert.equal((await download(res.body.attachment.downloadUrl, await t.as(admin("B")))).status, 403);
  });
});

describe("data export", () => {
  const REQUEST = `mutation($id: ID!) { dataExportRequest(customerId: $id) { dataExport { id status } userErrors { code field } } }`;

  test("the customer's ADMIN asks; a worker builds the ZIP and a link valid 7 days is emailed", async () => {
    const readOnly = await t.gql(REQUEST, { id: c.A.gid }, await t.as(member("A", CustomerRole.READ_ONLY)));
    assert.equal(readOnly.body.errors?.[0].extensions?.code, "FORBIDDEN");
    const foreign = await t.gql(REQUEST, { id: c.A.gid }, await t.as(admin("B")));
    assert.equal(foreign.body.errors?.[0].extensions?.code, "FORBIDDEN");

    const res = await t.gql(REQUEST, { id: c.A.gid }, await t.as(admin("A")));
    assert.deepEqual(res.body.data.dataExportRequest.userErrors, []);
    assert.equal(res.body.data.dataExportRequest.dataExport.status, "BUILDING");
    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.A.email) && /export/i.test(m.parsed.subject ?? ""));
    const link = /https?:\/\/\S+\/exports\/\S+/.exec(mail.parsed.text ?? "")?.[0];
    assert.ok(link, mail.parsed.text);
    const [row] = await t.app.db.query(
      "SELECT status, TIMESTAMPDIFF(HOUR, ready_at, expires_at) AS hours FROM data_exports WHERE customer_id = ?",
      [c.A.id],
    );
    assert.deepEqual([row.status, Number(row.hours)], ["READY", 7 * 24]);

    const zip = await fetch(link);
    assert.equal(zip.status, 200);
    const entries = unzip(Buffer.from(await zip.arrayBuffer()));
    const customer = JSON.parse(entries.get("customer.json")!.toString());
    assert.equal(customer.customer_number, c.A.number);
    assert.equal(customer.customer_pin, undefined, "no secrets");
    for (const name of [
      "contacts.json",
      "users.json",
      "products.json",
      "invoices.json",
      "payments.json",
      "audit-log.json",
      "verifications.json",
      "support-requests.json",
      "change-requests.json",
      "dpa-acceptances.json",
    ]) {
      assert.ok(Array.isArray(JSON.parse(entries.get(name)!.toString())), name);
    }
    const invoices = JSON.parse(entries.get("invoices.json")!.toString());
    assert.ok(invoices.length > 0, "the demo customer has invoices");
    for (const invoice of invoices) assert.match(entries.get(`invoices/${invoice.number}.pdf`)!.subarray(0, 5).toString(), /%PDF-/);
    assert.ok(
      [...entries.keys()].some((name) => name.startsWith("attachments/")),
      "the attached files",
    );
    const audit = JSON.parse(entries.get("audit-log.json")!.toString());
    assert.ok(audit.some((e: { action: string }) => e.action === "dataExport.requested"));

    const [audited] = await downloadsIn("A", "dataExport.downloaded");
    assert.equal(audited?.details.dataExportId, res.body.data.dataExportRequest.dataExport.id, "the download is audited");
    assert.equal(audited?.actor, "anonymous", "whoever holds the emailed link");

    const wrong = await fetch(link.replace(/token=[^&\s]+/, "token=wrong"));
    assert.equal(wrong.status, 404);
    assert.equal((await downloadsIn("A", "dataExport.downloaded")).length, 1, "a wrong link downloads nothing");
    await t.app.db.query("UPDATE data_exports SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE customer_id = ?", [c.A.id]);
    assert.equal((await fetch(link)).status, 404, "expired");
  });

  test("one export is built at a time per customer", async () => {
    await t.app.db.query("INSERT INTO data_exports (customer_id, requested_by) VALUES (?, 'earlier')", [c.D.id]);
    const res = await t.gql(REQUEST, { id: c.D.gid }, await t.as(admin("D")));
    assert.deepEqual(res.body.data.dataExportRequest.userErrors, [{ code: "CONFLICT", field: ["customerId"] }]);
    const [{ n }] = await t.app.db.query("SELECT COUNT(*) AS n FROM data_exports WHERE customer_id = ?", [c.D.id]);
    assert.equal(Number(n), 1);
  });
});

describe("account closure", () => {
  const REQUEST = `mutation($id: ID!) { customerClosureRequest(customerId: $id, input: { reason: "Wir schließen" }) { closureRequest { id status } userErrors { code field } } }`;
  const APPROVE = `mutation($id: ID!) { closureRequestApprove(id: $id) { closureRequest { status } userErrors { code } } }`;
  let onlyC: number;
  let shared: number;

  before(async () => {
    // A login of C alone, and one of C and B.
    for (const email of ["nur-c@example.test", "c-und-b@example.test"]) {
      await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, ?)", [email, email]);
    }
    [{ id: onlyC }, { id: shared }] = await t.app.db.query(
      "SELECT id FROM users WHERE email IN ('nur-c@example.test', 'c-und-b@example.test') ORDER BY email DESC",
    );
    await t.app.db.query(
      "INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, 'ADMIN'), (?, ?, 'BILLING'), (?, ?, 'BILLING')",
      [onlyC, c.C.id, shared, c.C.id, shared, c.B.id],
    );
  });

  test("the ADMIN asks, staff ADMIN approve: logins end at once, the customer is told, then its personal data is erased and its invoices kept", async () => {
    assert.equal(
      (await t.gql(REQUEST, { id: c.C.gid }, await t.as(member("C", CustomerRole.READ_ONLY)))).body.errors?.[0].extensions?.code,
      "FORBIDDEN",
    );
    assert.equal((await t.gql(REQUEST, { id: c.C.gid }, await t.as(admin("B")))).body.errors?.[0].extensions?.code, "FORBIDDEN");
    const cAdmin = member("C", CustomerRole.ADMIN, onlyC);
    const res = await t.gql(REQUEST, { id: c.C.gid }, await t.as(cAdmin));
    assert.deepEqual(res.body.data.customerClosureRequest.userErrors, []);
    const closureId = res.body.data.customerClosureRequest.closureRequest.id;
    const twice = await t.gql(REQUEST, { id: c.C.gid }, await t.as(cAdmin));
    assert.deepEqual(twice.body.data.customerClosureRequest.userErrors, [{ code: "CONFLICT", field: ["customerId"] }]);

    const listed = await t.gql(`query { closureRequests(first: 10, status: PENDING) { nodes { id } } }`);
    assert.deepEqual(listed.body.data.closureRequests.nodes, [{ id: closureId }]);
    assert.equal((await t.gql(APPROVE, { id: closureId }, await t.as(STAFF_SUPPORT))).body.errors?.[0].extensions?.code, "FORBIDDEN");

    const [invoicesBefore] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices WHERE customer_id = ?", [c.C.id]);
    await t.app.db.query(
      "UPDATE products SET installation_street = 'Gartenweg 3', installation_postal_code = '8010', installation_city = 'Graz', installation_country_code = 'AT' WHERE customer_id = ?",
      [c.C.id],
    );
    const cToken = await t.as(cAdmin);
    const sharedToken = await t.as({
      kind: "customer",
      userId: shared,
      roles: new Map([
        [c.C.id, CustomerRole.BILLING],
        [c.B.id, CustomerRole.BILLING],
      ]),
      label: "BILLING of C and B",
      sessionId: null,
    });
    const approved = await t.gql(APPROVE, { id: closureId });
    assert.deepEqual(approved.body.data.closureRequestApprove.userErrors, []);
    const CUSTOMER = `query($id: ID!) { customer(id: $id) { customerNumber } }`;
    assert.equal(
      (await t.gql(CUSTOMER, { id: c.C.gid }, cToken)).body.errors?.[0].extensions?.code,
      "UNAUTHENTICATED",
      "logins end at once",
    );
    assert.equal(
      (await t.gql(CUSTOMER, { id: c.B.gid }, sharedToken)).body.errors?.[0].extensions?.code,
      "UNAUTHENTICATED",
      "tokens with the old roles too",
    );

    const [mail] = await t.mailbox.waitFor((m) => m.envelopeTo.includes(c.C.email) && m.parsed.subject?.includes(c.C.number) === true);
    assert.match(mail.parsed.text ?? "", /10/);
    await eventually(async () =>
      (await t.gql(`query { closureRequests(first: 10, status: COMPLETED) { nodes { id } } }`)).body.data.closureRequests.nodes.length
        ? true
        : undefined,
    );

    const [customer] = await t.app.db.query(
      "SELECT status, email, first_name, last_name, street, phone, sepa_iban, closed_at FROM customers WHERE id = ?",
      [c.C.id],
    );
    assert.deepEqual(
      [customer.status, customer.email, customer.first_name, customer.street, customer.phone, customer.sepa_iban],
      ["CLOSED", "", null, "", null, null],
    );
    assert.ok(customer.closed_at);
    const installed = await t.app.db.query(
      "SELECT DISTINCT installation_street, installation_city FROM products WHERE customer_id = ? AND installation_street IS NOT NULL",
      [c.C.id],
    );
    assert.deepEqual(installed, [], "products forget where they were installed");
    const contacts = await t.app.db.query("SELECT DISTINCT email, first_name, phone FROM contacts WHERE customer_id = ?", [c.C.id]);
    assert.deepEqual(contacts, [{ email: "", first_name: "erased", phone: null }]);
    const users = await t.app.db.query("SELECT id, email, password_hash FROM users WHERE id IN (?) ORDER BY id", [[onlyC, shared]]);
    assert.deepEqual(users.find((u: { id: number }) => u.id === onlyC).email, `erased-${onlyC}@erased.invalid`);
    assert.equal(users.find((u: { id: number }) => u.id === shared).email, "c-und-b@example.test", "a login of other customers stays");
    assert.deepEqual(
      (await t.app.db.query("SELECT customer_id FROM memberships WHERE user_id IN (?)", [[onlyC, shared]])).map(
        (m: { customer_id: number }) => m.customer_id,
      ),
      [c.B.id],
    );
    const audit = await t.app.db.query(
      "SELECT DISTINCT actor_label, details FROM audit_log WHERE customer_id = ? AND actor_kind <> 'STAFF' AND action <> 'customer.personalDataErased'",
      [c.C.id],
    );
    assert.ok(
      audit.every(
        (a: { actor_label: string; details: string }) =>
          a.actor_label === "erased" && jsonColumn<{ erased: boolean }>(a.details)?.erased === true,
      ),
    );
    const [deliveries] = await t.app.db.query("SELECT COUNT(*) AS n FROM mail_deliveries WHERE recipient = ?", [c.C.email]);
    assert.equal(Number(deliveries.n), 0, "delivery records forget the address, the closure email's too");
    const [sessions] = await t.app.db.query("SELECT COUNT(*) AS n FROM sessions WHERE subject_kind = 'USER' AND subject_id = ?", [onlyC]);
    assert.equal(Number(sessions.n), 0);
    const [invoicesAfter] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices WHERE customer_id = ?", [c.C.id]);
    assert.equal(invoicesAfter.n, invoicesBefore.n, "invoices are kept for the retention period");
  });

  test("the retention job deletes a closed customer's invoices once their period has passed, and no one else's", async () => {
    const [old] = await t.app.db.query(
      "SELECT id FROM invoices WHERE customer_id = ? AND original_invoice_id IS NULL AND id NOT IN (SELECT original_invoice_id FROM invoices WHERE original_invoice_id IS NOT NULL) ORDER BY id LIMIT 1",
      [c.C.id],
    );
    const [openOld] = await t.app.db.query("SELECT id FROM invoices WHERE customer_id = ? ORDER BY id LIMIT 1", [c.B.id]);
    await t.app.db.query("UPDATE invoices SET issue_date = CURDATE() - INTERVAL 12 YEAR WHERE id IN (?)", [[old.id, openOld.id]]);
    const [before] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices WHERE customer_id = ?", [c.C.id]);
    assert.equal(await deleteInvoicesPastRetention(t.app.db, t.app.relay, t.config.invoiceRetentionYears), 1);
    const [afterCount] = await t.app.db.query("SELECT COUNT(*) AS n FROM invoices WHERE customer_id = ?", [c.C.id]);
    assert.equal(Number(afterCount.n), Number(before.n) - 1);
    assert.equal(
      (await t.app.db.query("SELECT id FROM invoices WHERE id = ?", [openOld.id])).length,
      1,
      "an open customer's invoices stay",
    );
  });
});

describe("file store in a directory (DOCUMENTS_DIR)", () => {
  test("uploaded bytes live in the directory under their SHA-256, the row keeps only size and type, downloads read them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "konto-documents-"));
    const other = await startTestApp({ DOCUMENTS_DIR: dir });
    try {
      const staff = await other.as({ kind: "staff", userId: 1, role: StaffRole.ADMIN, label: "staff", sessionId: null });
      const created = await other.gql(
        `mutation { documentCreate(input: { titleDe: "Preisliste", titleEn: "Price list", category: PRICE_LIST, visibility: ALL_CUSTOMERS }) { document { id } } }`,
      );
      const bytes = await pdf("Preisliste 2027");
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(bytes)]), "preise.pdf");
      const response = await fetch(`${other.url}/documents/${created.body.data.documentCreate.document.id}/versions`, {
        method: "POST",
        headers: staff,
        body: form,
      });
      assert.equal(response.status, 201);
      const { version } = (await response.json()) as { version: { downloadUrl: string } };
      const hex = sha256(bytes);
      assert.deepEqual(readFileSync(join(dir, hex.slice(0, 2), hex)), bytes);
      const [row] = await other.app.db.query("SELECT size, content IS NULL AS outside FROM stored_files WHERE sha256 = UNHEX(?)", [hex]);
      assert.deepEqual([Number(row.size), Number(row.outside)], [bytes.length, 1]);
      const got = await fetch(`${other.url}${version.downloadUrl}`, { headers: staff });
      assert.equal(sha256(Buffer.from(await got.arrayBuffer())), hex);
    } finally {
      await other.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
