import { MigrationInterface, QueryRunner } from "typeorm";

// The monthly invoice run: a run of up to 500 invoices per call, one item per customer and
// period (unique across runs: a period is billed once), issued by workers.
export class InvoiceRuns1765130000000 implements MigrationInterface {
  name = "InvoiceRuns1765130000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE invoice_runs (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      started_by_user_id INT UNSIGNED NOT NULL,
      started_by VARCHAR(300) NOT NULL,
      due_in_days SMALLINT UNSIGNED NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE invoice_run_items (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      run_id INT UNSIGNED NOT NULL,
      customer_id INT UNSIGNED NOT NULL,
      period_start DATE NOT NULL,
      period_end DATE NOT NULL,
      \`lines\` JSON NOT NULL,
      status ENUM('PENDING','ISSUED','FAILED') NOT NULL DEFAULT 'PENDING',
      invoice_id INT UNSIGNED NULL,
      error VARCHAR(1000) NULL,
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_invoice_run_items_period (customer_id, period_start, period_end),
      KEY idx_invoice_run_items_run_status (run_id, status, id),
      KEY idx_invoice_run_items_invoice (invoice_id),
      CONSTRAINT fk_invoice_run_items_run FOREIGN KEY (run_id) REFERENCES invoice_runs (id),
      CONSTRAINT fk_invoice_run_items_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_invoice_run_items_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE invoice_run_items");
    await q.query("DROP TABLE invoice_runs");
  }
}
