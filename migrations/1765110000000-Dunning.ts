import { MigrationInterface, QueryRunner } from "typeorm";

// Dunning levels: one row per invoice and level sent, with the fee invoice it raised. The one
// reminder of before becomes level 1.
export class Dunning1765110000000 implements MigrationInterface {
  name = "Dunning1765110000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE invoice_dunnings (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      invoice_id INT UNSIGNED NOT NULL,
      level TINYINT UNSIGNED NOT NULL,
      final TINYINT(1) NOT NULL DEFAULT 0,
      sent_on DATE NOT NULL,
      fee_amount INT NOT NULL DEFAULT 0,
      fee_invoice_id INT UNSIGNED NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_invoice_dunnings_level (invoice_id, level),
      UNIQUE KEY uq_invoice_dunnings_fee_invoice (fee_invoice_id),
      CONSTRAINT fk_invoice_dunnings_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
      CONSTRAINT fk_invoice_dunnings_fee_invoice FOREIGN KEY (fee_invoice_id) REFERENCES invoices (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`INSERT INTO invoice_dunnings (invoice_id, level, sent_on, created_at)
      SELECT id, 1, DATE(reminded_at), reminded_at FROM invoices WHERE reminded_at IS NOT NULL`);
    await q.query("ALTER TABLE invoices DROP COLUMN reminded_at");
    // The dunning run reads open invoices by due date.
    await q.query("ALTER TABLE invoices ADD KEY idx_invoices_status_due (status, due_date, id)");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE invoices DROP KEY idx_invoices_status_due");
    await q.query("ALTER TABLE invoices ADD COLUMN reminded_at DATETIME(3) NULL");
    await q.query(`UPDATE invoices i JOIN invoice_dunnings d ON d.invoice_id = i.id AND d.level = 1 SET i.reminded_at = d.created_at`);
    await q.query("DROP TABLE invoice_dunnings");
  }
}
