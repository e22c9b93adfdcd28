import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

/** A partner that brings and manages its own customers. */
@Entity("resellers")
export class Reseller {
  @PrimaryGeneratedColumn({ unsigned: true })
  id: number;

  @Column({ length: 200 })
  name: string;

  @Column({ length: 254 })
  email: string;

  @CreateDateColumn({ name: "created_at", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", precision: 3 })
  updatedAt: Date;
}
