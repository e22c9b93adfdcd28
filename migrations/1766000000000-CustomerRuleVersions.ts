import { MigrationInterface, QueryRunner } from "typeorm";

// Counters on the customer row that changes checked against a rule over several of the
// customer's rows write: "at least one STANDARD contact" (contacts) and "at least one enabled
// ADMIN" (memberships). Such a change reads all those rows and changes one: on one server the row
// locks of the reads serialise two changes, but a Galera cluster certifies only rows written, so
// two nodes deleting different STANDARD contacts (or demoting different ADMINs) would both commit.
// Both write the counter, so the second fails certification and runs again, and then sees the
// first one's change. The customer's `version` is the client's optimistic lock: a contact change
// must not turn a pending customerUpdate into a CONFLICT, hence columns of their own.
export class CustomerRuleVersions1766000000000 implements MigrationInterface {
  name = "CustomerRuleVersions1766000000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "ALTER TABLE customers ADD COLUMN contacts_version INT UNSIGNED NOT NULL DEFAULT 0, ADD COLUMN memberships_version INT UNSIGNED NOT NULL DEFAULT 0",
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE customers DROP COLUMN contacts_version, DROP COLUMN memberships_version");
  }
}
