import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

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

/** Something the customer booked. Its installation address is its own: moving the customer does not move a line. */
@Entity("products")
export class Product {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ type: "enum", enum: ProductType })
  type: ProductType;

  @Column({ length: 100 })
  plan: string;

  /** Domain name, hostname, phone number or line id. */
  @Column({ length: 255 })
  identifier: string;

  @Column({ type: "enum", enum: ProductStatus })
  status: ProductStatus;

  @Column({ name: "installation_street", type: "varchar", length: 200, nullable: true })
  installationStreet: string | null;

  @Column({ name: "installation_postal_code", type: "varchar", length: 20, nullable: true })
  installationPostalCode: string | null;

  @Column({ name: "installation_city", type: "varchar", length: 100, nullable: true })
  installationCity: string | null;

  @Column({ name: "installation_country_code", type: "char", length: 2, nullable: true })
  installationCountryCode: string | null;

  @Column({ name: "price_amount" })
  priceAmount: number;

  @Column({ name: "price_currency", length: 3, default: "EUR" })
  priceCurrency: string;

  @Column({ name: "billing_period", type: "enum", enum: BillingPeriod, default: BillingPeriod.MONTHLY })
  billingPeriod: BillingPeriod;

  @Column({ name: "start_date", type: "date" })
  startDate: string;

  @Column({ name: "end_date", type: "date", nullable: true })
  endDate: string | null;

  @Column({ type: "json", nullable: true })
  specs: Record<string, unknown> | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}
