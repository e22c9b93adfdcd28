import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** A plan change of a product, kept as history. */
@Entity("product_plan_changes")
export class ProductPlanChange {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "product_id", unsigned: true })
  productId: number;

  @Column({ name: "old_plan", length: 100 })
  oldPlan: string;

  @Column({ name: "new_plan", length: 100 })
  newPlan: string;

  @Column({ name: "changed_by", length: 300 })
  changedBy: string;

  @Column({ name: "changed_at", type: "datetime", precision: 3 })
  changedAt: Date;
}
