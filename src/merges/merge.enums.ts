export enum MergeStatus {
  DRAFT = "DRAFT",
  SUBMITTED = "SUBMITTED",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
}

/** Whose value a merged field keeps: A is the customer merged into, B the one merged in. */
export enum MergeSide {
  A = "A",
  B = "B",
}
