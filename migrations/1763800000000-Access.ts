import { MigrationInterface, QueryRunner } from "typeorm";

// Logins and access: reseller API clients, refresh-token families, password resets, the audit
// log, and number sequences (customer numbers now, invoice numbers later).
export class Access1763800000000 implements MigrationInterface {
  name = "Access1763800000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await q.query("ALTER TABLE users ADD COLUMN password_changed_at DATETIME(3) NULL AFTER password_hash");

    await table(`CREATE TABLE api_clients (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      reseller_id INT UNSIGNED NOT NULL,
      client_id VARCHAR(64) NOT NULL,
      secret_hash VARCHAR(255) NOT NULL,
      name VARCHAR(200) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      revoked_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_api_clients_client_id (client_id),
      KEY idx_api_clients_reseller (reseller_id),
      CONSTRAINT fk_api_clients_reseller FOREIGN KEY (reseller_id) REFERENCES resellers (id)
    )`);

    // A login starts a family; each refresh rotates to a new row of the family. Presenting a
    // rotated token again means it leaked: the whole family is revoked.
    await table(`CREATE TABLE refresh_tokens (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      family_id CHAR(32) NOT NULL,
      token_hash BINARY(32) NOT NULL,
      subject_kind ENUM('USER','CUSTOMER','CLIENT') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      rotated_at DATETIME(3) NULL,
      revoked_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_refresh_tokens_hash (token_hash),
      KEY idx_refresh_tokens_family (family_id),
      KEY idx_refresh_tokens_subject (subject_kind, subject_id)
    )`);

    await table(`CREATE TABLE password_resets (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      user_id INT UNSIGNED NOT NULL,
      outbox_id BIGINT UNSIGNED NOT NULL,
      token_hash BINARY(32) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_password_resets_hash (token_hash),
      UNIQUE KEY uq_password_resets_outbox (outbox_id),
      KEY idx_password_resets_user (user_id),
      CONSTRAINT fk_password_resets_user FOREIGN KEY (user_id) REFERENCES users (id),
      CONSTRAINT fk_password_resets_outbox FOREIGN KEY (outbox_id) REFERENCES outbox (id)
    )`);

    await table(`CREATE TABLE audit_log (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NULL,
      actor_kind ENUM('ANONYMOUS','CUSTOMER_USER','CUSTOMER_ACCOUNT','RESELLER_USER','RESELLER_CLIENT','STAFF','SYSTEM') NOT NULL,
      actor_id INT UNSIGNED NULL,
      actor_label VARCHAR(300) NOT NULL,
      action VARCHAR(64) NOT NULL,
      details JSON NULL,
      request_id VARCHAR(100) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_audit_log_customer (customer_id, id),
      CONSTRAINT fk_audit_log_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE number_sequences (
      name VARCHAR(40) NOT NULL,
      next_value INT UNSIGNED NOT NULL,
      PRIMARY KEY (name)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ["number_sequences", "audit_log", "password_resets", "refresh_tokens", "api_clients"]) {
      await q.query(`DROP TABLE ${name}`);
    }
    await q.query("ALTER TABLE users DROP COLUMN password_changed_at");
  }
}
