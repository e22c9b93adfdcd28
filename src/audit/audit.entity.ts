import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

export enum ActorKind {
  ANONYMOUS = "ANONYMOUS",
  CUSTOMER_USER = "CUSTOMER_USER",
  CUSTOMER_ACCOUNT = "CUSTOMER_ACCOUNT",
  RESELLER_USER = "RESELLER_USER",
  RESELLER_CLIENT = "RESELLER_CLIENT",
  STAFF = "STAFF",
  SYSTEM = "SYSTEM",
}

/** Who changed what, including "reseller X acting for customer Y". Written in the change's transaction. */
@Entity("audit_log")
export class AuditEntry {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true })
  id: string;

  @Column({ name: "customer_id", type: "int", unsigned: true, nullable: true })
  customerId: number | null;

  @Column({ name: "actor_kind", type: "enum", enum: ActorKind })
  actorKind: ActorKind;

  @Column({ name: "actor_id", type: "int", unsigned: true, nullable: true })
  actorId: number | null;

  @Column({ name: "actor_label", length: 300 })
  actorLabel: string;

  @Column({ length: 64 })
  action: string;

  @Column({ type: "json", nullable: true })
  details: Record<string, unknown> | null;

  @Column({ name: "request_id", type: "varchar", length: 100, nullable: true })
  requestId: string | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}
