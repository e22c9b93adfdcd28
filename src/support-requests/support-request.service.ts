import { DataSource } from "typeorm";
import { forbidden } from "../access/access";
import { ContactService } from "../contacts/contact.service";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context, principalLabel } from "../platform/context";
import { idOfType, parseGlobalId, toGlobalId } from "../platform/global-id";
import { childPageLoader, rowLoader, RowSource } from "../platform/loaders";
import { Page, PageArgs } from "../platform/pagination";
import { Row } from "../platform/rows";
import { nextInSeries } from "../platform/sequences";
import { statusPage, StatusPageArgs } from "../platform/status-page";
import { refuse, UserErrorCode } from "../platform/user-error";
import { ProductService } from "../products/product.service";
import { mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { SupportRequestStatus } from "./support-request.enums";
import { SupportRequestInput, SupportRequestNode } from "./support-request.types";

type SupportRequestOutcome = Outcome<{ supportRequest?: SupportRequestNode }>;

function supportRequestFromRow(r: Row): SupportRequestNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("SupportRequest", r.id),
    reference: r.reference,
    subject: r.subject,
    message: r.message,
    status: r.status,
    createdAt: r.created_at,
  };
}

const SUPPORT_REQUESTS: RowSource<SupportRequestNode> = {
  table: "support_requests",
  columns: ["id", "customer_id", "reference", "subject", "message", "status", "created_at"],
  map: supportRequestFromRow,
};
const supportRequestById = (db: DataSource) => rowLoader(db, SUPPORT_REQUESTS, "id");
const supportRequestPagesByCustomer = (db: DataSource) =>
  childPageLoader(db, SUPPORT_REQUESTS, "customer_id", [{ column: "id", desc: true }]);

/** The row id of an optional input id that must name a `type`; any other is the caller's to fix. */
function inputIdOf(gid: string | undefined, type: string, field: string): number | null {
  if (!gid) return null;
  const parsed = parseGlobalId(gid);
  if (!parsed || parsed.type !== type) refuse(UserErrorCode.INVALID_INPUT, `${field} is not a ${type} id`, ["input", field]);
  return parsed.id;
}

/** Help a customer's user asks for: support gets it by email, the customer a confirmation. Owns support_requests. */
export const SupportRequestService = {
  byId(ctx: Context, id: number): Promise<SupportRequestNode | null> {
    return ctx.loaders.get(supportRequestById).load(id);
  },

  /** Only a user of the customer opens one; a product or contact it names must be the customer's. */
  create(ctx: Context, customerGid: string, input: SupportRequestInput): Promise<SupportRequestOutcome> {
    if (ctx.principal.kind !== "customer") throw forbidden("Support requests are opened by the customer's own users");
    return mutate(
      ctx,
      { rule: "read", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          const productId = inputIdOf(input.productId, "Product", "productId");
          const contactId = inputIdOf(input.callbackContactId, "Contact", "callbackContactId");
          if (productId !== null && (await ProductService.byId(ctx, productId))?.customerId !== customer.dbId) {
            refuse(UserErrorCode.NOT_FOUND, "This product is not the customer's", ["input", "productId"]);
          }
          if (contactId !== null && (await ContactService.byId(ctx, contactId))?.customerId !== customer.dbId) {
            refuse(UserErrorCode.NOT_FOUND, "This contact is not the customer's", ["input", "callbackContactId"]);
          }
          const year = new Date().toISOString().slice(0, 4);
          const reference = `SR-${year}-${String(await nextInSeries(uow.tx, `support:${year}`, async () => 1)).padStart(6, "0")}`;
          const result = await uow.tx.query(
            "INSERT INTO support_requests (reference, customer_id, product_id, callback_contact_id, subject, message, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [reference, customer.dbId, productId, contactId, input.subject, input.message, principalLabel(ctx.principal)],
          );
          const id = Number(result.insertId);
          await uow.emit("support-request", { supportRequestId: id });
          await uow.audit("supportRequest.created", { reference });
          return id;
        },
        reply: async (id) => ({ supportRequest: (await SupportRequestService.byId(ctx, id)) ?? undefined }),
      },
    );
  },

  ofCustomer(ctx: Context, customer: CustomerNode, args: PageArgs): Promise<Page<SupportRequestNode>> {
    return ctx.loaders.get(supportRequestPagesByCustomer).load({ parentId: customer.dbId, args: { first: args.first, after: args.after } });
  },

  list(ctx: Context, args: StatusPageArgs): Promise<Page<SupportRequestNode>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return statusPage(ctx.db, SUPPORT_REQUESTS, args);
  },

  setStatus(ctx: Context, gid: string, status: SupportRequestStatus): Promise<SupportRequestOutcome> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "SupportRequest", "id");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const [request] = await uow.tx.query("SELECT customer_id FROM support_requests WHERE id = ? FOR UPDATE", [id]);
        if (!request) refuse(UserErrorCode.NOT_FOUND, "No such support request", ["id"]);
        await uow.tx.query("UPDATE support_requests SET status = ? WHERE id = ?", [status, id]);
        const customer = await CustomerMaster.read(uow, request.customer_id);
        await uow.audit("supportRequest.status", { supportRequestId: gid, status }, customer);
      },
      reply: async () => ({ supportRequest: (await SupportRequestService.byId(ctx, id)) ?? undefined }),
    });
  },

  /** Every support request of one customer becomes the other's (a merge). */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE support_requests SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /** A closed customer's support requests keep their reference and dates, not what was written or by whom (account closure). */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      "UPDATE support_requests SET subject = 'erased', message = '', callback_contact_id = NULL, created_by = 'erased' WHERE customer_id = ?",
      [customerId],
    );
  },
};
