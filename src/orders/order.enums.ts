export enum OrderKind {
  NEW_PRODUCT = "NEW_PRODUCT",
  PLAN_CHANGE = "PLAN_CHANGE",
}
export enum OrderStatus {
  PENDING = "PENDING",
  APPROVED = "APPROVED",
  REJECTED = "REJECTED",
  CANCELLED = "CANCELLED",
}
