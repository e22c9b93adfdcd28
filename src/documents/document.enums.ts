export enum DocumentCategory {
  TERMS = "TERMS",
  PRICE_LIST = "PRICE_LIST",
  FORM = "FORM",
  MANUAL = "MANUAL",
  CONTRACT = "CONTRACT",
}

/** Who sees a document: every customer, customers with a product of a type, or one customer. */
export enum DocumentVisibility {
  ALL_CUSTOMERS = "ALL_CUSTOMERS",
  PRODUCT_TYPE = "PRODUCT_TYPE",
  CUSTOMER = "CUSTOMER",
}
