import { MigrationInterface, QueryRunner } from "typeorm";

// Issuing invoices: the VAT breakdown and payment terms as issued, payments, reminders, and a
// link from mail deliveries to the invoice they carried.
export class Billing1763900000000 implements MigrationInterface {
  name = "Billing1763900000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoices
      ADD COLUMN vat_breakdown JSON NULL AFTER gross_amount,
      ADD COLUMN payment_terms JSON NULL AFTER billing_addressees,
      ADD COLUMN cancel_reason VARCHAR(500) NULL AFTER paid_at`);
    await q.query(`ALTER TABLE mail_deliveries
      ADD COLUMN invoice_id INT UNSIGNED NULL AFTER outbox_id,
      ADD KEY idx_mail_deliveries_invoice (invoice_id, id),
      ADD CONSTRAINT fk_mail_deliveries_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)`);
    await q.query(`CREATE TABLE payments (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      invoice_id INT UNSIGNED NULL,
      amount INT NOT NULL,
      currency CHAR(3) NOT NULL DEFAULT 'EUR',
      received_on DATE NOT NULL,
      reference VARCHAR(140) NOT NULL,
      source ENUM('STAFF','BANK_IMPORT') NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_payments_customer_date (customer_id, received_on, id),
      KEY idx_payments_invoice (invoice_id),
      CONSTRAINT fk_payments_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_payments_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE payments");
    await q.query(
      "ALTER TABLE mail_deliveries DROP FOREIGN KEY fk_mail_deliveries_invoice, DROP KEY idx_mail_deliveries_invoice, DROP COLUMN invoice_id",
    );
    await q.query("ALTER TABLE invoices DROP COLUMN vat_breakdown, DROP COLUMN payment_terms, DROP COLUMN cancel_reason");
  }
}
