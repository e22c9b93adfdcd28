import { MigrationInterface, QueryRunner } from "typeorm";

// Passkeys (WebAuthn credentials) of a login: a personal login (USER) or the customer-number login
// (CUSTOMER), and the single-use challenges their registration and sign-in sign. Owned by the auth
// module. A challenge without a subject is one of a passwordless sign-in (discoverable credential).
export class Passkeys1764900000000 implements MigrationInterface {
  name = "Passkeys1764900000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE passkeys (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      subject_kind ENUM('USER','CUSTOMER') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      credential_id VARBINARY(1023) NOT NULL,
      public_key BLOB NOT NULL,
      sign_count BIGINT UNSIGNED NOT NULL DEFAULT 0,
      transports JSON NULL,
      name VARCHAR(100) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      last_used_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_passkeys_credential (credential_id),
      KEY idx_passkeys_subject (subject_kind, subject_id)
    )`);

    await table(`CREATE TABLE webauthn_challenges (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      challenge VARCHAR(128) NOT NULL,
      purpose ENUM('REGISTER','AUTHENTICATE') NOT NULL,
      subject_kind ENUM('USER','CUSTOMER') NULL,
      subject_id INT UNSIGNED NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_webauthn_challenges_expires (expires_at)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE webauthn_challenges");
    await q.query("DROP TABLE passkeys");
  }
}
