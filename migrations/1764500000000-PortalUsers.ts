import { MigrationInterface, QueryRunner } from "typeorm";

// Portal users managed by a customer's ADMIN: when a login last signed in, and invitations to
// join a customer. An invitation's link is derived from the outbox id of the mail that sends it
// (so a retried mail sends the same link); only the SHA-256 of the token is stored, once sent.
export class PortalUsers1764500000000 implements MigrationInterface {
  name = "PortalUsers1764500000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query("ALTER TABLE users ADD COLUMN last_login_at DATETIME(3) NULL AFTER password_changed_at");

    await table(`CREATE TABLE invitations (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      email VARCHAR(254) NOT NULL,
      role ENUM('ADMIN','BILLING','TECHNICAL','READ_ONLY') NOT NULL,
      invited_by VARCHAR(300) NOT NULL,
      status ENUM('PENDING','ACCEPTED','CANCELLED') NOT NULL DEFAULT 'PENDING',
      outbox_id BIGINT UNSIGNED NULL,
      token_hash BINARY(32) NULL,
      expires_at DATETIME(3) NOT NULL,
      accepted_user_id INT UNSIGNED NULL,
      decided_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_invitations_token (token_hash),
      KEY idx_invitations_customer (customer_id, status, id),
      KEY idx_invitations_email (email, customer_id),
      KEY idx_invitations_outbox (outbox_id),
      KEY idx_invitations_user (accepted_user_id),
      CONSTRAINT fk_invitations_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_invitations_outbox FOREIGN KEY (outbox_id) REFERENCES outbox (id),
      CONSTRAINT fk_invitations_user FOREIGN KEY (accepted_user_id) REFERENCES users (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE invitations");
    await q.query("ALTER TABLE users DROP COLUMN last_login_at");
  }
}
