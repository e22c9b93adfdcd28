import { MigrationInterface, QueryRunner } from "typeorm";

// One pending plan change per product, as a unique key rather than a locking read: the read
// ("SELECT … FOR UPDATE" of pending orders) holds on one server through its gap lock, but a Galera
// cluster certifies only rows written (and TiDB takes no gap locks), so two nodes could both insert.
// The generated column is the product while its plan change is pending, NULL otherwise; a second
// pending one is a duplicate key on any server and a certification conflict across nodes.
export class PendingPlanChangeKey1766010000000 implements MigrationInterface {
  name = "PendingPlanChangeKey1766010000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE orders
         ADD COLUMN pending_plan_change_of INT UNSIGNED GENERATED ALWAYS AS (IF(status = 'PENDING' AND kind = 'PLAN_CHANGE', product_id, NULL)) STORED,
         ADD UNIQUE KEY uq_orders_pending_plan_change (pending_plan_change_of)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE orders DROP KEY uq_orders_pending_plan_change, DROP COLUMN pending_plan_change_of");
  }
}
