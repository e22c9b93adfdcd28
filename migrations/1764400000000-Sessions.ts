import { MigrationInterface, QueryRunner } from "typeorm";

// A session is what a login starts: one refresh-token family, with where it came from and when it
// was last used, so that users can see and end their sessions. Access tokens name their session
// (claim sid), which is how a session ended in the database is refused on the next request.
export class Sessions1764400000000 implements MigrationInterface {
  name = "Sessions1764400000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE sessions (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      subject_kind ENUM('USER','CUSTOMER','CLIENT') NOT NULL,
      subject_id INT UNSIGNED NOT NULL,
      user_agent VARCHAR(400) NULL,
      ip_address VARCHAR(45) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      last_used_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      revoked_at DATETIME(3) NULL,
      legacy_family_id CHAR(32) NULL,
      PRIMARY KEY (id),
      KEY idx_sessions_subject (subject_kind, subject_id, revoked_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // Every refresh-token family becomes a session; one whose tokens are all revoked is an ended one.
    await q.query(`INSERT INTO sessions (subject_kind, subject_id, created_at, last_used_at, revoked_at, legacy_family_id)
      SELECT MIN(subject_kind), MIN(subject_id), MIN(created_at), MAX(created_at),
        CASE WHEN SUM(revoked_at IS NULL) = 0 THEN MAX(revoked_at) END, family_id
      FROM refresh_tokens GROUP BY family_id`);
    await q.query("ALTER TABLE refresh_tokens ADD COLUMN session_id BIGINT UNSIGNED NULL AFTER id");
    await q.query("UPDATE refresh_tokens t JOIN sessions s ON s.legacy_family_id = t.family_id SET t.session_id = s.id");
    await q.query(`ALTER TABLE refresh_tokens
      MODIFY session_id BIGINT UNSIGNED NOT NULL,
      DROP INDEX idx_refresh_tokens_family,
      DROP COLUMN family_id,
      ADD KEY idx_refresh_tokens_session (session_id),
      ADD CONSTRAINT fk_refresh_tokens_session FOREIGN KEY (session_id) REFERENCES sessions (id)`);
    await q.query("ALTER TABLE sessions DROP COLUMN legacy_family_id");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE refresh_tokens ADD COLUMN family_id CHAR(32) NULL AFTER id");
    await q.query("UPDATE refresh_tokens SET family_id = LPAD(HEX(session_id), 32, '0')");
    await q.query(`ALTER TABLE refresh_tokens
      MODIFY family_id CHAR(32) NOT NULL,
      DROP FOREIGN KEY fk_refresh_tokens_session,
      DROP INDEX idx_refresh_tokens_session,
      DROP COLUMN session_id,
      ADD KEY idx_refresh_tokens_family (family_id)`);
    await q.query("DROP TABLE sessions");
  }
}
