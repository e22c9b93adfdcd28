import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";

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

  /** Set when the handler finished; the sweep re-adds the job of every row without it. */
  @Column({ name: "done_at", type: "datetime", precision: 3, nullable: true })
  doneAt: Date | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  error: string | null;
}

export enum MailDeliveryStatus {
  QUEUED = "QUEUED",
  SENDING = "SENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}

/** One recipient of one message: the one delivery ledger (see DeliveryLedger). */
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

  /** The maintenance notice this mail is, for its status. */
  @Column({ name: "notice_id", type: "bigint", unsigned: true, nullable: true, unique: true })
  noticeId: string | null;

  @Column({ length: 254 })
  recipient: string;

  @Column({ type: "enum", enum: MailDeliveryStatus, default: MailDeliveryStatus.QUEUED })
  status: MailDeliveryStatus;

  /** The process holding a SENDING row, and until when; nobody else sends it before then. */
  @Column({ name: "lease_owner", type: "varchar", length: 64, nullable: true })
  leaseOwner: string | null;

  @Column({ name: "lease_until", type: "datetime", precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Column({ name: "message_id", type: "varchar", length: 255, nullable: true })
  messageId: string | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  error: string | null;

  /** The receiving server rejected it for good (SMTP 5xx). */
  @Column({ name: "permanent_failure", type: "boolean", default: false })
  permanentFailure: boolean;

  @Column({ unsigned: true, default: 0 })
  attempts: number;

  @Column({ name: "sent_at", type: "datetime", precision: 3, nullable: true })
  sentAt: Date | null;

  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Column({ name: "updated_at", type: "datetime", precision: 3 })
  updatedAt: Date;
}

/** An address a receiving server rejected for good; staff see it (Query.mailBounces). */
@Entity("mail_bounces")
export class MailBounce {
  @PrimaryColumn({ length: 254 })
  address: string;

  @Column({ length: 500 })
  error: string;

  @Column({ unsigned: true, default: 1 })
  bounces: number;

  @Column({ name: "first_bounced_at", type: "datetime", precision: 3 })
  firstBouncedAt: Date;

  @Column({ name: "last_bounced_at", type: "datetime", precision: 3 })
  lastBouncedAt: Date;
}
