import { DataSource, EntityManager } from "typeorm";
import { childrenLoader, rowSource } from "../platform/loaders";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { refuse, refuseAny, userError, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome } from "../unit-of-work/unit-of-work";
import { ProductStatus } from "./product.enums";
import { ProductService } from "./product.service";
import { PlanChange, ProductInput, ProductNode } from "./product.types";

const PLAN_CHANGES = rowSource({
  table: "product_plan_changes",
  always: ["old_plan", "new_plan", "changed_by", "changed_at"],
  // The loader groups the rows by product.
  extra: ["product_id"],
  map: (r): PlanChange => ({
    oldPlan: r.old_plan as string,
    newPlan: r.new_plan as string,
    changedBy: r.changed_by as string,
    changedAt: r.changed_at as Date,
  }),
});
const planChangesByProduct = (db: DataSource) => childrenLoader(db, PLAN_CHANGES, "product_id", [{ column: "id" }]);

type ProductOutcome = Outcome<{ product?: ProductNode }>;

/** The payload of a product mutation: the product as committed. */
const productAsCommitted = (ctx: Context) => async (productId: number) => ({
  product: (await ProductService.byId(ctx, productId)) ?? undefined,
});

/** Locks the product and returns its plan as it is now; refuses when it is gone or cancelled (a cancelled product stays as it is). */
async function lockChangeable(tx: EntityManager, productId: number, cancelledRefusal: string): Promise<{ plan: string }> {
  const [current] = await tx.query("SELECT plan, status FROM products WHERE id = ? FOR UPDATE", [productId]);
  if (!current) refuse(UserErrorCode.NOT_FOUND, "This product was deleted meanwhile", ["productId"]);
  if (current.status === ProductStatus.CANCELLED) refuse(UserErrorCode.NOT_PENDING, cancelledRefusal, ["productId"]);
  return current;
}

/** Staff and resellers (for their customers) book and change products. */
export const ProductAdminService = {
  create(ctx: Context, customerGid: string, input: ProductInput, idempotencyKey?: string | null): Promise<ProductOutcome> {
    return mutate(
      ctx,
      { rule: "manageProducts", load: CustomerService.target(ctx, customerGid) },
      {
        idempotency: { key: idempotencyKey, operation: "productCreate", input: { customerGid, input } },
        write: async (uow, { customer }) => {
          const missing = (["type", "plan", "identifier", "priceAmount"] as const).filter(
            (f) => input[f] === undefined || input[f] === null,
          );
          refuseAny(missing.map((f) => userError(UserErrorCode.INVALID_INPUT, `${f} is required`, ["input", f])));
          const a = input.installationAddress;
          const result = await uow.tx.query(
            `INSERT INTO products (customer_id, type, plan, identifier, status, installation_street, installation_postal_code, installation_city,
               installation_country_code, price_amount, billing_period, start_date, specs) VALUES (?, ?, ?, ?, 'ORDERED', ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              customer.dbId,
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
          const productId = Number(result.insertId);
          await uow.audit("product.created", { productId, type: input.type, plan: input.plan });
          return productId;
        },
        reply: productAsCommitted(ctx),
      },
    );
  },

  /** Changes values; a new plan is kept as history; the installation address is the product's own. */
  update(ctx: Context, productGid: string, input: ProductInput): Promise<ProductOutcome> {
    return mutate(
      ctx,
      { rule: "manageProducts", load: ProductService.target(ctx, productGid) },
      {
        write: async (uow, { product }) => {
          if (input.type && input.type !== product.type) {
            refuse(UserErrorCode.INVALID_INPUT, "The type of a product cannot change; book a new one", ["input", "type"]);
          }
          // The plan history needs the plan as it is now: read it under a lock, write only what was given.
          const current = await lockChangeable(uow.tx, product.dbId, "A cancelled product cannot change");
          const a = input.installationAddress;
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
            await uow.tx.query(`UPDATE products SET ${sets.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, [
              ...sets.map(([, v]) => v),
              product.dbId,
            ]);
          if (input.plan && input.plan !== current.plan) {
            await uow.tx.query("INSERT INTO product_plan_changes (product_id, old_plan, new_plan, changed_by) VALUES (?, ?, ?, ?)", [
              product.dbId,
              current.plan,
              input.plan,
              principalLabel(ctx.principal),
            ]);
          }
          await uow.audit("product.updated", { productId: product.id, fields: Object.keys(input) });
          return product.dbId;
        },
        reply: productAsCommitted(ctx),
      },
    );
  },

  setStatus(
    ctx: Context,
    productGid: string,
    status: ProductStatus.SUSPENDED | ProductStatus.CANCELLED,
    endDate?: string,
  ): Promise<ProductOutcome> {
    return mutate(
      ctx,
      { rule: "manageProducts", load: ProductService.target(ctx, productGid) },
      {
        write: async (uow, { product }) => {
          await lockChangeable(uow.tx, product.dbId, "This product is cancelled already");
          await uow.tx.query("UPDATE products SET status = ?, end_date = ? WHERE id = ?", [
            status,
            status === ProductStatus.CANCELLED ? (endDate ?? new Date().toISOString().slice(0, 10)) : (product.endDate ?? null),
            product.dbId,
          ]);
          await uow.audit(`product.${status.toLowerCase()}`, { productId: product.id });
          return product.dbId;
        },
        reply: productAsCommitted(ctx),
      },
    );
  },

  planHistory(ctx: Context, product: ProductNode): Promise<PlanChange[]> {
    return ctx.loaders.get(planChangesByProduct).load(product.dbId);
  },
};
