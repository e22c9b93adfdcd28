/** Where a customer stands with the data-processing agreement. */
export enum DpaStatus {
  /** No version is published yet. */
  NONE_PUBLISHED = "NONE_PUBLISHED",
  /** The customer never accepted any version. */
  NOT_ACCEPTED = "NOT_ACCEPTED",
  /** The customer accepted an earlier version; the current one waits for its acceptance. */
  PENDING_ACCEPTANCE = "PENDING_ACCEPTANCE",
  /** The customer accepted the current version. */
  ACCEPTED = "ACCEPTED",
}

export enum DataExportStatus {
  BUILDING = "BUILDING",
  READY = "READY",
  FAILED = "FAILED",
  EXPIRED = "EXPIRED",
}

export enum ClosureStatus {
  PENDING = "PENDING",
  /** Approved: logins ended, the customer is closed; its data is being erased. */
  APPROVED = "APPROVED",
  /** The customer was told and its personal data erased. */
  COMPLETED = "COMPLETED",
  REJECTED = "REJECTED",
}
