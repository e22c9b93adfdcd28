import { DataSource } from "typeorm";
import { forbidden } from "../access/access";
import { AuditService } from "../audit/audit.service";
import { LoginErasure } from "../auth/login-erasure";
import { ChangeRequestService } from "../change-requests/change-request.service";
import { ContactTransfers } from "../contacts/contact-transfers";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { AttachmentService } from "../documents/attachment.service";
import { MaintenanceTransfers } from "../maintenance/maintenance-transfers";
import { OrderService } from "../orders/order.service";
import { deliveryKey } from "../notifications/deliveries";
import { NotificationErasure } from "../notifications/erasure";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderCustomerClosure } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { ANONYMOUS, Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childPageLoader, rowLoader, RowSource } from "../platform/loaders";
import { Page, PageArgs } from "../platform/pagination";
import { Row } from "../platform/rows";
import { statusPage, StatusPageArgs } from "../platform/status-page";
import { refuse, UserErrorCode } from "../platform/user-error";
import { ProductTransfers } from "../products/product-transfers";
import { SupportRequestService } from "../support-requests/support-request.service";
import { mutate, mutateUntargeted, Outcome, unitOfWork, UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailVerificationTransfers } from "../verifications/email-verification-transfers";
import { WebhookErasure } from "../webhooks/webhook-erasure";
import { DataExportService } from "./data-export.service";
import { ClosureStatus } from "./data-protection.enums";
import { ClosureRequestInput, ClosureRequestNode } from "./data-protection.types";
import { DpaService } from "./dpa.service";

function closureFromRow(r: Row): ClosureRequestNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("ClosureRequest", r.id),
    status: r.status,
    reason: r.reason,
    requestedBy: r.requested_by,
    decisionReason: r.decision_reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at ?? null,
    completedAt: r.completed_at ?? null,
  };
}

const CLOSURES: RowSource<ClosureRequestNode> = {
  table: "closure_requests",
  columns: ["id", "customer_id", "status", "reason", "requested_by", "decision_reason", "created_at", "decided_at", "completed_at"],
  map: closureFromRow,
};
const closureById = (db: DataSource) => rowLoader(db, CLOSURES, "id");
const closurePagesByCustomer = (db: DataSource) => childPageLoader(db, CLOSURES, "customer_id", [{ column: "id", desc: true }]);

type ClosureOutcome = Outcome<{ closureRequest?: ClosureRequestNode }>;

/**
 * Erases a closed customer's personal data wherever Konto holds it, each module its own tables;
 * invoices (with their address snapshots) and payments stay for the retention period.
 */
async function eraseCustomer(uow: UnitOfWork, config: Context["config"], customer: { id: number; customerNumber: string }): Promise<void> {
  const emails = [
    ...(await CustomerMaster.eraseClosed(uow, customer.id)),
    ...(await ContactTransfers.eraseOfCustomer(uow, customer.id)),
    ...(await LoginErasure.eraseOfCustomer(uow, customer.id)),
    ...(await EmailVerificationTransfers.eraseOfCustomer(uow, customer.id)),
  ];
  await MaintenanceTransfers.eraseRecipients(uow, emails);
  await NotificationErasure.erase(uow.tx, { customerId: customer.id, customerNumber: customer.customerNumber, emails });
  await SupportRequestService.eraseOfCustomer(uow, customer.id);
  await ChangeRequestService.eraseOfCustomer(uow, customer.id);
  await OrderService.eraseOfCustomer(uow, customer.id);
  await ProductTransfers.eraseInstallationAddresses(uow, customer.id);
  await WebhookErasure.eraseOfCustomer(uow, customer.id);
  await AttachmentService.eraseOfCustomer(uow, config, customer.id);
  await DpaService.eraseOfCustomer(uow, customer.id);
  await DataExportService.eraseOfCustomer(uow, config, customer.id);
  await uow.tx.query("UPDATE closure_requests SET reason = NULL, requested_by = 'erased' WHERE customer_id = ?", [customer.id]);
  await AuditService.eraseOfCustomer(uow.tx, customer.id);
}

