import { MigrationInterface, QueryRunner } from "typeorm";

// Idempotency keys: one row per caller and key, written in the transaction of the mutation it
// guards, with the hash of the request and the mutation's result (ids), kept 24 hours.
export class IdempotencyKeys1765100000000 implements MigrationInterface {
  name = "IdempotencyKeys1765100000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE idempotency_keys (
      caller VARCHAR(100) NOT NULL,
      idempotency_key VARCHAR(255) NOT NULL,
      operation VARCHAR(100) NOT NULL,
      request_hash CHAR(64) NOT NULL,
      result JSON NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      expires_at DATETIME(3) NOT NULL,
      PRIMARY KEY (caller, idempotency_key),
      KEY idx_idempotency_keys_expires (expires_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE idempotency_keys");
  }
}
