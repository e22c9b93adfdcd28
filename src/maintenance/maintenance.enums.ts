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
