import { MigrationInterface, QueryRunner } from "typeorm";
import { Row } from "../src/platform/rows";

// One notifications pipeline: outbox rows carry a "done" mark (the sweep re-adds work that is not
// done and whose job is gone), mail_deliveries is the one delivery ledger (maintenance notices
// included) with an exclusive lease per row, permanent SMTP rejections mark the address as
// bouncing, confirmation links are derived from a per-verification secret (a retried send carries
// the same working link), and registrations keep their password hash in a row, not a payload.
export class Notifications1764200000000 implements MigrationInterface {
  name = "Notifications1764200000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`ALTER TABLE outbox
      ADD COLUMN done_at DATETIME(3) NULL AFTER dispatched_at,
      ADD COLUMN error VARCHAR(500) NULL AFTER done_at,
      ADD KEY idx_outbox_not_done (done_at, id)`);
    await q.query(`ALTER TABLE mail_deliveries
      MODIFY status ENUM('QUEUED','SENDING','SENT','FAILED') NOT NULL DEFAULT 'QUEUED',
      ADD COLUMN notice_id BIGINT UNSIGNED NULL AFTER invoice_id,
      ADD COLUMN lease_owner VARCHAR(64) NULL AFTER status,
      ADD COLUMN lease_until DATETIME(3) NULL AFTER lease_owner,
      ADD COLUMN permanent_failure TINYINT(1) NOT NULL DEFAULT 0 AFTER error,
      ADD COLUMN sent_at DATETIME(3) NULL AFTER attempts,
      ADD UNIQUE KEY uq_mail_deliveries_notice (notice_id),
      ADD KEY idx_mail_deliveries_status (status, lease_until),
      ADD CONSTRAINT fk_mail_deliveries_notice FOREIGN KEY (notice_id) REFERENCES maintenance_notices (id)`);
    // Notices had their own delivery status; it moves into the one ledger, under the key the
    // notice handler uses. Notices not sent yet get their batches as outbox work.
    const open: { id: string; announcement_id: number; revision: number }[] = await q.query(
      "SELECT id, announcement_id, revision FROM maintenance_notices WHERE status IN ('QUEUED', 'SENDING') ORDER BY announcement_id, revision, id",
    );
    for (let i = 0; i < open.length;) {
      const first = open[i];
      const batch: string[] = [];
      for (
        ;
        i < open.length && batch.length < 50 && open[i].announcement_id === first.announcement_id && open[i].revision === first.revision;
        i++
      )
        batch.push(String(open[i].id));
      await q.query("INSERT INTO outbox (topic, payload) VALUES ('maintenance-notices', ?)", [JSON.stringify({ noticeIds: batch })]);
    }
    await q.query(`INSERT INTO mail_deliveries (delivery_key, notice_id, recipient, status, error, attempts, sent_at, created_at, updated_at)
      SELECT CONCAT('notice:', id), id, recipient, status, error, IF(status = 'QUEUED', 0, 1), sent_at, created_at, COALESCE(sent_at, created_at)
      FROM maintenance_notices`);
    await q.query(
      `ALTER TABLE maintenance_notices DROP KEY idx_maintenance_notices_status, DROP COLUMN status, DROP COLUMN error, DROP COLUMN sent_at`,
    );

    // Addresses a receiving server rejected permanently (SMTP 5xx); staff see them.
    await table(`CREATE TABLE mail_bounces (
      address VARCHAR(254) NOT NULL,
      error VARCHAR(500) NOT NULL,
      bounces INT UNSIGNED NOT NULL DEFAULT 1,
      first_bounced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      last_bounced_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (address)
    )`);

    await q.query(`ALTER TABLE email_verifications
      ADD COLUMN token_seed BINARY(32) NULL AFTER token_hash,
      ADD COLUMN token_key_id VARCHAR(32) NULL AFTER token_seed,
      ADD COLUMN previous_email VARCHAR(254) NULL AFTER new_email`);

    await q.query("ALTER TABLE invoices ADD COLUMN reminded_at DATETIME(3) NULL");
    // Reminders sent before this version are in the ledger; they must not go out again.
    await q.query(`UPDATE invoices i JOIN (SELECT invoice_id, MIN(created_at) AS at FROM mail_deliveries WHERE delivery_key LIKE 'reminder:%' GROUP BY invoice_id) d
      ON d.invoice_id = i.id SET i.reminded_at = d.at`);

    // A registration waiting for its worker: the password hash stays in MySQL, never in a job.
    await table(`CREATE TABLE registrations (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NULL,
      email VARCHAR(254) NULL,
      display_name VARCHAR(200) NULL,
      password_hash VARCHAR(255) NULL,
      role ENUM('ADMIN','BILLING','TECHNICAL','READ_ONLY') NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      CONSTRAINT fk_registrations_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);
    await this.reopenEarlierWork(q);
  }

  /**
   * Outbox rows of the earlier version: "dispatched" did not mean "done" then, so every row of the
   * last week (the lifetime of a failed job) stays open and runs again; the ledger keeps anything
   * that was sent from going out twice, as the delivery keys are the same. Rows of retired topics
   * become the topic that replaced them, and no payload keeps a password hash.
   */
  private async reopenEarlierWork(q: QueryRunner): Promise<void> {
    await q.query(
      "UPDATE outbox SET done_at = COALESCE(dispatched_at, created_at) WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL 7 DAY",
    );
    await q.query("UPDATE outbox SET topic = 'email-verification' WHERE topic = 'verification'");
    const rows: { id: string; topic: string; payload: string | Record<string, unknown> }[] = await q.query(
      "SELECT id, topic, payload FROM outbox WHERE topic IN ('account', 'mail') AND done_at IS NULL ORDER BY id",
    );
    for (const row of rows) {
      const payload = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Row;
      const become = async (topic: string, next: object) =>
        q.query("UPDATE outbox SET topic = ?, payload = ? WHERE id = ?", [topic, JSON.stringify(next), row.id]);
      const close = () =>
        q.query("UPDATE outbox SET done_at = CURRENT_TIMESTAMP(3), error = 'retired topic of an earlier version' WHERE id = ?", [row.id]);
      if (row.topic === "account") {
        if (payload.kind === "username-reminder") await become("username-reminder", { customerNumber: payload.customerNumber });
        else if (payload.kind === "password-reset") await become("password-reset", { email: payload.email });
        else if (payload.kind === "register") {
          const made = await q.query(
            "INSERT INTO registrations (customer_id, email, display_name, password_hash, role) VALUES (?, ?, ?, ?, ?)",
            [payload.customerId, payload.email, payload.displayName, payload.passwordHash, payload.role],
          );
          await become("registration", { registrationId: Number(made.insertId) });
        } else await close();
        continue;
      }
      // Pre-rendered mail: the key says what it was, and its topic now renders it from the rows.
      const [kind, ref] = String(payload.key ?? "").split(":");
      const id = Number(ref);
      if (kind === "email-replaced" && id) {
        await q.query("UPDATE email_verifications SET previous_email = ? WHERE id = ?", [payload.messages?.[0]?.to ?? null, id]);
        await become("email-replaced", { verificationId: id });
      } else if (kind === "change-request" && id) await become("change-request-decided", { changeRequestId: id });
      else if (kind === "merge" && id) await become("merge-decided", { mergeRequestId: id });
      else if (kind === "reminder" && id) await become("payment-reminder", { invoiceId: id });
      else if ((kind === "support" || kind === "support-confirmation") && ref) {
        const [request] = await q.query("SELECT id FROM support_requests WHERE reference = ?", [ref]);
        if (request) await become("support-request", { supportRequestId: request.id });
        else await close();
      } else await close();
    }
    // Earlier registrations carried the password hash in the payload; none stays there.
    await q.query("UPDATE outbox SET payload = JSON_REMOVE(payload, '$.passwordHash') WHERE topic = 'account'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE registrations");
    await q.query("ALTER TABLE invoices DROP COLUMN reminded_at");
    await q.query("ALTER TABLE email_verifications DROP COLUMN token_seed, DROP COLUMN token_key_id, DROP COLUMN previous_email");
    await q.query("DROP TABLE mail_bounces");
    await q.query(`ALTER TABLE maintenance_notices
      ADD COLUMN status ENUM('QUEUED','SENDING','SENT','FAILED') NOT NULL DEFAULT 'QUEUED',
      ADD COLUMN error VARCHAR(500) NULL, ADD COLUMN sent_at DATETIME(3) NULL, ADD KEY idx_maintenance_notices_status (announcement_id, status)`);
    await q.query(
      `UPDATE maintenance_notices n JOIN mail_deliveries d ON d.notice_id = n.id SET n.status = d.status, n.error = d.error, n.sent_at = d.sent_at`,
    );
    await q.query("DELETE FROM mail_deliveries WHERE notice_id IS NOT NULL OR status = 'QUEUED'");
    await q.query(`ALTER TABLE mail_deliveries DROP FOREIGN KEY fk_mail_deliveries_notice, DROP KEY uq_mail_deliveries_notice, DROP KEY idx_mail_deliveries_status,
      DROP COLUMN notice_id, DROP COLUMN lease_owner, DROP COLUMN lease_until, DROP COLUMN permanent_failure, DROP COLUMN sent_at,
      MODIFY status ENUM('SENDING','SENT','FAILED') NOT NULL`);
    await q.query("ALTER TABLE outbox DROP KEY idx_outbox_not_done, DROP COLUMN done_at, DROP COLUMN error");
  }
}
