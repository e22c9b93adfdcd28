import { MigrationInterface, QueryRunner } from "typeorm";

// E-invoices and legally complete invoices: the customer's invoice format and buyer reference;
// per invoice what was true at issue (format, buyer reference, language, delivery date, the
// buyer's VAT id and electronic address, the seller); per line its VAT category and exemption
// reason. Invoices issued before keep rendering as they did: German, standard-rated, PDF.
export class EInvoices1765000000000 implements MigrationInterface {
  name = "EInvoices1765000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers
      ADD COLUMN invoice_format ENUM('PDF','ZUGFERD','XRECHNUNG') NOT NULL DEFAULT 'PDF' AFTER online_invoice_enabled_at,
      ADD COLUMN buyer_reference VARCHAR(200) NULL AFTER invoice_format`);
    await q.query(`ALTER TABLE invoices
      ADD COLUMN invoice_format ENUM('PDF','ZUGFERD','XRECHNUNG') NOT NULL DEFAULT 'PDF' AFTER currency,
      ADD COLUMN buyer_reference VARCHAR(200) NULL AFTER invoice_format,
      ADD COLUMN locale ENUM('de','en') NOT NULL DEFAULT 'de' AFTER buyer_reference,
      ADD COLUMN delivery_date DATE NULL AFTER period_end,
      ADD COLUMN buyer_vat_id VARCHAR(20) NULL AFTER billing_addressees,
      ADD COLUMN buyer_email VARCHAR(254) NULL AFTER buyer_vat_id,
      ADD COLUMN seller JSON NULL AFTER buyer_email`);
    await q.query(`ALTER TABLE invoice_lines
      ADD COLUMN vat_category ENUM('STANDARD','REVERSE_CHARGE','EXEMPT','NOT_SUBJECT') NOT NULL DEFAULT 'STANDARD' AFTER vat_rate,
      ADD COLUMN vat_exemption_reason VARCHAR(200) NULL AFTER vat_category`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE invoice_lines DROP COLUMN vat_category, DROP COLUMN vat_exemption_reason");
    await q.query(`ALTER TABLE invoices DROP COLUMN invoice_format, DROP COLUMN buyer_reference, DROP COLUMN locale,
      DROP COLUMN delivery_date, DROP COLUMN buyer_vat_id, DROP COLUMN buyer_email, DROP COLUMN seller`);
    await q.query("ALTER TABLE customers DROP COLUMN invoice_format, DROP COLUMN buyer_reference");
  }
}
