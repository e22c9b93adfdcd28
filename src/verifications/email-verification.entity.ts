import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

export enum EmailVerificationPurpose {
  CUSTOMER_EMAIL = "CUSTOMER_EMAIL",
  CONTACT_EMAIL = "CONTACT_EMAIL",
  ONLINE_INVOICE_EMAIL = "ONLINE_INVOICE_EMAIL",
  NEWSLETTER_EMAIL = "NEWSLETTER_EMAIL",
  LOGIN_EMAIL = "LOGIN_EMAIL",
}
export enum EmailVerificationStatus {
  PENDING = "PENDING",
  CONFIRMED = "CONFIRMED",
  EXPIRED = "EXPIRED",
  CANCELLED = "CANCELLED",
  SUPERSEDED = "SUPERSEDED",
}
export enum DeliveryState {
  QUEUED = "QUEUED",
  SENT = "SENT",
  FAILED = "FAILED",
}

/** A pending email change: the old address stays in use until this is confirmed. */
@Entity("email_verifications")
export class EmailVerification {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", type: "int", unsigned: true, nullable: true })
  customerId: number | null;

  @Column({ type: "enum", enum: EmailVerificationPurpose })
  purpose: EmailVerificationPurpose;

  /** The customer, contact or user whose address changes, depending on purpose. */
  @Column({ name: "target_id", unsigned: true })
  targetId: number;

  @Column({ name: "new_email", length: 254 })
  newEmail: string;

  /** SHA-256 of the token; the token itself is only ever in the email. */
  @Column({ name: "token_hash", type: "binary", length: 32, unique: true })
  tokenHash: Buffer;

  @Column({ type: "enum", enum: EmailVerificationStatus, default: EmailVerificationStatus.PENDING })
  status: EmailVerificationStatus;

  @Column({ name: "expires_at", type: "datetime", precision: 3 })
  expiresAt: Date;

  @Column({ name: "last_sent_at", type: "datetime", precision: 3, nullable: true })
  lastSentAt: Date | null;

  @Column({ name: "delivery_state", type: "enum", enum: DeliveryState, default: DeliveryState.QUEUED })
  deliveryState: DeliveryState;

  @Column({ name: "delivery_error", type: "varchar", length: 500, nullable: true })
  deliveryError: string | null;

  @Column({ name: "confirmed_at", type: "datetime", precision: 3, nullable: true })
  confirmedAt: Date | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}
