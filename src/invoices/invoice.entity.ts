import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

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

/** An issued invoice or credit note. Never changes after issue; the billing address is a snapshot. */
@Entity("invoices")
export class Invoice {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ length: 20, unique: true })
  number: string;

  @Column({ type: "enum", enum: InvoiceKind, default: InvoiceKind.INVOICE })
  kind: InvoiceKind;

  @Column({ name: "original_invoice_id", type: "int", unsigned: true, nullable: true })
  originalInvoiceId: number | null;

  @Column({ name: "issue_date", type: "date" })
  issueDate: string;

  @Column({ name: "due_date", type: "date" })
  dueDate: string;

  @Column({ name: "period_start", type: "date", nullable: true })
  periodStart: string | null;

  @Column({ name: "period_end", type: "date", nullable: true })
  periodEnd: string | null;

  @Column({ type: "enum", enum: StoredInvoiceStatus, default: StoredInvoiceStatus.OPEN })
  status: StoredInvoiceStatus;

  @Column({ name: "net_amount" })
  netAmount: number;

  @Column({ name: "vat_amount" })
  vatAmount: number;

  @Column({ name: "gross_amount" })
  grossAmount: number;

  @Column({ length: 3, default: "EUR" })
  currency: string;

  /** Per VAT rate: net and VAT in cents, as issued. */
  @Column({ name: "vat_breakdown", type: "json", nullable: true })
  vatBreakdown: { rate: string; net: number; vat: number }[] | null;

  /** How it is paid, as issued: SEPA mandate and debit date, or the provider's account and reference. */
  @Column({ name: "payment_terms", type: "json", nullable: true })
  paymentTerms: Record<string, unknown> | null;

  @Column({ name: "cancel_reason", type: "varchar", length: 500, nullable: true })
  cancelReason: string | null;

  @Column({ name: "billing_name", length: 200 })
  billingName: string;

  @Column({ name: "billing_street", length: 200 })
  billingStreet: string;

  @Column({ name: "billing_postal_code", length: 20 })
  billingPostalCode: string;

  @Column({ name: "billing_city", length: 100 })
  billingCity: string;

  @Column({ name: "billing_country_code", length: 2 })
  billingCountryCode: string;

  /** Names printed "z. Hd." under the address at issue time. */
  @Column({ name: "billing_addressees", type: "json" })
  billingAddressees: string[];

  @Column({ name: "paid_at", type: "datetime", precision: 3, nullable: true })
  paidAt: Date | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}

@Entity("invoice_lines")
export class InvoiceLine {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "invoice_id", unsigned: true })
  invoiceId: number;

  @Column({ type: "smallint", unsigned: true })
  position: number;

  @Column({ length: 500 })
  description: string;

  @Column({ name: "product_id", type: "int", unsigned: true, nullable: true })
  productId: number | null;

  @Column({ type: "decimal", precision: 12, scale: 3 })
  quantity: string;

  @Column({ name: "unit_price_amount" })
  unitPriceAmount: number;

  /** Percent, e.g. "20.00". */
  @Column({ name: "vat_rate", type: "decimal", precision: 5, scale: 2 })
  vatRate: string;

  @Column({ name: "net_amount" })
  netAmount: number;
}
