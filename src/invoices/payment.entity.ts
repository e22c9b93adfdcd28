import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

export enum PaymentSource {
  STAFF = "STAFF",
  BANK_IMPORT = "BANK_IMPORT",
}

/** Money received from a customer, optionally for one invoice. */
@Entity("payments")
export class Payment {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ name: "invoice_id", type: "int", unsigned: true, nullable: true })
  invoiceId: number | null;

  @Column()
  amount: number;

  @Column({ length: 3, default: "EUR" })
  currency: string;

  @Column({ name: "received_on", type: "date" })
  receivedOn: string;

  @Column({ length: 140 })
  reference: string;

  @Column({ type: "enum", enum: PaymentSource })
  source: PaymentSource;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}
