import { installationAddressOf } from "../platform/address";
import { DataSource } from "typeorm";
import { accessTo, customerScope, forbidden } from "../access/access";
import { CatalogService } from "../catalog/catalog.service";
import { CatalogPlanNode } from "../catalog/catalog.types";
import { OrderApproval } from "../catalog/catalog.enums";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { isDuplicateKey } from "../platform/db";
import { childPageLoader, rowLoader, rowSource } from "../platform/loaders";
import { Page } from "../platform/pagination";
import { Row } from "../platform/rows";
import { statusPage } from "../platform/status-page";
import { refuse, UserErrorCode } from "../platform/user-error";
import { ProductType, ProductStatus } from "../products/product.enums";
import { ProductBooking } from "../products/product-admin.service";
import { ProductService } from "../products/product.service";
import { ProductNode } from "../products/product.types";
import { mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { CustomerRole } from "../users/user.enums";
import { OrderKind, OrderStatus } from "./order.enums";
import { OrderCreateInput, OrderNode, OrderPlanChangeInput, OrdersArgs } from "./order.types";

export function orderFromRow(r: Row): OrderNode {
  return {
    dbId: r.id,
    id: toGlobalId("Order", r.id),
    customerId: r.customer_id,
    planId: r.plan_id,
    productId: r.product_id ?? null,
    kind: r.kind as OrderKind,
    status: r.status as OrderStatus,
    identifier: r.identifier ?? undefined,
    installationAddress: installationAddressOf(r),
    orderedBy: r.ordered_by,
    reason: r.reason ?? undefined,
    decidedBy: r.decided_by ?? undefined,
    decidedAt: r.decided_at ?? undefined,
    createdAt: r.created_at,
  };
}

const ORDERS = rowSource({
  table: "orders",
  always: [
    "id",
    "customer_id",
    "plan_id",
    "product_id",
    "kind",
    "status",
    "identifier",
    "installation_street",
    "installation_postal_code",
    "installation_city",
    "installation_country_code",
    "ordered_by",
    "reason",
    "decided_by",
    "decided_at",
    "created_at",
  ],
  map: orderFromRow,
});

const NEWEST_FIRST = [{ column: "id", desc: true }];
const orderById = (db: DataSource) => rowLoader(db, ORDERS, "id");
const orderPagesByCustomer = (db: DataSource) => childPageLoader(db, ORDERS, "customer_id", NEWEST_FIRST);

type OrderOutcome = Outcome<{ order?: OrderNode }>;

/** The reason column holds this many characters. */
const REASON_MAX = 500;
/** A host name in lower case: labels of letters, digits and inner hyphens (IDNs in their xn-- form), a top-level domain of letters. */
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const AUTOMATIC_DECIDER = "catalog (approved at once)";

const orderAsCommitted = (ctx: Context) => async (orderId: number) => ({ order: (await OrderService.byId(ctx, orderId)) ?? undefined });

/** A plan that can be ordered now, or UNKNOWN_PLAN. */
async function orderablePlan(uow: UnitOfWork, planGid: string): Promise<CatalogPlanNode> {
  const plan = await CatalogService.forOrder(uow.tx, CatalogService.planIdOf(planGid, ["input", "planId"]));
  if (!plan || !plan.orderable) refuse(UserErrorCode.UNKNOWN_PLAN, "This plan is not in the catalog", ["input", "planId"]);
  return plan;
}

/** ADMIN users always order; TECHNICAL users only plans the catalog opens to them. */
function assertMayOrder(ctx: Context, customer: CustomerNode, plan: CatalogPlanNode): void {
  if (accessTo(ctx.principal, customer) === CustomerRole.TECHNICAL && !plan.technicalMayOrder) {
    refuse(UserErrorCode.ADMIN_REQUIRED, "Only the customer's administrators may order this plan", ["input", "planId"]);
  }
}

const orderedByUserId = (ctx: Context): number | null =>
  ctx.principal.kind === "customer" || ctx.principal.kind === "staff" ? ctx.principal.userId : null;

/**
 * Customers' orders of new products and plan changes. The catalog decides whether an order is
 * approved at once or waits for staff or the reseller; approval books or changes the product in
 * the same transaction. Owns orders.
 */
export const OrderService = {
  byId(ctx: Context, id: number): Promise<OrderNode | null> {
    return ctx.loaders.get(orderById).load(id);
  },

  /** An order as the target of a mutation, with its customer. */
  async target(ctx: Context, orderGid: string): Promise<{ order: OrderNode; customer: CustomerNode | null } | null> {
    const order = await OrderService.byId(ctx, idOfType(orderGid, "Order", "orderId"));
    return order && { order, customer: await CustomerService.byId(ctx, order.customerId) };
  },

  pageOfCustomer(ctx: Context, customerId: number, args: OrdersArgs): Promise<Page<OrderNode>> {
    const filter = args.status ? { sql: "status = ?", params: [args.status] } : undefined;
    return ctx.loaders.get(orderPagesByCustomer).load({ parentId: customerId, args: { first: args.first, after: args.after, filter } });
  },

  /** Staff: every customer's orders; a reseller: its customers' orders. Newest first. */
  list(ctx: Context, args: OrdersArgs): Promise<Page<OrderNode>> {
    if (ctx.principal.kind !== "staff" && ctx.principal.kind !== "reseller") throw forbidden();
    const scope = customerScope(ctx.principal);
    return statusPage(ctx.db, ORDERS, args, { sql: `customer_id IN (SELECT id FROM customers WHERE ${scope.sql})`, params: scope.params });
  },

  /** A new product from the catalog. */
  create(ctx: Context, customerGid: string, input: OrderCreateInput, idempotencyKey?: string | null): Promise<OrderOutcome> {
    return mutate(
      ctx,
      { rule: "order", load: CustomerService.target(ctx, customerGid) },
      {
        idempotency: { key: idempotencyKey, operation: "orderCreate", input: { customerGid, input } },
        write: async (uow, { customer }) => {
          const plan = await orderablePlan(uow, input.planId);
          assertMayOrder(ctx, customer, plan);
          let identifier = input.identifier.trim();
          if (plan.productType === ProductType.DOMAIN) {
            identifier = identifier.toLowerCase().replace(/\.$/, "");
            if (!DOMAIN_NAME.test(identifier)) refuse(UserErrorCode.INVALID_INPUT, "This is not a domain name", ["input", "identifier"]);
            if ((await ProductService.domainHeld(uow.tx, identifier)) || (await pendingDomainOrder(uow, identifier))) {
              refuse(UserErrorCode.DUPLICATE_DOMAIN, "This domain is held or ordered already", ["input", "identifier"]);
            }
          }
          const a = input.installationAddress;
          if (plan.needsInstallationAddress && !a) {
            refuse(UserErrorCode.INVALID_INPUT, "This plan needs an installation address", ["input", "installationAddress"]);
          }
          const result = await uow.tx.query(
            `INSERT INTO orders (customer_id, kind, plan_id, identifier, installation_street, installation_postal_code, installation_city,
               installation_country_code, ordered_by, ordered_by_user_id) VALUES (?, 'NEW_PRODUCT', ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              customer.dbId,
              plan.dbId,
              identifier,
              a?.street ?? null,
              a?.postalCode ?? null,
              a?.city ?? null,
              a?.countryCode ?? null,
              principalLabel(ctx.principal),
              orderedByUserId(ctx),
            ],
          );
          const orderId = Number(result.insertId);
          await uow.audit("order.created", {
            orderId: toGlobalId("Order", orderId),
            kind: OrderKind.NEW_PRODUCT,
            planId: plan.id,
            identifier,
          });
          await placed(ctx, uow, orderId, plan);
          return orderId;
        },
        reply: orderAsCommitted(ctx),
      },
    );
  },

  /** A change of an existing product to another plan, as the catalog allows from its plan. */
  createPlanChange(ctx: Context, productGid: string, input: OrderPlanChangeInput, idempotencyKey?: string | null): Promise<OrderOutcome> {
    return mutate(
      ctx,
      { rule: "order", load: ProductService.target(ctx, productGid) },
      {
        idempotency: { key: idempotencyKey, operation: "orderPlanChange", input: { productGid, input } },
        write: async (uow, { product, customer }) => {
          const plan = await orderablePlan(uow, input.planId);
          assertMayOrder(ctx, customer, plan);
          await assertChangeAllowed(uow, product, plan);
          const waiting = () => refuse(UserErrorCode.CONFLICT, "A plan change of this product waits for approval already", ["productId"]);
          const [pending] = await uow.tx.query(
            "SELECT id FROM orders WHERE product_id = ? AND kind = 'PLAN_CHANGE' AND status = 'PENDING' LIMIT 1 FOR UPDATE",
            [product.dbId],
          );
          if (pending) waiting();
          // The unique key on pending plan changes decides a race the read above cannot see (see the migration).
          const result = await uow.tx
            .query(
              `INSERT INTO orders (customer_id, kind, plan_id, product_id, identifier, ordered_by, ordered_by_user_id)
               VALUES (?, 'PLAN_CHANGE', ?, ?, ?, ?, ?)`,
              [customer.dbId, plan.dbId, product.dbId, product.identifier, principalLabel(ctx.principal), orderedByUserId(ctx)],
            )
            .catch((error: unknown) => (isDuplicateKey(error) ? waiting() : Promise.reject(error)));
          const orderId = Number(result.insertId);
          await uow.audit("order.created", {
            orderId: toGlobalId("Order", orderId),
            kind: OrderKind.PLAN_CHANGE,
            productId: product.id,
            planId: plan.id,
          });
          await placed(ctx, uow, orderId, plan);
          return orderId;
        },
        reply: orderAsCommitted(ctx),
      },
    );
  },

  /** Staff or the reseller approve (books or changes the product) or reject with a reason; either way the customer hears of it. */
  decide(ctx: Context, orderGid: string, approve: boolean, reason: string): Promise<OrderOutcome> {
    return mutate(
      ctx,
      { rule: "manageProducts", load: OrderService.target(ctx, orderGid) },
      {
        write: async (uow, { order }) => {
          const note = reason.trim();
          if (note.length > REASON_MAX) refuse(UserErrorCode.INVALID_INPUT, `A reason has at most ${REASON_MAX} characters`, ["reason"]);
          if (!approve && !note) refuse(UserErrorCode.INVALID_INPUT, "Give the customer a reason for the rejection", ["reason"]);
          await lockPending(uow, order.dbId, "This order was decided or cancelled already");
          if (approve) await apply(uow, order.dbId, principalLabel(ctx.principal));
          await uow.tx.query("UPDATE orders SET status = ?, reason = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
            approve ? OrderStatus.APPROVED : OrderStatus.REJECTED,
            note || null,
            principalLabel(ctx.principal),
            order.dbId,
          ]);
          await uow.audit(approve ? "order.approved" : "order.rejected", { orderId: order.id, reason: note });
          await uow.emit("order-decided", { orderId: order.dbId });
          return order.dbId;
        },
        reply: orderAsCommitted(ctx),
      },
    );
  },

  /** The customer withdraws an order while it is pending. */
  cancel(ctx: Context, orderGid: string): Promise<OrderOutcome> {
    return mutate(
      ctx,
      { rule: "order", load: OrderService.target(ctx, orderGid) },
      {
        write: async (uow, { order }) => {
          await lockPending(uow, order.dbId, "Only a pending order can be cancelled");
          await uow.tx.query("UPDATE orders SET status = 'CANCELLED', decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
            principalLabel(ctx.principal),
            order.dbId,
          ]);
          await uow.audit("order.cancelled", { orderId: order.id });
          return order.dbId;
        },
        reply: orderAsCommitted(ctx),
      },
    );
  },

  /** A closed customer's orders keep what was ordered and decided, not who ordered it nor where (account closure). */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      `UPDATE orders SET ordered_by = 'erased', ordered_by_user_id = NULL, installation_street = NULL, installation_postal_code = NULL,
         installation_city = NULL WHERE customer_id = ?`,
      [customerId],
    );
  },
};

async function pendingDomainOrder(uow: UnitOfWork, domain: string): Promise<boolean> {
  const [row] = await uow.tx.query(
    "SELECT o.id FROM orders o JOIN catalog_plans p ON p.id = o.plan_id WHERE o.identifier = ? AND o.status = 'PENDING' AND o.kind = 'NEW_PRODUCT' AND p.product_type = 'DOMAIN' LIMIT 1",
    [domain],
  );
  return !!row;
}

async function assertChangeAllowed(uow: UnitOfWork, product: ProductNode, plan: CatalogPlanNode): Promise<void> {
  if (product.status === ProductStatus.CANCELLED)
    refuse(UserErrorCode.NOT_PENDING, "A cancelled product cannot change its plan", ["productId"]);
  const allowed =
    product.planId !== null &&
    plan.productType === product.type &&
    (await CatalogService.changeDirection(uow.tx, product.planId, plan.dbId));
  if (!allowed) refuse(UserErrorCode.PLAN_CHANGE_NOT_ALLOWED, "The catalog does not allow this change of plan", ["input", "planId"]);
}

async function lockPending(uow: UnitOfWork, orderId: number, refusal: string): Promise<void> {
  const [row] = await uow.tx.query("SELECT status FROM orders WHERE id = ? FOR UPDATE", [orderId]);
  if (row?.status !== OrderStatus.PENDING) refuse(UserErrorCode.NOT_PENDING, refusal, ["orderId"]);
}

/** After an order row is written: approved at once when the catalog says so, and confirmed by email either way. */
async function placed(ctx: Context, uow: UnitOfWork, orderId: number, plan: CatalogPlanNode): Promise<void> {
  if (plan.approval === OrderApproval.AUTOMATIC) {
    await apply(uow, orderId, principalLabel(ctx.principal));
    await uow.tx.query("UPDATE orders SET status = 'APPROVED', decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
      AUTOMATIC_DECIDER,
      orderId,
    ]);
    await uow.audit("order.approved", { orderId: toGlobalId("Order", orderId), by: AUTOMATIC_DECIDER });
  }
  await uow.emit("order-placed", { orderId });
}

/** Books the new product or moves the product to the new plan, in the deciding transaction. */
async function apply(uow: UnitOfWork, orderId: number, by: string): Promise<void> {
  const [order] = await uow.tx.query(
    `SELECT customer_id, kind, plan_id, product_id, identifier, installation_street, installation_postal_code, installation_city,
            installation_country_code FROM orders WHERE id = ?`,
    [orderId],
  );
  const plan = (await CatalogService.forOrder(uow.tx, order.plan_id))!;
  if (order.kind === OrderKind.PLAN_CHANGE) {
    const priceFrom = await ProductBooking.changePlan(uow, order.product_id, {
      planId: plan.dbId,
      plan: plan.nameDe,
      priceAmount: plan.price.amount,
      specs: plan.specs,
      changedBy: by,
    });
    await uow.audit("product.updated", {
      fields: ["plan", "specs", "nextPrice"],
      productId: toGlobalId("Product", order.product_id),
      plan: plan.nameDe,
      priceFrom,
      orderId: toGlobalId("Order", orderId),
    });
    return;
  }
  const productId = await ProductBooking.book(uow, {
    customerId: order.customer_id,
    type: plan.productType,
    planId: plan.dbId,
    plan: plan.nameDe,
    identifier: order.identifier,
    installationAddress: installationAddressOf(order),
    priceAmount: plan.price.amount,
    billingPeriod: plan.billingPeriod,
    specs: plan.specs,
  });
  await uow.tx.query("UPDATE orders SET product_id = ? WHERE id = ?", [productId, orderId]);
  await uow.audit("product.created", {
    productId: toGlobalId("Product", productId),
    plan: plan.nameDe,
    orderId: toGlobalId("Order", orderId),
  });
}
