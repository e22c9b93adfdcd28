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
export enum Locale {
  de = "de",
  en = "en",
}
