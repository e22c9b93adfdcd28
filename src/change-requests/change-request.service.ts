import { DataSource } from "typeorm";
import { forbidden } from "../access/access";
import { ContactTransfers } from "../contacts/contact-transfers";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { rowLoader, RowSource } from "../platform/loaders";
import { Page } from "../platform/pagination";
import { jsonColumn, Row } from "../platform/rows";
import { statusPage, StatusPageArgs } from "../platform/status-page";
import { refuse, UserErrorCode } from "../platform/user-error";
import { normalizeVatId, vatIdProblem } from "../platform/vat-id";
import { mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { ChangeRequestStatus } from "./change-request.enums";
import { ChangeRequestInput, ChangeRequestNode, RequestedChanges } from "./change-request.types";

type ChangeRequestOutcome = Outcome<{ changeRequest?: ChangeRequestNode }>;

/** The reason column holds this many characters. */
const REASON_MAX = 500;

function changeRequestFromRow(r: Row): ChangeRequestNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("ChangeRequest", r.id),
    changes: jsonColumn<Record<string, unknown>>(r.changes) ?? {},
    documents: r.documents ?? undefined,
    status: r.status,
    reason: r.reason ?? undefined,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
  };
}

const CHANGE_REQUESTS: RowSource<ChangeRequestNode> = {
  table: "change_requests",
  columns: ["id", "customer_id", "changes", "documents", "status", "reason", "requested_by", "created_at"],
  map: changeRequestFromRow,
};
const changeRequestById = (db: DataSource) => rowLoader(db, CHANGE_REQUESTS, "id");

/**
 * Changes of a customer's legal data (company name, legal form, VAT id, owner): the customer asks,
 * staff decide. Owns change_requests.
 */
export const ChangeRequestService = {
  byId(ctx: Context, id: number): Promise<ChangeRequestNode | null> {
    return ctx.loaders.get(changeRequestById).load(id);
  },

  create(ctx: Context, customerGid: string, input: ChangeRequestInput): Promise<ChangeRequestOutcome> {
    return mutate(
      ctx,
      { rule: "editMaster", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          const { documents, ...changes } = input;
          if (!Object.values(changes).some((v) => v !== undefined && v !== null)) {
            refuse(UserErrorCode.INVALID_INPUT, "Ask for at least one change", ["input"]);
          }
          // An empty VAT id asks to remove it; any other is stored as printed, checked by its country's format.
          if (changes.vatId) {
            changes.vatId = normalizeVatId(changes.vatId);
            const problem = vatIdProblem(changes.vatId);
            if (problem) refuse(UserErrorCode.INVALID_INPUT, `The VAT id ${problem}`, ["input", "vatId"]);
          }
          const result = await uow.tx.query(
            "INSERT INTO change_requests (customer_id, changes, documents, requested_by) VALUES (?, ?, ?, ?)",
            [customer.dbId, JSON.stringify(changes), documents ?? null, principalLabel(ctx.principal)],
          );
          const id = Number(result.insertId);
          await uow.audit("changeRequest.created", { changeRequestId: id, fields: Object.keys(changes) });
          return id;
        },
        reply: async (id) => ({ changeRequest: (await ChangeRequestService.byId(ctx, id)) ?? undefined }),
      },
    );
  },

  list(ctx: Context, args: StatusPageArgs): Promise<Page<ChangeRequestNode>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return statusPage(ctx.db, CHANGE_REQUESTS, args);
  },

  /** Staff decide; approval applies every change in one transaction. Either way the main email hears of it. */
  decide(ctx: Context, gid: string, approve: boolean, reason: string): Promise<ChangeRequestOutcome> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "ChangeRequest", "id");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (reason.length > REASON_MAX) refuse(UserErrorCode.INVALID_INPUT, `A reason has at most ${REASON_MAX} characters`, ["reason"]);
        const [request] = await uow.tx.query("SELECT customer_id, changes, status FROM change_requests WHERE id = ? FOR UPDATE", [id]);
        if (!request) refuse(UserErrorCode.NOT_FOUND, "No such change request", ["id"]);
        if (request.status !== ChangeRequestStatus.PENDING) refuse(UserErrorCode.NOT_PENDING, "This request was decided already", ["id"]);
        const customer = await CustomerMaster.read(uow, request.customer_id, { forUpdate: true });
        // Every audit entry of the decision, the new owner's email change included, is the customer's.
        const ofCustomer: UnitOfWork = { ...uow, audit: (action, details, about = customer) => uow.audit(action, details, about) };
        if (approve) {
          const changes = jsonColumn<RequestedChanges>(request.changes) ?? {};
          await CustomerMaster.applyLegalData(ofCustomer, customer.dbId, changes);
          if (changes.owner) await ContactTransfers.newOwner(ofCustomer, ctx, customer.dbId, changes.owner);
        }
        await uow.tx.query(
          "UPDATE change_requests SET status = ?, reason = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
          [approve ? ChangeRequestStatus.APPROVED : ChangeRequestStatus.REJECTED, reason.trim() || null, principalLabel(ctx.principal), id],
        );
        await ofCustomer.audit(approve ? "changeRequest.approved" : "changeRequest.rejected", {
          changeRequestId: id,
          reason: reason.trim(),
        });
        await uow.emit("change-request-decided", { changeRequestId: id });
      },
      reply: async () => ({ changeRequest: (await ChangeRequestService.byId(ctx, id)) ?? undefined }),
    });
  },

  /** Every change request of one customer becomes the other's (a merge). */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE change_requests SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /** A closed customer's change requests keep their status and dates, not the data asked for (account closure). */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      "UPDATE change_requests SET changes = JSON_OBJECT(), documents = NULL, requested_by = 'erased' WHERE customer_id = ?",
      [customerId],
    );
  },
};
