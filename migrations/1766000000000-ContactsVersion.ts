import { MigrationInterface, QueryRunner } from "typeorm";

// A counter on the customer row that every change to the customer's contacts writes. The rule
// "at least one STANDARD contact" reads all contacts and changes one: on one server the row locks
// of those reads serialise two such changes, but a Galera cluster certifies only rows written, so
// two nodes deleting different STANDARD contacts would both commit. Both write this row, so the
// second fails certification and is run again (then it sees the first one's deletion).
export class ContactsVersion1766000000000 implements MigrationInterface {
  name = "ContactsVersion1766000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE customers ADD COLUMN contacts_version INT UNSIGNED NOT NULL DEFAULT 0");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE customers DROP COLUMN contacts_version");
  }
}
