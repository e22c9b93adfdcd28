import { MigrationInterface, QueryRunner } from "typeorm";

// The second factor's login flow and policy: how each session was authenticated (methods, level,
// time: refresh keeps them, step-up reads the time), a customer's requirement of a second factor,
// and the short-lived challenges between a right password and the second factor.
export class SecondFactor1764700000000 implements MigrationInterface {
  name = "SecondFactor1764700000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions
      ADD COLUMN authenticated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) AFTER last_used_at,
      ADD COLUMN auth_methods VARCHAR(40) NOT NULL DEFAULT 'pwd' AFTER authenticated_at`);
    await q.query("ALTER TABLE customers ADD COLUMN second_factor_required TINYINT(1) NOT NULL DEFAULT 0");
    await q.query(`CREATE TABLE login_challenges (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      token_hash BINARY(32) NOT NULL,
      subject_kind ENUM('USER','CUSTOMER') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      passkey_challenge_id VARCHAR(64) NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_login_challenges_hash (token_hash),
      KEY idx_login_challenges_expiry (expires_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE login_challenges");
    await q.query("ALTER TABLE customers DROP COLUMN second_factor_required");
    await q.query("ALTER TABLE sessions DROP COLUMN auth_methods, DROP COLUMN authenticated_at");
  }
}
