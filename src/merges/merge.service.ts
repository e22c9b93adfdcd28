import { Transaction } from "../platform/transactions";
import { forbidden } from "../access/access";
import { AuditTransfers } from "../audit/audit-transfers";
import { MembershipTransfers } from "../auth/membership-transfers";
import { ChangeRequestService } from "../change-requests/change-request.service";
import { ContactTransfers } from "../contacts/contact-transfers";
import { CustomerStatus } from "../customers/customer.enums";
import { CustomerMaster, MergeableColumn } from "../customers/customer-master";
import { customerProvenBy } from "../customers/customer-password";
import { CUSTOMERS, CustomerService, maskIban, PAYMENT_COLUMNS } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { InvoiceTransfers } from "../invoices/invoice-transfers";
import { MaintenanceTransfers } from "../maintenance/maintenance-transfers";
import { Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { jsonColumn, Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { OrderTransfers } from "../orders/order-transfers";
import { ProductTransfers } from "../products/product-transfers";
import { SupportRequestService } from "../support-requests/support-request.service";
import { mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailVerificationTransfers } from "../verifications/email-verification-transfers";
import { MergeSide, MergeStatus } from "./merge.enums";
import { MergeChoiceInput, MergeDifference, MergeRequestNode, MergeStartInput } from "./merge.types";

type MergeOutcome = Outcome<{ mergeRequest?: MergeRequestNode }>;

/** The reason column holds this many characters. */
const REASON_MAX = 500;
/** More choices than fields can differ are no honest submission. */
const MAX_CHOICES = 20;

/** The fields a user chooses between, each with the customer columns it stands for. */
const MERGE_FIELDS: { field: string; columns: MergeableColumn[]; show: (r: Row) => string | undefined }[] = [
  { field: "street", columns: ["street"], show: (r) => r.street },
  { field: "postalCode", columns: ["postal_code"], show: (r) => r.postal_code },
  { field: "city", columns: ["city"], show: (r) => r.city },
  { field: "phone", columns: ["phone"], show: (r) => r.phone ?? undefined },
  { field: "mobile", columns: ["mobile"], show: (r) => r.mobile ?? undefined },
  { field: "email", columns: ["email"], show: (r) => r.email },
  {
    field: "bank",
    columns: [...PAYMENT_COLUMNS],
    show: (r) => (r.sepa_iban ? `SEPA ${maskIban(r.sepa_iban)}` : "bank transfer"),
  },
];

/** Each module that keeps rows of a customer moves its own from B to A. */
const MOVE_CUSTOMER_ROWS: ((uow: UnitOfWork, fromCustomerId: number, toCustomerId: number) => Promise<void>)[] = [
  ProductTransfers.moveToCustomer,
  OrderTransfers.moveToCustomer,
  ContactTransfers.moveToCustomer,
  InvoiceTransfers.moveToCustomer,
  EmailVerificationTransfers.moveToCustomer,
  SupportRequestService.moveToCustomer,
  ChangeRequestService.moveToCustomer,
  AuditTransfers.moveToCustomer,
  MaintenanceTransfers.moveToCustomer,
  MembershipTransfers.moveToCustomer,
];

type Reader = Pick<Transaction, "query">;

/** The fields in which A and B differ, for the user to choose from; both rows read as the customers module reads them. */
async function mergeView(db: Reader, id: number): Promise<MergeRequestNode> {
  const [m] = await db.query("SELECT target_customer_id, source_customer_id, status FROM merge_requests WHERE id = ?", [id]);
  const columns = CUSTOMERS.columns.join(", ");
  const [a] = await db.query(`SELECT ${columns} FROM customers WHERE id = ?`, [m.target_customer_id]);
  const [b] = await db.query(`SELECT ${columns} FROM customers WHERE id = ?`, [m.source_customer_id]);
  const differences: MergeDifference[] = MERGE_FIELDS.filter((f) => f.columns.some((c) => String(a[c] ?? "") !== String(b[c] ?? ""))).map(
    (f) => ({ field: f.field, a: f.show(a), b: f.show(b) }),
  );
  return { dbId: id, id: toGlobalId("MergeRequest", id), status: m.status, differences };
}

/**
 * Merging customer numbers: an ADMIN of A proves control of B, chooses the values to keep, staff
 * approve; then everything of B belongs to A and B's number finds A. Owns merge_requests.
 */
export const MergeService = {
  /** A merge request as the target of a mutation: it belongs to the customer merged into (A). */
  async target(ctx: Context, gid: string): Promise<{ merge: { dbId: number; status: MergeStatus }; customer: CustomerNode | null } | null> {
    const id = idOfType(gid, "MergeRequest", "id");
    const [m] = await ctx.db.query("SELECT id, target_customer_id, status FROM merge_requests WHERE id = ?", [id]);
    return m ? { merge: { dbId: m.id, status: m.status }, customer: await CustomerService.byId(ctx, m.target_customer_id) } : null;
  },

  /**
   * An ADMIN of A proves control of B with B's customer number and password. The answer is the
   * same whether B does not exist or the password is wrong, and costs the same time.
   */
  start(ctx: Context, customerGid: string, input: MergeStartInput): Promise<MergeOutcome> {
    return mutate(
      ctx,
      { rule: "pin", load: CustomerService.target(ctx, customerGid) },
      {
        prepare: async ({ customer: target }) => {
          const found: { source?: Awaited<ReturnType<typeof customerProvenBy>> } = {};
          const proven = await ctx.auth.limiter.check([`merge:${target.dbId}`, `ip:${ctx.ip}`], async () => {
            found.source = await customerProvenBy(ctx.db, input.customerNumber, input.customerPassword);
            return !!found.source && found.source.dbId !== target.dbId;
          });
          if (!proven || !found.source)
            refuse(UserErrorCode.INVALID_CREDENTIALS, "Customer number or customer password is wrong", ["input"]);
          return found.source;
        },
        write: async (uow, { customer: target }, source) => {
          const result = await uow.tx.query(
            "INSERT INTO merge_requests (target_customer_id, source_customer_id, requested_by) VALUES (?, ?, ?)",
            [target.dbId, source.dbId, principalLabel(ctx.principal)],
          );
          await uow.audit("customer.merge.started", { source: source.customerNumber });
          return Number(result.insertId);
        },
        reply: async (id) => ({ mergeRequest: await mergeView(ctx.db, id) }),
      },
    );
  },

  /** Chooses A or B for each differing field, and hands the merge to staff. */
  submit(ctx: Context, gid: string, choices: MergeChoiceInput[]): Promise<MergeOutcome> {
    return mutate(
      ctx,
      { rule: "pin", load: MergeService.target(ctx, gid) },
      {
        write: async (uow, { merge }) => {
          if (choices.length > MAX_CHOICES) refuse(UserErrorCode.INVALID_INPUT, `At most ${MAX_CHOICES} choices`, ["choices"]);
          if (merge.status !== MergeStatus.DRAFT) refuse(UserErrorCode.NOT_PENDING, "This merge was submitted already", ["id"]);
          const { differences } = await mergeView(uow.tx, merge.dbId);
          const chosen = Object.fromEntries(choices.map((c) => [c.field, c.keep]));
          const missing = differences.filter((d) => !chosen[d.field]).map((d) => d.field);
          const unknown = choices.filter((c) => !differences.some((d) => d.field === c.field)).map((c) => c.field);
          if (missing.length || unknown.length) {
            refuse(
              UserErrorCode.INVALID_INPUT,
              `Choose A or B for each differing field (missing: ${missing.join(", ") || "-"}; not differing: ${unknown.join(", ") || "-"})`,
              ["choices"],
            );
          }
          const updated = await uow.tx.query("UPDATE merge_requests SET choices = ?, status = ? WHERE id = ? AND status = ?", [
            JSON.stringify(chosen),
            MergeStatus.SUBMITTED,
            merge.dbId,
            MergeStatus.DRAFT,
          ]);
          if (updated.affectedRows !== 1) refuse(UserErrorCode.NOT_PENDING, "This merge was submitted already", ["id"]);
          await uow.audit("customer.merge.submitted", { mergeRequestId: merge.dbId, choices: chosen });
        },
        reply: async (_, { merge }) => ({ mergeRequest: await mergeView(ctx.db, merge.dbId) }),
      },
    );
  },

  /** Staff approval moves everything of B under A in one transaction; B's number stays as an alias of A. */
  decide(ctx: Context, gid: string, approve: boolean, reason: string): Promise<MergeOutcome> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "MergeRequest", "id");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (reason.length > REASON_MAX) refuse(UserErrorCode.INVALID_INPUT, `A reason has at most ${REASON_MAX} characters`, ["reason"]);
        const [m] = await uow.tx.query(
          "SELECT target_customer_id, source_customer_id, choices, status FROM merge_requests WHERE id = ? FOR UPDATE",
          [id],
        );
        if (!m) refuse(UserErrorCode.NOT_FOUND, "No such merge request", ["id"]);
        if (m.status !== MergeStatus.SUBMITTED) refuse(UserErrorCode.NOT_PENDING, "Only a submitted merge can be decided", ["id"]);
        const a = await CustomerMaster.read(uow, m.target_customer_id, { forUpdate: true });
        const b = await CustomerMaster.read(uow, m.source_customer_id, { forUpdate: true });
        if (approve) {
          // Another merge may have closed either side since this one was asked for.
          if (a.mergedIntoId || b.mergedIntoId || a.status === CustomerStatus.CLOSED || b.status === CustomerStatus.CLOSED) {
            refuse(UserErrorCode.NOT_PENDING, "One of the customers was merged or closed meanwhile; reject this request", ["id"]);
          }
          const choices = jsonColumn<Record<string, MergeSide>>(m.choices) ?? {};
          const fromB = MERGE_FIELDS.filter((f) => choices[f.field] === MergeSide.B).flatMap((f) => f.columns);
          await CustomerMaster.takeOver(uow, a.dbId, b.dbId, fromB);
          for (const move of MOVE_CUSTOMER_ROWS) await move(uow, b.dbId, a.dbId);
          await CustomerMaster.closeMergedInto(uow, b, a.dbId);
          // Other open merges that involve B cannot happen any more.
          await uow.tx.query(
            "UPDATE merge_requests SET status = ?, reason = 'superseded by another merge', decided_at = CURRENT_TIMESTAMP(3) WHERE id <> ? AND status IN (?) AND (target_customer_id = ? OR source_customer_id = ?)",
            [MergeStatus.REJECTED, id, [MergeStatus.DRAFT, MergeStatus.SUBMITTED], b.dbId, b.dbId],
          );
        }
        await uow.tx.query("UPDATE merge_requests SET status = ?, reason = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
          approve ? MergeStatus.APPROVED : MergeStatus.REJECTED,
          reason.trim() || null,
          id,
        ]);
        await uow.audit(
          approve ? "customer.merged" : "customer.merge.rejected",
          { mergeRequestId: id, source: b.customerNumber, reason: reason.trim() },
          a,
        );
        await uow.emit("merge-decided", { mergeRequestId: id });
      },
      reply: async () => ({ mergeRequest: await mergeView(ctx.db, id) }),
    });
  },
};
