import { MigrationInterface, QueryRunner } from "typeorm";

// Product plan history, maintenance announcements and one notice row per recipient.
export class Maintenance1764000000000 implements MigrationInterface {
  name = "Maintenance1764000000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE product_plan_changes (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      product_id INT UNSIGNED NOT NULL,
      old_plan VARCHAR(100) NOT NULL,
      new_plan VARCHAR(100) NOT NULL,
      changed_by VARCHAR(300) NOT NULL,
      changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_product_plan_changes_product (product_id, id),
      CONSTRAINT fk_product_plan_changes_product FOREIGN KEY (product_id) REFERENCES products (id)
    )`);

    await table(`CREATE TABLE maintenance_announcements (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      kind ENUM('MAINTENANCE','OUTAGE','SECURITY') NOT NULL DEFAULT 'MAINTENANCE',
      title_de VARCHAR(200) NOT NULL,
      title_en VARCHAR(200) NOT NULL,
      message_de TEXT NOT NULL,
      message_en TEXT NOT NULL,
      starts_at DATETIME(3) NOT NULL,
      ends_at DATETIME(3) NOT NULL,
      status ENUM('SCHEDULED','CANCELLED') NOT NULL DEFAULT 'SCHEDULED',
      revision INT UNSIGNED NOT NULL DEFAULT 1,
      created_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_maintenance_announcements_window (status, ends_at, starts_at)
    )`);

    // The affected products, fixed when the announcement is made.
    await table(`CREATE TABLE maintenance_products (
      announcement_id INT UNSIGNED NOT NULL,
      product_id INT UNSIGNED NOT NULL,
      customer_id INT UNSIGNED NOT NULL,
      PRIMARY KEY (announcement_id, product_id),
      KEY idx_maintenance_products_customer (customer_id, announcement_id),
      KEY idx_maintenance_products_product (product_id),
      CONSTRAINT fk_maintenance_products_announcement FOREIGN KEY (announcement_id) REFERENCES maintenance_announcements (id),
      CONSTRAINT fk_maintenance_products_product FOREIGN KEY (product_id) REFERENCES products (id),
      CONSTRAINT fk_maintenance_products_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    // One row per recipient and revision (1 = the announcement, later ones the follow-ups): the
    // delivery record that keeps a retried job from sending twice.
    await table(`CREATE TABLE maintenance_notices (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      announcement_id INT UNSIGNED NOT NULL,
      revision INT UNSIGNED NOT NULL,
      recipient VARCHAR(254) NOT NULL,
      locale ENUM('de','en') NOT NULL,
      product_ids JSON NOT NULL,
      status ENUM('QUEUED','SENDING','SENT','FAILED') NOT NULL DEFAULT 'QUEUED',
      error VARCHAR(500) NULL,
      sent_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_maintenance_notices_recipient (announcement_id, revision, recipient),
      KEY idx_maintenance_notices_status (announcement_id, status),
      CONSTRAINT fk_maintenance_notices_announcement FOREIGN KEY (announcement_id) REFERENCES maintenance_announcements (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ["maintenance_notices", "maintenance_products", "maintenance_announcements", "product_plan_changes"])
      await q.query(`DROP TABLE ${name}`);
  }
}
