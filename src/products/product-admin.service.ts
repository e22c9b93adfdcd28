import { DataSource } from "typeorm";
import { assertMay } from "../access/access";
import { childrenLoader, RowSource } from "../platform/loaders";
import { AuditService } from "../audit/audit.service";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { inTransaction } from "../platform/db";
import { idOfType } from "../platform/global-id";
import { UserError, userError, UserErrorCode } from "../platform/user-error";
import { ProductStatus } from "./product.enums";
import { productById, ProductService } from "./product.service";
import { PlanChange, ProductInput, ProductNode } from "./product.types";

const PLAN_CHANGES: RowSource<PlanChange> = {
  table: "product_plan_changes",
  columns: ["product_id", "old_plan", "new_plan", "changed_by", "changed_at", "id"],
  map: (r) => ({
    oldPlan: r.old_plan as string,
    newPlan: r.new_plan as string,
    changedBy: r.changed_by as string,
    changedAt: r.changed_at as Date,
  }),
};
const planChangesByProduct = (db: DataSource) => childrenLoader(db, PLAN_CHANGES, "product_id", [{ column: "id" }]);

type Result = { product?: ProductNode; userErrors: UserError[] };

async function loadForChange(ctx: Context, productGid: string) {
  const product = await ProductService.byId(ctx, idOfType(productGid, "Product", "productId"));
  const customer = product ? await CustomerService.byId(ctx, product.customerId) : null;
  assertMay(ctx, "manageProducts", customer);
  return { product: product!, customer: customer! };
}

async function reload(ctx: Context, id: number): Promise<Result> {
  ctx.loaders.get(productById).clear(id);
  return { product: (await ProductService.byId(ctx, id))!, userErrors: [] };
}

/** Staff and resellers (for their customers) book and change products. */
export const ProductAdminService = {
  async create(ctx: Context, customerGid: string, input: ProductInput): Promise<Result> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "manageProducts", customer);
    const missing = (["type", "plan", "identifier", "priceAmount"] as const).filter((f) => input[f] === undefined || input[f] === null);
    if (missing.length) return { userErrors: missing.map((f) => userError(UserErrorCode.INVALID_INPUT, `${f} is required`, ["input", f])) };
    const a = input.installationAddress;
    const id = await inTransaction(ctx.db, async (tx) => {
      const result = await tx.query(
        `INSERT INTO products (customer_id, type, plan, identifier, status, installation_street, installation_postal_code, installation_city,
           installation_country_code, price_amount, billing_period, start_date, specs) VALUES (?, ?, ?, ?, 'ORDERED', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          customer!.dbId,
          input.type,
          input.plan,
          input.identifier,
          a?.street ?? null,
          a?.postalCode ?? null,
          a?.city ?? null,
          a?.countryCode ?? null,
          input.priceAmount,
          input.billingPeriod ?? "MONTHLY",
          input.startDate ?? new Date().toISOString().slice(0, 10),
          input.specs ? JSON.stringify(input.specs) : null,
        ],
      );
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "product.created",
        details: { productId: Number(result.insertId), type: input.type, plan: input.plan },
      });
      return Number(result.insertId);
    });
    return reload(ctx, id);
  },

  /** Changes values; a new plan is kept as history; the installation address is the product's own. */
  async update(ctx: Context, productGid: string, input: ProductInput): Promise<Result> {
    const { product, customer } = await loadForChange(ctx, productGid);
    if (input.type && input.type !== product.type)
      return {
        userErrors: [userError(UserErrorCode.INVALID_INPUT, "The type of a product cannot change; book a new one", ["input", "type"])],
      };
    if (product.status === ProductStatus.CANCELLED)
      return { userErrors: [userError(UserErrorCode.NOT_PENDING, "A cancelled product cannot change", ["productId"])] };
    const a = input.installationAddress;
    await inTransaction(ctx.db, async (tx) => {
      // The plan history needs the plan as it is now: read it under a lock, write only what was given.
      const [current] = await tx.query("SELECT plan FROM products WHERE id = ? FOR UPDATE", [product.dbId]);
      const sets: [string, unknown][] = [];
      if (input.plan) sets.push(["plan", input.plan]);
      if (input.identifier) sets.push(["identifier", input.identifier]);
      if (input.priceAmount !== undefined && input.priceAmount !== null) sets.push(["price_amount", input.priceAmount]);
      if (input.billingPeriod) sets.push(["billing_period", input.billingPeriod]);
      if (input.specs) sets.push(["specs", JSON.stringify(input.specs)]);
      if (a)
        sets.push(
          ["installation_street", a.street],
          ["installation_postal_code", a.postalCode],
          ["installation_city", a.city],
          ["installation_country_code", a.countryCode],
        );
      if (sets.length)
        await tx.query(`UPDATE products SET ${sets.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, [
          ...sets.map(([, v]) => v),
          product.dbId,
        ]);
      if (input.plan && input.plan !== current.plan) {
        await tx.query("INSERT INTO product_plan_changes (product_id, old_plan, new_plan, changed_by) VALUES (?, ?, ?, ?)", [
          product.dbId,
          current.plan,
          input.plan,
          principalLabel(ctx.principal),
        ]);
      }
      await AuditService.record(tx, ctx.principal, {
        customerId: customer.dbId,
        customerNumber: customer.customerNumber,
        action: "product.updated",
        details: { productId: product.id, fields: Object.keys(input) },
      });
    });
    return reload(ctx, product.dbId);
  },

  async setStatus(
    ctx: Context,
    productGid: string,
    status: ProductStatus.SUSPENDED | ProductStatus.CANCELLED,
    endDate?: string,
  ): Promise<Result> {
    const { product, customer } = await loadForChange(ctx, productGid);
    if (product.status === ProductStatus.CANCELLED)
      return { userErrors: [userError(UserErrorCode.NOT_PENDING, "This product is cancelled already", ["productId"])] };
    await inTransaction(ctx.db, async (tx) => {
      await tx.query("UPDATE products SET status = ?, end_date = ? WHERE id = ?", [
        status,
        status === ProductStatus.CANCELLED ? (endDate ?? new Date().toISOString().slice(0, 10)) : (product.endDate ?? null),
        product.dbId,
      ]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer.dbId,
        customerNumber: customer.customerNumber,
        action: `product.${status.toLowerCase()}`,
        details: { productId: product.id },
      });
    });
    return reload(ctx, product.dbId);
  },

  planHistory(ctx: Context, product: ProductNode): Promise<PlanChange[]> {
    return ctx.loaders.get(planChangesByProduct).load(product.dbId);
  },
};
