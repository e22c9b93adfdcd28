export enum PaymentSource {
  STAFF = "STAFF",
  BANK_IMPORT = "BANK_IMPORT",
}
