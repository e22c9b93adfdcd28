import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import { CustomerRole, StaffRole } from "../platform/principal";

// The roles are the principal's (platform/principal.ts); kept importable from here too.
export { CustomerRole, StaffRole };

export enum UserKind {
  CUSTOMER = "CUSTOMER",
  RESELLER = "RESELLER",
  STAFF = "STAFF",
}
/** A login identity: a customer's user, a reseller's user or a member of the provider's staff. */
@Entity("users")
export class User {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ type: "enum", enum: UserKind })
  kind: UserKind;

  /** SSO / login email. */
  @Column({ length: 254, unique: true })
  email: string;

  @Column({ name: "display_name", length: 200 })
  displayName: string;

  @Column({ name: "password_hash", type: "varchar", length: 255, nullable: true })
  passwordHash: string | null;

  @Column({ name: "password_changed_at", type: "datetime", precision: 3, nullable: true })
  passwordChangedAt: Date | null;

  @Column({ name: "reseller_id", type: "int", unsigned: true, nullable: true })
  resellerId: number | null;

  @Column({ name: "reseller_role", type: "enum", enum: CustomerRole, nullable: true })
  resellerRole: CustomerRole | null;

  @Column({ name: "staff_role", type: "enum", enum: StaffRole, nullable: true })
  staffRole: StaffRole | null;

  @Column({ name: "disabled_at", type: "datetime", precision: 3, nullable: true })
  disabledAt: Date | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}

/** A customer user's role in one customer; a user may belong to several customers. */
@Entity("memberships")
export class Membership {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "user_id", unsigned: true })
  userId: number;

  @Column({ name: "customer_id", unsigned: true })
  customerId: number;

  @Column({ type: "enum", enum: CustomerRole })
  role: CustomerRole;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}
