export enum CustomerKind {
  BUSINESS = "BUSINESS",
  PRIVATE = "PRIVATE",
}
export enum CustomerStatus {
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
  CLOSED = "CLOSED",
}
export enum PaymentMethod {
  SEPA_DIRECT_DEBIT = "SEPA_DIRECT_DEBIT",
  BANK_TRANSFER = "BANK_TRANSFER",
}
export enum SepaScheme {
  CORE = "CORE",
  B2B = "B2B",
}
/** How the customer receives invoices: a PDF, a ZUGFeRD PDF (EN 16931 XML inside) or XRechnung XML. */
export enum InvoiceFormat {
  PDF = "PDF",
  ZUGFERD = "ZUGFERD",
  XRECHNUNG = "XRECHNUNG",
}
export enum Locale {
  de = "de",
  en = "en",
}
