export enum InvoiceKind {
  INVOICE = "INVOICE",
  CREDIT_NOTE = "CREDIT_NOTE",
}
/** Stored status; OVERDUE is not stored but follows from an OPEN invoice's due date. */
export enum StoredInvoiceStatus {
  OPEN = "OPEN",
  PAID = "PAID",
  CANCELLED = "CANCELLED",
}
