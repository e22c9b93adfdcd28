import { MigrationInterface, QueryRunner } from "typeorm";

// Second factors of a login (issue 17), owned by the auth module. A login is a personal login
// (USER) or the customer-number login (CUSTOMER), as in sessions.
// - totp_factors: one TOTP secret per login, AES-256-GCM encrypted under the key `key_id` of
//   TOTP_ENCRYPTION_KEYS; unconfirmed (confirmed_at NULL) until the user typed a first code.
//   last_used_step is the last time step (30 s) a code was accepted for: a code is accepted only
//   for a later step, so a used code cannot be replayed within its window.
// - recovery_codes: single-use codes, only their SHA-256 stored.
export class Totp1764800000000 implements MigrationInterface {
  name = "Totp1764800000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE totp_factors (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      subject_kind ENUM('USER','CUSTOMER') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      secret_ciphertext VARBINARY(64) NOT NULL,
      secret_iv BINARY(12) NOT NULL,
      secret_tag BINARY(16) NOT NULL,
      key_id VARCHAR(32) NOT NULL,
      confirmed_at DATETIME(3) NULL,
      last_used_step BIGINT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      last_used_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_totp_factors_subject (subject_kind, subject_id)
    )`);
    await table(`CREATE TABLE recovery_codes (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      subject_kind ENUM('USER','CUSTOMER') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      code_hash BINARY(32) NOT NULL,
      used_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_recovery_codes_subject (subject_kind, subject_id, code_hash)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE recovery_codes");
    await q.query("DROP TABLE totp_factors");
  }
}
