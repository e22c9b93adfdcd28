import { MigrationInterface, QueryRunner } from "typeorm";

// Customer self-service: notification settings, staff-reviewed change requests, support
// requests, and merging customer numbers (with the merged number kept as an alias).
export class SelfService1764100000000 implements MigrationInterface {
  name = "SelfService1764100000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`ALTER TABLE customers
      ADD COLUMN notify_main_email TINYINT(1) NOT NULL DEFAULT 0 AFTER newsletter_consent_at,
      ADD COLUMN merged_into_id INT UNSIGNED NULL AFTER status,
      ADD KEY idx_customers_merged_into (merged_into_id),
      ADD CONSTRAINT fk_customers_merged_into FOREIGN KEY (merged_into_id) REFERENCES customers (id)`);

    await table(`CREATE TABLE customer_aliases (
      customer_number VARCHAR(20) NOT NULL,
      customer_id INT UNSIGNED NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (customer_number),
      KEY idx_customer_aliases_customer (customer_id),
      CONSTRAINT fk_customer_aliases_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE change_requests (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      changes JSON NOT NULL,
      documents TEXT NULL,
      status ENUM('PENDING','APPROVED','REJECTED') NOT NULL DEFAULT 'PENDING',
      reason VARCHAR(500) NULL,
      requested_by VARCHAR(300) NOT NULL,
      decided_by VARCHAR(300) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      decided_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY idx_change_requests_status (status, id),
      KEY idx_change_requests_customer (customer_id, id),
      CONSTRAINT fk_change_requests_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE support_requests (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      reference VARCHAR(20) NOT NULL,
      customer_id INT UNSIGNED NOT NULL,
      product_id INT UNSIGNED NULL,
      callback_contact_id INT UNSIGNED NULL,
      subject VARCHAR(200) NOT NULL,
      message TEXT NOT NULL,
      status ENUM('OPEN','IN_PROGRESS','CLOSED') NOT NULL DEFAULT 'OPEN',
      created_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_support_requests_reference (reference),
      KEY idx_support_requests_customer (customer_id, id),
      KEY idx_support_requests_status (status, id),
      KEY idx_support_requests_product (product_id),
      KEY idx_support_requests_contact (callback_contact_id),
      CONSTRAINT fk_support_requests_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_support_requests_product FOREIGN KEY (product_id) REFERENCES products (id),
      CONSTRAINT fk_support_requests_contact FOREIGN KEY (callback_contact_id) REFERENCES contacts (id) ON DELETE SET NULL
    )`);

    await table(`CREATE TABLE merge_requests (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      target_customer_id INT UNSIGNED NOT NULL,
      source_customer_id INT UNSIGNED NOT NULL,
      choices JSON NULL,
      status ENUM('DRAFT','SUBMITTED','APPROVED','REJECTED') NOT NULL DEFAULT 'DRAFT',
      reason VARCHAR(500) NULL,
      requested_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      decided_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY idx_merge_requests_status (status, id),
      KEY idx_merge_requests_target (target_customer_id),
      KEY idx_merge_requests_source (source_customer_id),
      CONSTRAINT fk_merge_requests_target FOREIGN KEY (target_customer_id) REFERENCES customers (id),
      CONSTRAINT fk_merge_requests_source FOREIGN KEY (source_customer_id) REFERENCES customers (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ["merge_requests", "support_requests", "change_requests", "customer_aliases"]) await q.query(`DROP TABLE ${name}`);
    await q.query(
      "ALTER TABLE customers DROP FOREIGN KEY fk_customers_merged_into, DROP KEY idx_customers_merged_into, DROP COLUMN merged_into_id, DROP COLUMN notify_main_email",
    );
  }
}
