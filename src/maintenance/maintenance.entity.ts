import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

export enum AnnouncementKind {
  MAINTENANCE = "MAINTENANCE",
  OUTAGE = "OUTAGE",
  SECURITY = "SECURITY",
}
export enum AnnouncementStatus {
  SCHEDULED = "SCHEDULED",
  CANCELLED = "CANCELLED",
}
/** A notice's delivery, as the ledger has it (a notice without a ledger row yet is QUEUED). */
export enum NoticeStatus {
  QUEUED = "QUEUED",
  SENDING = "SENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}

/** A maintenance window for some products, announced to their technical contacts. */
@Entity("maintenance_announcements")
export class MaintenanceAnnouncement {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ type: "enum", enum: AnnouncementKind, default: AnnouncementKind.MAINTENANCE })
  kind: AnnouncementKind;

  @Column({ name: "title_de", length: 200 })
  titleDe: string;

  @Column({ name: "title_en", length: 200 })
  titleEn: string;

  @Column({ name: "message_de", type: "text" })
  messageDe: string;

  @Column({ name: "message_en", type: "text" })
  messageEn: string;

  @Column({ name: "starts_at", type: "datetime", precision: 3 })
  startsAt: Date;

  @Column({ name: "ends_at", type: "datetime", precision: 3 })
  endsAt: Date;

  @Column({ type: "enum", enum: AnnouncementStatus, default: AnnouncementStatus.SCHEDULED })
  status: AnnouncementStatus;

  /** 1 for the announcement; each reschedule or cancellation is a new revision with its follow-up. */
  @Column({ unsigned: true, default: 1 })
  revision: number;

  @Column({ name: "created_by", length: 300 })
  createdBy: string;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}

@Entity("maintenance_products")
export class MaintenanceProduct {
  @PrimaryColumn({ name: "announcement_id", unsigned: true })
  announcementId: number;

  @PrimaryColumn({ name: "product_id", unsigned: true })
  productId: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;
}

/** One recipient of one revision of an announcement; its delivery is a row of the one ledger (mail_deliveries.notice_id). */
@Entity("maintenance_notices")
export class MaintenanceNotice {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true })
  id: string;

  @Column({ name: "announcement_id", unsigned: true })
  announcementId: number;

  @Column({ unsigned: true })
  revision: number;

  @Column({ length: 254 })
  recipient: string;

  @Column({ type: "enum", enum: ["de", "en"] })
  locale: "de" | "en";

  @Column({ name: "product_ids", type: "json" })
  productIds: number[];

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}
