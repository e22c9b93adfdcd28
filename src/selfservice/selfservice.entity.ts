import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

export enum RequestStatus {
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}
export enum SupportStatus {
  OPEN = "OPEN",
  IN_PROGRESS = "IN_PROGRESS",
  CLOSED = "CLOSED",
}
export enum MergeStatus {
  DRAFT = "DRAFT",
  SUBMITTED = "SUBMITTED",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}

/** A former customer number that still finds the customer it was merged into. */
@Entity("customer_aliases")
export class CustomerAlias {
  @PrimaryColumn({ name: "customer_number", length: 20 })
  customerNumber: string;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}

/** A change of company name, legal form, VAT id or owner, applied only when staff approve it. */
@Entity("change_requests")
export class ChangeRequest {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ type: "json" })
  changes: Record<string, unknown>;

  @Column({ type: "text", nullable: true })
  documents: string | null;

  @Column({ type: "enum", enum: RequestStatus, default: RequestStatus.PENDING })
  status: RequestStatus;

  @Column({ type: "varchar", length: 500, nullable: true })
  reason: string | null;

  @Column({ name: "requested_by", length: 300 })
  requestedBy: string;

  @Column({ name: "decided_by", type: "varchar", length: 300, nullable: true })
  decidedBy: string | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @Column({ name: "decided_at", type: "datetime", precision: 3, nullable: true })
  decidedAt: Date | null;
}

@Entity("support_requests")
export class SupportRequest {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ length: 20, unique: true })
  reference: string;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ name: "product_id", type: "int", unsigned: true, nullable: true })
  productId: number | null;

  @Column({ name: "callback_contact_id", type: "int", unsigned: true, nullable: true })
  callbackContactId: number | null;

  @Column({ length: 200 })
  subject: string;

  @Column({ type: "text" })
  message: string;

  @Column({ type: "enum", enum: SupportStatus, default: SupportStatus.OPEN })
  status: SupportStatus;

  @Column({ name: "created_by", length: 300 })
  createdBy: string;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}

/** Customer B merged into A, asked for by an ADMIN of A who proved control of B. */
@Entity("merge_requests")
export class MergeRequest {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "target_customer_id", unsigned: true })
  targetCustomerId: number;

  @Column({ name: "source_customer_id", unsigned: true })
  sourceCustomerId: number;

  /** Per differing field, whose value is kept: "A" or "B". */
  @Column({ type: "json", nullable: true })
  choices: Record<string, "A" | "B"> | null;

  @Column({ type: "enum", enum: MergeStatus, default: MergeStatus.DRAFT })
  status: MergeStatus;

  @Column({ type: "varchar", length: 500, nullable: true })
  reason: string | null;

  @Column({ name: "requested_by", length: 300 })
  requestedBy: string;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @Column({ name: "decided_at", type: "datetime", precision: 3, nullable: true })
  decidedAt: Date | null;
}
