// Row shapes of the seeded tables: one property per column (snake_case, as in the migration), so
// that a row's values can be handed to a multi-row INSERT in key order.

import type { Country } from "./catalog";

export interface ResellerRow {
  id: number;
  name: string;
  email: string;
  created_at: string;
  updated_at: string;
}

export interface CustomerRow {
  id: number;
  customer_number: string;
  reseller_id: number | null;
  kind: "BUSINESS" | "PRIVATE";
  company_name: string | null;
  legal_form: string | null;
  salutation: string | null;
  first_name: string | null;
  last_name: string | null;
  vat_id: string | null;
  street: string;
  postal_code: string;
  city: string;
  country_code: Country;
  email: string;
  phone: string | null;
  mobile: string | null;
  billing_name: string | null;
  billing_street: string | null;
  billing_postal_code: string | null;
  billing_city: string | null;
  billing_country_code: Country | null;
  payment_method: "SEPA_DIRECT_DEBIT" | "BANK_TRANSFER";
  sepa_iban: string | null;
  sepa_bic: string | null;
  sepa_account_holder: string | null;
  sepa_mandate_reference: string | null;
  sepa_mandate_date: string | null;
  sepa_scheme: "CORE" | "B2B" | null;
  online_invoice_enabled: 0 | 1;
  online_invoice_email: string | null;
  online_invoice_enabled_at: string | null;
  newsletter_enabled: 0 | 1;
  newsletter_email: string | null;
  newsletter_consent_at: string | null;
  customer_pin: string;
  customer_password_hash: null;
  ip_allowlist: string | null;
  locale: "de" | "en";
  status: "ACTIVE" | "SUSPENDED";
  version: number;
  created_at: string;
  updated_at: string;
}

export type ContactType = "STANDARD" | "BILLING" | "TECHNICAL" | "OWNER" | "SIGNATORY" | "OTHER";
export const CONTACT_TYPE_ORDER: readonly ContactType[] = ["STANDARD", "BILLING", "TECHNICAL", "OWNER", "SIGNATORY", "OTHER"];

export interface ContactRow {
  id: number;
  customer_id: number;
  /** MySQL SET value: comma-separated, in declaration order. */
  types: string;
  salutation: string | null;
  first_name: string;
  last_name: string;
  email: string;
  email_confirmed_at: string | null;
  phone: string | null;
  phone_password_hash: null;
  restrictions: string | null;
  receives_invoices: 0 | 1;
  created_at: string;
  updated_at: string;
}

export type ProductType = "WEB_HOSTING" | "DOMAIN" | "SERVER" | "MAIL" | "VOIP" | "INTERNET_LINE" | "MOBILE";
export type ProductStatus = "ORDERED" | "ACTIVE" | "SUSPENDED" | "CANCELLED";
export type BillingPeriod = "MONTHLY" | "YEARLY" | "ONE_TIME";

export interface CatalogPlanRow {
  id: number;
  product_type: ProductType;
  name_de: string;
  name_en: string;
  price_amount: number;
  price_currency: "EUR";
  billing_period: BillingPeriod;
  specs: string;
  approval: "AUTOMATIC" | "REVIEW";
  technical_may_order: 0 | 1;
  needs_installation_address: 0 | 1;
  orderable: 0 | 1;
}

export interface CatalogPlanChangeRow {
  from_plan_id: number;
  to_plan_id: number;
  direction: "UPGRADE" | "DOWNGRADE";
}

export interface ProductRow {
  id: number;
  customer_id: number;
  type: ProductType;
  plan: string;
  /** The catalog plan; null for what was booked outside the catalog. */
  plan_id: number | null;
  identifier: string;
  status: ProductStatus;
  installation_street: string | null;
  installation_postal_code: string | null;
  installation_city: string | null;
  installation_country_code: Country | null;
  price_amount: number;
  price_currency: "EUR";
  billing_period: BillingPeriod;
  start_date: string;
  end_date: string | null;
  specs: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvoiceRow {
  id: number;
  customer_id: number;
  number: string;
  kind: "INVOICE" | "CREDIT_NOTE";
  original_invoice_id: number | null;
  issue_date: string;
  due_date: string;
  period_start: string | null;
  period_end: string | null;
  status: "OPEN" | "PAID" | "CANCELLED";
  net_amount: number;
  vat_amount: number;
  gross_amount: number;
  vat_breakdown: string;
  currency: "EUR";
  billing_name: string;
  billing_street: string;
  billing_postal_code: string;
  billing_city: string;
  billing_country_code: Country;
  billing_addressees: string;
  paid_at: string | null;
  created_at: string;
}

export interface InvoiceLineRow {
  id: number;
  invoice_id: number;
  position: number;
  description: string;
  product_id: number | null;
  quantity: string;
  unit_price_amount: number;
  vat_rate: string;
  net_amount: number;
}

export interface DemoData {
  catalogPlans: CatalogPlanRow[];
  catalogPlanChanges: CatalogPlanChangeRow[];
  resellers: ResellerRow[];
  customers: CustomerRow[];
  contacts: ContactRow[];
  products: ProductRow[];
  invoices: InvoiceRow[];
  invoiceLines: InvoiceLineRow[];
}

export type TableKey = keyof DemoData;
