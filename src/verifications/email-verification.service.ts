import { DataSource } from "typeorm";
import { Context } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, rowSource } from "../platform/loaders";
import { DeliveryState, EmailVerificationPurpose, EmailVerificationStatus } from "./email-verification.enums";
import { EmailVerificationNode } from "./email-verification.types";
import { Row } from "../platform/rows";

export function verificationFromRow(r: Row): EmailVerificationNode {
  return {
    __typename: "EmailVerification",
    id: toGlobalId("EmailVerification", r.id),
    dbId: r.id,
    customerId: r.customer_id,
    targetId: r.target_id,
    purpose: r.purpose as EmailVerificationPurpose,
    newEmail: r.new_email,
    // A pending one past its expiry reads as EXPIRED even before the sweep marks it.
    status:
      r.status === EmailVerificationStatus.PENDING && r.expires_at.getTime() <= Date.now()
        ? EmailVerificationStatus.EXPIRED
        : (r.status as EmailVerificationStatus),
    expiresAt: r.expires_at,
    deliveryState: r.delivery_state as DeliveryState,
    deliveryError: r.delivery_error ?? undefined,
    createdAt: r.created_at,
  };
}

/** Everything verificationFromRow reads; never the token hash. */
const VERIFICATIONS = rowSource({
  table: "email_verifications",
  always: [
    "id",
    "customer_id",
    "target_id",
    "purpose",
    "new_email",
    "status",
    "expires_at",
    "delivery_state",
    "delivery_error",
    "created_at",
  ],
  map: verificationFromRow,
});

export const verificationById = (db: DataSource) => rowLoader(db, VERIFICATIONS, "id");
export const pendingVerificationsByCustomer = (db: DataSource) =>
  childrenLoader(db, VERIFICATIONS, "customer_id", [{ column: "id" }], () => ({
    sql: "status = 'PENDING' AND expires_at > ?",
    params: [new Date()],
  }));

export const EmailVerificationService = {
  byId(ctx: Context, id: number): Promise<EmailVerificationNode | null> {
    return ctx.loaders.get(verificationById).load(id);
  },

  /** Email changes of this customer (its own, its contacts', its users') still waiting for confirmation. */
  pendingOfCustomer(ctx: Context, customerId: number): Promise<EmailVerificationNode[]> {
    return ctx.loaders.get(pendingVerificationsByCustomer).load(customerId);
  },

  /** Marks every pending verification past its expiry as EXPIRED; run by the housekeeping scheduler. */
  async expireDue(db: DataSource): Promise<number> {
    const result = await db.query("UPDATE email_verifications SET status = 'EXPIRED' WHERE status = 'PENDING' AND expires_at <= ?", [
      new Date(),
    ]);
    return result.affectedRows ?? 0;
  },
};
