import { ZipFile } from "yazl";
import { DataSource } from "typeorm";
import { Config } from "../config";
import { fileStoreOf } from "../documents/file-store";
import { invoiceFiles } from "../invoices/invoice-documents";
import { Row } from "../platform/rows";

// What a data export holds (GDPR Art. 15/20): every table that keeps something about the
// customer, as JSON, plus the invoice PDFs and attached files. Columns are listed, never `*`:
// secrets (password hashes, the PIN, token hashes, phone passwords) are not the customer's data
// but the keys to it, and a new secret column stays out until someone adds it here.
const SECTIONS: { file: string; sql: string }[] = [
  {
    file: "customer.json",
    sql: `SELECT customer_number, kind, company_name, legal_form, salutation, first_name, last_name, vat_id, street, postal_code, city,
          country_code, email, phone, mobile, billing_name, billing_street, billing_postal_code, billing_city, billing_country_code,
          payment_method, sepa_iban, sepa_bic, sepa_account_holder, sepa_mandate_reference, sepa_mandate_date, sepa_scheme,
          online_invoice_enabled, online_invoice_email, newsletter_enabled, newsletter_email, newsletter_consent_at, ip_allowlist,
          locale, status, created_at, updated_at FROM customers WHERE id = ?`,
  },
  {
    file: "contacts.json",
    sql: `SELECT id, types, salutation, first_name, last_name, email, email_confirmed_at, phone, restrictions, receives_invoices,
          created_at, updated_at FROM contacts WHERE customer_id = ? ORDER BY id`,
  },
  {
    file: "users.json",
    sql: `SELECT u.id, u.email, u.display_name, m.role, m.created_at AS member_since, u.disabled_at
          FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? ORDER BY u.id`,
  },
  {
    file: "products.json",
    sql: `SELECT id, type, plan, identifier, status, installation_street, installation_postal_code, installation_city,
          installation_country_code, price_amount, price_currency, billing_period, start_date, end_date, specs, created_at
          FROM products WHERE customer_id = ? ORDER BY id`,
  },
  {
    file: "invoices.json",
    sql: `SELECT i.id, i.number, i.kind, i.issue_date, i.due_date, i.period_start, i.period_end, i.status, i.net_amount, i.vat_amount,
          i.gross_amount, i.currency, i.billing_name, i.billing_street, i.billing_postal_code, i.billing_city, i.billing_country_code,
          i.billing_addressees, i.paid_at,
          (SELECT JSON_ARRAYAGG(JSON_OBJECT('position', l.position, 'description', l.description, 'quantity', l.quantity,
             'unitPrice', l.unit_price_amount, 'vatRate', l.vat_rate, 'net', l.net_amount)) FROM invoice_lines l WHERE l.invoice_id = i.id) AS invoice_lines
          FROM invoices i WHERE i.customer_id = ? ORDER BY i.id`,
  },
  {
    file: "payments.json",
    sql: "SELECT id, invoice_id, amount, currency, received_on, reference, source, created_at FROM payments WHERE customer_id = ? ORDER BY id",
  },
  {
    file: "audit-log.json",
    sql: "SELECT id, actor_kind, actor_label, action, details, created_at FROM audit_log WHERE customer_id = ? ORDER BY id",
  },
  {
    file: "verifications.json",
    sql: `SELECT id, purpose, new_email, previous_email, status, expires_at, confirmed_at, created_at
          FROM email_verifications WHERE customer_id = ? ORDER BY id`,
  },
  {
    file: "support-requests.json",
    sql: "SELECT reference, subject, message, status, created_by, created_at FROM support_requests WHERE customer_id = ? ORDER BY id",
  },
  {
    file: "change-requests.json",
    sql: "SELECT id, changes, documents, status, reason, requested_by, decided_by, created_at, decided_at FROM change_requests WHERE customer_id = ? ORDER BY id",
  },
  {
    file: "dpa-acceptances.json",
    sql: `SELECT v.label, HEX(a.file_sha256) AS sha256, a.accepted_by, a.accepted_at, a.ip_address
          FROM dpa_acceptances a JOIN dpa_versions v ON v.id = a.dpa_version_id WHERE a.customer_id = ? ORDER BY a.id`,
  },
];

/** JSON columns come back as text from some drivers: parsed, so the export holds JSON, not JSON in strings. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === "string" && /^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all: kept as text
      }
    }
    out[key] = value;
  }
  return out;
}

/** Builds the ZIP of everything Konto holds about the customer. */
export async function buildExportArchive(db: DataSource, config: Config, customerId: number): Promise<Buffer> {
  const zip = new ZipFile();
  // One fixed time for every entry: the archive does not leak when it was built, beyond its JSON.
  const mtime = new Date("2000-01-01T00:00:00Z");
  for (const section of SECTIONS) {
    const rows: Row[] = await db.query(section.sql, [customerId]);
    const value = section.file === "customer.json" ? plain(rows[0] ?? {}) : rows.map(plain);
    zip.addBuffer(Buffer.from(JSON.stringify(value, null, 2)), section.file, { mtime });
  }
  const invoices: Row[] = await db.query("SELECT id FROM invoices WHERE customer_id = ? ORDER BY id", [customerId]);
  for (const { id } of invoices) {
    const document = await invoiceFiles(db, config, Number(id));
    if (document) zip.addBuffer(document.pdf, `invoices/${document.number}.pdf`, { mtime, compress: false });
  }
  const store = fileStoreOf(config);
  const attachments: Row[] = await db.query("SELECT id, filename, file_sha256 FROM request_attachments WHERE customer_id = ? ORDER BY id", [
    customerId,
  ]);
  for (const a of attachments) {
    const bytes = await store.get(db, Buffer.from(a.file_sha256));
    if (bytes) zip.addBuffer(bytes, `attachments/${a.id}-${a.filename}`, { mtime, compress: false });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
