import { MigrationInterface, QueryRunner } from "typeorm";

// Partial credit notes: a credit note's line names the line of the original invoice it credits,
// so that no line is credited beyond its quantity.
export class PartialCreditNotes1765120000000 implements MigrationInterface {
  name = "PartialCreditNotes1765120000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE invoice_lines ADD COLUMN credited_position SMALLINT UNSIGNED NULL AFTER net_amount");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE invoice_lines DROP COLUMN credited_position");
  }
}
