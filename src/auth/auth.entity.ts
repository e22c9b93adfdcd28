import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

/** A reseller's machine login (OAuth 2 client-credentials grant). Only the secret's hash is kept. */
@Entity("api_clients")
export class ApiClient {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "reseller_id", unsigned: true })
  resellerId: number;

  @Column({ name: "client_id", length: 64, unique: true })
  clientId: string;

  @Column({ name: "secret_hash", length: 255 })
  secretHash: string;

  @Column({ length: 200 })
  name: string;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @Column({ name: "revoked_at", type: "datetime", precision: 3, nullable: true })
  revokedAt: Date | null;
}

export enum RefreshSubjectKind {
  USER = "USER",
  CUSTOMER = "CUSTOMER",
  CLIENT = "CLIENT",
}

/** One link of a refresh-token family; rotated on use, the family revoked on reuse. */
@Entity("refresh_tokens")
export class RefreshToken {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true })
  id: string;

  @Column({ name: "family_id", type: "char", length: 32 })
  familyId: string;

  @Column({ name: "token_hash", type: "binary", length: 32, unique: true })
  tokenHash: Buffer;

  @Column({ name: "subject_kind", type: "enum", enum: RefreshSubjectKind })
  subjectKind: RefreshSubjectKind;

  @Column({ name: "subject_id", unsigned: true })
  subjectId: number;

  @Column({ name: "expires_at", type: "datetime", precision: 3 })
  expiresAt: Date;

  @Column({ name: "rotated_at", type: "datetime", precision: 3, nullable: true })
  rotatedAt: Date | null;

  @Column({ name: "revoked_at", type: "datetime", precision: 3, nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}

/** A password-reset link: single use, one hour, only the hash kept. One per recovery request. */
@Entity("password_resets")
export class PasswordReset {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ name: "user_id", unsigned: true })
  userId: number;

  @Column({ name: "outbox_id", type: "bigint", unsigned: true, unique: true })
  outboxId: string;

  @Column({ name: "token_hash", type: "binary", length: 32, unique: true })
  tokenHash: Buffer;

  @Column({ name: "expires_at", type: "datetime", precision: 3 })
  expiresAt: Date;

  @Column({ name: "used_at", type: "datetime", precision: 3, nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;
}

/** Next free number of a series, taken under a row lock in the transaction that uses it. */
@Entity("number_sequences")
export class NumberSequence {
  @Column({ primary: true, length: 40 })
  name: string;

  @Column({ name: "next_value", unsigned: true })
  nextValue: number;
}
