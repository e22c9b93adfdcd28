import { MigrationInterface, QueryRunner } from "typeorm";

// "No customer password yet / forgot the customer password": single-use links to the customer's
// main email, like password_resets for logins. Owned by the customers module. The link's token is
// derived from the request's outbox id; only its SHA-256 is stored.
export class CustomerPassword1764600000000 implements MigrationInterface {
  name = "CustomerPassword1764600000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE customer_password_resets (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      outbox_id BIGINT UNSIGNED NOT NULL,
      token_hash BINARY(32) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_customer_password_resets_hash (token_hash),
      UNIQUE KEY uq_customer_password_resets_outbox (outbox_id),
      KEY idx_customer_password_resets_customer (customer_id),
      CONSTRAINT fk_customer_password_resets_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_customer_password_resets_outbox FOREIGN KEY (outbox_id) REFERENCES outbox (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE customer_password_resets");
  }
}
