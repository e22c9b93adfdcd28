/** Whether an order of a plan is approved at once or waits for staff (or the reseller). */
export enum OrderApproval {
  AUTOMATIC = "AUTOMATIC",
  REVIEW = "REVIEW",
}
export enum PlanChangeDirection {
  UPGRADE = "UPGRADE",
  DOWNGRADE = "DOWNGRADE",
}
