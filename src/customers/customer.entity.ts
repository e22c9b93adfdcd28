import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from "typeorm";

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

/** The account holder (Kundennummer): master data, billing settings and access secrets. */
@Entity("customers")
export class Customer {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_number", length: 20, unique: true })
  customerNumber: string;

  @Column({ name: "reseller_id", type: "int", unsigned: true, nullable: true })
  resellerId: number | null;

  @Column({ type: "enum", enum: CustomerKind })
  kind: CustomerKind;

  @Column({ name: "company_name", type: "varchar", length: 200, nullable: true })
  companyName: string | null;

  @Column({ name: "legal_form", type: "varchar", length: 50, nullable: true })
  legalForm: string | null;

  @Column({ type: "varchar", length: 20, nullable: true })
  salutation: string | null;

  @Column({ name: "first_name", type: "varchar", length: 100, nullable: true })
  firstName: string | null;

  @Column({ name: "last_name", type: "varchar", length: 100, nullable: true })
  lastName: string | null;

  @Column({ name: "vat_id", type: "varchar", length: 20, nullable: true })
  vatId: string | null;

  @Column({ length: 200 })
  street: string;

  @Column({ name: "postal_code", length: 20 })
  postalCode: string;

  @Column({ length: 100 })
  city: string;

  @Column({ name: "country_code", length: 2 })
  countryCode: string;

  @Column({ length: 254 })
  email: string;

  @Column({ type: "varchar", length: 32, nullable: true })
  phone: string | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  mobile: string | null;

  @Column({ name: "billing_name", type: "varchar", length: 200, nullable: true })
  billingName: string | null;

  @Column({ name: "billing_street", type: "varchar", length: 200, nullable: true })
  billingStreet: string | null;

  @Column({ name: "billing_postal_code", type: "varchar", length: 20, nullable: true })
  billingPostalCode: string | null;

  @Column({ name: "billing_city", type: "varchar", length: 100, nullable: true })
  billingCity: string | null;

  @Column({ name: "billing_country_code", type: "char", length: 2, nullable: true })
  billingCountryCode: string | null;

  @Column({ name: "payment_method", type: "enum", enum: PaymentMethod, default: PaymentMethod.BANK_TRANSFER })
  paymentMethod: PaymentMethod;

  @Column({ name: "sepa_iban", type: "varchar", length: 34, nullable: true })
  sepaIban: string | null;

  @Column({ name: "sepa_bic", type: "varchar", length: 11, nullable: true })
  sepaBic: string | null;

  @Column({ name: "sepa_account_holder", type: "varchar", length: 200, nullable: true })
  sepaAccountHolder: string | null;

  @Column({ name: "sepa_mandate_reference", type: "varchar", length: 35, nullable: true })
  sepaMandateReference: string | null;

  @Column({ name: "sepa_mandate_date", type: "date", nullable: true })
  sepaMandateDate: string | null;

  @Column({ name: "sepa_scheme", type: "enum", enum: SepaScheme, nullable: true })
  sepaScheme: SepaScheme | null;

  @Column({ name: "online_invoice_enabled", default: false })
  onlineInvoiceEnabled: boolean;

  @Column({ name: "online_invoice_email", type: "varchar", length: 254, nullable: true })
  onlineInvoiceEmail: string | null;

  @Column({ name: "online_invoice_enabled_at", type: "datetime", precision: 3, nullable: true })
  onlineInvoiceEnabledAt: Date | null;

  @Column({ name: "newsletter_enabled", default: false })
  newsletterEnabled: boolean;

  @Column({ name: "newsletter_email", type: "varchar", length: 254, nullable: true })
  newsletterEmail: string | null;

  @Column({ name: "newsletter_consent_at", type: "datetime", precision: 3, nullable: true })
  newsletterConsentAt: Date | null;

  /** Non-critical notices (maintenance) also to the main email; security and outage notices always go there. */
  @Column({ name: "notify_main_email", default: false })
  notifyMainEmail: boolean;

  /** Set on a customer merged into another; its number is then an alias of that one. */
  @Column({ name: "merged_into_id", type: "int", unsigned: true, nullable: true })
  mergedIntoId: number | null;

  /** 6-digit phone-authentication PIN; readable by the customer's admins only. */
  @Column({ name: "customer_pin", type: "char", length: 6, nullable: true })
  customerPin: string | null;

  @Column({ name: "customer_password_hash", type: "varchar", length: 255, nullable: true })
  customerPasswordHash: string | null;

  /** Addresses and CIDRs logins to this customer must come from; null means any. */
  @Column({ name: "ip_allowlist", type: "json", nullable: true })
  ipAllowlist: string[] | null;

  @Column({ type: "enum", enum: Locale, default: Locale.de })
  locale: Locale;

  @Column({ type: "enum", enum: CustomerStatus, default: CustomerStatus.ACTIVE })
  status: CustomerStatus;

  @VersionColumn({ unsigned: true })
  version: number;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}
