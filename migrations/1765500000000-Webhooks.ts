import { MigrationInterface, QueryRunner } from "typeorm";

// Signed webhooks, owned by the notifications module: a subscription (a reseller's, or a staff
// integration's when reseller_id is NULL) with its encrypted signing secrets, the events that
// matched at least one subscription, and one delivery row per event and subscription (a replay is
// a new row) that keeps its attempts, the last answer and the last error.
export class Webhooks1765500000000 implements MigrationInterface {
  name = "Webhooks1765500000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE webhook_subscriptions (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      reseller_id INT UNSIGNED NULL,
      url VARCHAR(2000) NOT NULL,
      events SET('CUSTOMER_CREATED','CUSTOMER_UPDATED','CONTACT_CHANGED','EMAIL_VERIFICATION_CONFIRMED','INVOICE_ISSUED','PAYMENT_RECORDED','MAINTENANCE_ANNOUNCED','PRODUCT_CHANGED') NOT NULL,
      description VARCHAR(200) NOT NULL DEFAULT '',
      owner_email VARCHAR(254) NOT NULL,
      secret_encrypted VARBINARY(512) NOT NULL,
      previous_secret_encrypted VARBINARY(512) NULL,
      previous_secret_expires_at DATETIME(3) NULL,
      status ENUM('ACTIVE','DISABLED') NOT NULL DEFAULT 'ACTIVE',
      consecutive_failures INT UNSIGNED NOT NULL DEFAULT 0,
      disabled_at DATETIME(3) NULL,
      created_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_webhook_subscriptions_reseller (reseller_id, id),
      CONSTRAINT fk_webhook_subscriptions_reseller FOREIGN KEY (reseller_id) REFERENCES resellers (id)
    )`);

    await table(`CREATE TABLE webhook_events (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      type VARCHAR(64) NOT NULL,
      customer_id INT UNSIGNED NULL,
      data JSON NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_webhook_events_customer (customer_id, id)
    )`);

    await table(`CREATE TABLE webhook_deliveries (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      subscription_id INT UNSIGNED NOT NULL,
      event_id BIGINT UNSIGNED NOT NULL,
      event_type VARCHAR(64) NOT NULL,
      status ENUM('PENDING','SUCCEEDED','FAILED') NOT NULL DEFAULT 'PENDING',
      attempts INT UNSIGNED NOT NULL DEFAULT 0,
      response_status SMALLINT UNSIGNED NULL,
      error VARCHAR(500) NULL,
      replay_of BIGINT UNSIGNED NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      last_attempt_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY idx_webhook_deliveries_subscription (subscription_id, id),
      KEY idx_webhook_deliveries_event (event_id),
      CONSTRAINT fk_webhook_deliveries_subscription FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
      CONSTRAINT fk_webhook_deliveries_event FOREIGN KEY (event_id) REFERENCES webhook_events (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE webhook_deliveries");
    await q.query("DROP TABLE webhook_events");
    await q.query("DROP TABLE webhook_subscriptions");
  }
}
