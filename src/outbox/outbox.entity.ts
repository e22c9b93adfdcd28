import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

/** A side effect recorded in the transaction that caused it, handed to BullMQ after commit. */
@Entity("outbox")
export class OutboxMessage {
  // BIGINT comes back from mysql2 as a string; ids are only ever passed around, never summed.
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true })
  id: string;

  @Column({ length: 64 })
  topic: string;

  @Column({ type: "json" })
  payload: Record<string, unknown>;

  @Column({ name: "request_id", type: "varchar", length: 100, nullable: true })
  requestId: string | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @Column({ name: "dispatched_at", type: "datetime", precision: 3, nullable: true })
  dispatchedAt: Date | null;
}

export enum MailDeliveryStatus {
  SENDING = "SENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}

/** One recipient of one message; the unique key stops a retried job from sending twice. */
@Entity("mail_deliveries")
export class MailDelivery {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true })
  id: string;

  @Column({ name: "delivery_key", length: 191, unique: true })
  deliveryKey: string;

  @Column({ name: "outbox_id", type: "bigint", unsigned: true, nullable: true })
  outboxId: string | null;

  /** The invoice this mail carried, for Invoice.deliveries. */
  @Column({ name: "invoice_id", type: "int", unsigned: true, nullable: true })
  invoiceId: number | null;

  @Column({ length: 254 })
  recipient: string;

  @Column({ type: "enum", enum: MailDeliveryStatus })
  status: MailDeliveryStatus;

  @Column({ name: "message_id", type: "varchar", length: 255, nullable: true })
  messageId: string | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  error: string | null;

  @Column({ unsigned: true, default: 0 })
  attempts: number;

  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "datetime", precision: 3 })
  updatedAt: Date;
}
