export enum ProductType {
  WEB_HOSTING = "WEB_HOSTING",
  DOMAIN = "DOMAIN",
  SERVER = "SERVER",
  MAIL = "MAIL",
  VOIP = "VOIP",
  INTERNET_LINE = "INTERNET_LINE",
  MOBILE = "MOBILE",
}
export enum ProductStatus {
  ORDERED = "ORDERED",
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
  CANCELLED = "CANCELLED",
}
export enum BillingPeriod {
  MONTHLY = "MONTHLY",
  YEARLY = "YEARLY",
  ONE_TIME = "ONE_TIME",
}
