import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

export enum ContactType {
  STANDARD = "STANDARD",
  BILLING = "BILLING",
  TECHNICAL = "TECHNICAL",
  OWNER = "OWNER",
  SIGNATORY = "SIGNATORY",
  OTHER = "OTHER",
}

/** A person at the customer (Ansprechpartner) with one or more roles. */
@Entity("contacts")
export class Contact {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ type: "set", enum: ContactType })
  types: ContactType[];

  @Column({ type: "varchar", length: 20, nullable: true })
  salutation: string | null;

  @Column({ name: "first_name", length: 100 })
  firstName: string;

  @Column({ name: "last_name", length: 100 })
  lastName: string;

  @Column({ length: 254 })
  email: string;

  @Column({ name: "email_confirmed_at", type: "datetime", precision: 3, nullable: true })
  emailConfirmedAt: Date | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  phone: string | null;

  /** Hash of the password a caller gives on the phone; never readable. */
  @Column({ name: "phone_password_hash", type: "varchar", length: 255, nullable: true })
  phonePasswordHash: string | null;

  /** Free-text limits on what this contact may order by phone. */
  @Column({ type: "varchar", length: 2000, nullable: true })
  restrictions: string | null;

  @Column({ name: "receives_invoices", default: false })
  receivesInvoices: boolean;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}
