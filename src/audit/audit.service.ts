import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context, Principal } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { childPageLoader, rowSource } from "../platform/loaders";
import { Page } from "../platform/pagination";
import { jsonColumn, Row } from "../platform/rows";
import { ActorKind } from "./audit.enums";
import { AuditEntryNode } from "./audit.types";

function actorOf(principal: Principal): { kind: ActorKind; id: number | null; label: string } {
  switch (principal.kind) {
    case "anonymous":
      return { kind: ActorKind.ANONYMOUS, id: null, label: "anonymous" };
    case "customer":
      return principal.userId !== null
        ? { kind: ActorKind.CUSTOMER_USER, id: principal.userId, label: principal.label }
        : { kind: ActorKind.CUSTOMER_ACCOUNT, id: null, label: principal.label };
    case "reseller":
      return principal.clientId !== null
        ? { kind: ActorKind.RESELLER_CLIENT, id: principal.clientId, label: principal.label }
        : { kind: ActorKind.RESELLER_USER, id: principal.userId, label: principal.label };
    case "staff":
      return { kind: ActorKind.STAFF, id: principal.userId, label: principal.label };
  }
}

export function auditEntryFromRow(r: Row): AuditEntryNode {
  return {
    __typename: "AuditEntry",
    id: toGlobalId("AuditEntry", r.id),
    dbId: Number(r.id),
    customerId: r.customer_id,
    at: r.created_at,
    actorKind: r.actor_kind,
    actor: r.actor_label,
    action: r.action,
    details: jsonColumn<Record<string, unknown>>(r.details) ?? {},
  };
}

const AUDIT = rowSource({
  table: "audit_log",
  always: ["id", "customer_id", "actor_kind", "actor_label", "action", "details", "created_at"],
  map: auditEntryFromRow,
});
export const auditPagesByCustomer = (db: DataSource) => childPageLoader(db, AUDIT, "customer_id", [{ column: "id", desc: true }]);

export const AuditService = {
  /**
   * Records a change in the caller's transaction. A reseller's change to a customer reads
   * "<reseller> acting for customer <number>".
   */
  async record(
    tx: Transaction,
    principal: Principal,
    entry: { customerId: number | null; customerNumber?: string; action: string; details?: Record<string, unknown> },
  ): Promise<void> {
    const actor = actorOf(principal);
    const label =
      principal.kind === "reseller" && entry.customerNumber ? `${actor.label} acting for customer ${entry.customerNumber}` : actor.label;
    // Nothing reads its result: it travels with the transaction's next statement.
    tx.defer(
      "INSERT INTO audit_log (customer_id, actor_kind, actor_id, actor_label, action, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        entry.customerId,
        actor.kind,
        actor.id,
        label.slice(0, 300),
        entry.action,
        entry.details ? JSON.stringify(entry.details) : null,
        tx.scope?.requestId ?? null,
      ],
    );
  },

  pageOfCustomer(ctx: Context, customerId: number, args: { first: number; after?: string }): Promise<Page<AuditEntryNode>> {
    return ctx.loaders.get(auditPagesByCustomer).load({ parentId: customerId, args: { first: args.first, after: args.after } });
  },

  /**
   * A closed customer's audit entries keep what happened and when; who did it (unless staff) and
   * the details (addresses, names) go (account closure).
   */
  async eraseOfCustomer(tx: Transaction, customerId: number): Promise<void> {
    await tx.query(
      `UPDATE audit_log SET actor_label = IF(actor_kind = 'STAFF', actor_label, 'erased'), details = JSON_OBJECT('erased', TRUE), request_id = NULL
       WHERE customer_id = ?`,
      [customerId],
    );
  },
};