/** Closing a customer's account: its ADMIN asks, staff decide; approval ends logins, then a worker tells the customer and erases. Owns closure_requests. */
export const ClosureService = {
  byId(ctx: Context, id: number): Promise<ClosureRequestNode | null> {
    return ctx.loaders.get(closureById).load(id);
  },

  ofCustomer(ctx: Context, customer: CustomerNode, args: PageArgs): Promise<Page<ClosureRequestNode>> {
    return ctx.loaders.get(closurePagesByCustomer).load({ parentId: customer.dbId, args: { first: args.first, after: args.after } });
  },

  list(ctx: Context, args: StatusPageArgs): Promise<Page<ClosureRequestNode>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return statusPage(ctx.db, CLOSURES, args);
  },

  /** The customer's ADMIN asks to close the account (a recent sign-in); one open request at a time. */
  request(ctx: Context, customerGid: string, input: ClosureRequestInput): Promise<ClosureOutcome> {
    return mutate(
      ctx,
      { rule: "dataProtectionAdmin", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          await uow.tx.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [customer.dbId]);
          const [open] = await uow.tx.query("SELECT id FROM closure_requests WHERE customer_id = ? AND status IN ('PENDING', 'APPROVED')", [
            customer.dbId,
          ]);
          if (open) refuse(UserErrorCode.CONFLICT, "The closure of this account was asked for already", ["customerId"]);
          const result = await uow.tx.query("INSERT INTO closure_requests (customer_id, reason, requested_by) VALUES (?, ?, ?)", [
            customer.dbId,
            input.reason?.trim() || null,
            principalLabel(ctx.principal),
          ]);
          const id = Number(result.insertId);
          await uow.audit("customer.closureRequested", { closureRequestId: toGlobalId("ClosureRequest", id) });
          return id;
        },
        reply: async (id) => ({ closureRequest: (await ClosureService.byId(ctx, id)) ?? undefined }),
      },
    );
  },

  /**
   * Staff ADMIN approve (or any staff reject with a reason). Approval closes the customer and ends
   * every login in this transaction; the worker then emails the main address and erases.
   */
  decide(ctx: Context, gid: string, approve: boolean, reason: string): Promise<ClosureOutcome> {
    if (ctx.principal.kind !== "staff" || (approve && ctx.principal.role !== "ADMIN")) throw forbidden();
    const id = idOfType(gid, "ClosureRequest", "id");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (reason.length > 2000) refuse(UserErrorCode.INVALID_INPUT, "A reason has at most 2000 characters", ["reason"]);
        const [request] = await uow.tx.query("SELECT customer_id, status FROM closure_requests WHERE id = ? FOR UPDATE", [id]);
        if (!request) refuse(UserErrorCode.NOT_FOUND, "No such closure request", ["id"]);
        if (request.status !== ClosureStatus.PENDING) refuse(UserErrorCode.NOT_PENDING, "This request was decided already", ["id"]);
        const customer = await CustomerMaster.read(uow, request.customer_id, { forUpdate: true });
        await uow.tx.query(
          "UPDATE closure_requests SET status = ?, decision_reason = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
          [approve ? ClosureStatus.APPROVED : ClosureStatus.REJECTED, reason.trim() || null, principalLabel(ctx.principal), id],
        );
        if (approve) {
          await CustomerMaster.close(uow, customer.dbId);
          await LoginErasure.endLoginsOf(ctx, uow, customer.dbId);
          await uow.emit("customer-closure", { closureRequestId: id });
        }
        await uow.audit(approve ? "customer.closureApproved" : "customer.closureRejected", { closureRequestId: gid }, customer);
      },
      reply: async () => ({ closureRequest: (await ClosureService.byId(ctx, id)) ?? undefined }),
    });
  },
};

/** The worker side of an approved closure: the email to the main address first, then the erasure. */
export function closureHandlers(deps: NotificationDeps): Pick<Handlers, "customer-closure"> {
  const { db, config, relay, ledger } = deps;
  return {
    async "customer-closure"({ outboxId, payload, final, doneIn }) {
      const [r] = await db.query(
        `SELECT r.status, c.id AS customer_id, c.customer_number, c.email, c.locale FROM closure_requests r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?`,
        [payload.closureRequestId],
      );
      if (!r || r.status !== ClosureStatus.APPROVED) return { skipped: 1 };
      const outcome = r.email
        ? await ledger.deliver(
            outboxId,
            [
              {
                key: deliveryKey(`customer-closure:${payload.closureRequestId}`, r.email),
                to: r.email,
                render: () =>
                  renderCustomerClosure(
                    { customerNumber: r.customer_number, retentionYears: config.invoiceRetentionYears },
                    localeOf(r.locale),
                  ),
              },
            ],
            final,
          )
        : null;
      // Erased only once the email was sent (or can never be): until then the address is needed.
      if (outcome && (outcome.deferred || outcome.leasedUntil) && !final) return outcome;
      await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
        const [still] = await uow.tx.query("SELECT status FROM closure_requests WHERE id = ? FOR UPDATE", [payload.closureRequestId]);
        if (still?.status !== ClosureStatus.APPROVED) return;
        await eraseCustomer(uow, config, { id: Number(r.customer_id), customerNumber: r.customer_number });
        await uow.tx.query("UPDATE closure_requests SET status = 'COMPLETED', completed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
          payload.closureRequestId,
        ]);
        const closed = await CustomerMaster.read(uow, Number(r.customer_id));
        await uow.audit(
          "customer.personalDataErased",
          { closureRequestId: toGlobalId("ClosureRequest", payload.closureRequestId) },
          closed,
        );
        await doneIn(uow.tx);
      });
      return outcome ?? { erased: 1 };
    },
  };
}
