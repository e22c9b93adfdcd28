import { DataSource, QueryFailedError } from "typeorm";
import { isDuplicateKey } from "../platform/db";
import { Transaction } from "../platform/transactions";
import { childrenLoader, rowSource } from "../platform/loaders";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { today } from "../platform/local-date";
import { money } from "../platform/money";
import { AddressInput } from "../platform/address";
import { refuse, refuseAny, userError, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { BillingPeriod, ProductStatus, ProductType } from "./product.enums";
import { ProductService } from "./product.service";
import { PlanChange, ProductInput, ProductNode } from "./product.types";

const PLAN_CHANGES = rowSource({
  table: "product_plan_changes",
  always: ["old_plan", "new_plan", "changed_by", "changed_at", "price_amount", "price_currency", "price_from"],
  // The loader groups the rows by product.
  extra: ["product_id"],
  map: (r): PlanChange => ({
    oldPlan: r.old_plan as string,
    newPlan: r.new_plan as string,
    changedBy: r.changed_by as string,
    changedAt: r.changed_at as Date,
    price: r.price_amount == null ? undefined : money(r.price_amount as number, r.price_currency as string),
    priceFrom: (r.price_from as string | null) ?? undefined,
  }),
});
const planChangesByProduct = (db: DataSource) => childrenLoader(db, PLAN_CHANGES, "product_id", [{ column: "id" }]);

type ProductOutcome = Outcome<{ product?: ProductNode }>;

/** The payload of a product mutation: the product as committed. */
const productAsCommitted = (ctx: Context) => async (productId: number) => ({
  product: (await ProductService.byId(ctx, productId)) ?? undefined,
});

/** Locks the product and returns its plan as it is now; refuses when it is gone or cancelled (a cancelled product stays as it is). */
async function lockChangeable(tx: Transaction, productId: number, cancelledRefusal: string): Promise<{ plan: string }> {
  const [current] = await tx.query<{ plan: string; status: ProductStatus }[]>("SELECT plan, status FROM products WHERE id = ? FOR UPDATE", [
    productId,
  ]);
  if (!current) refuse(UserErrorCode.NOT_FOUND, "This product was deleted meanwhile", ["productId"]);
  if (current.status === ProductStatus.CANCELLED) refuse(UserErrorCode.NOT_PENDING, cancelledRefusal, ["productId"]);
  return current;
}

/** Runs a write of products; a domain that another active product holds (the unique index) is DUPLICATE_DOMAIN. */
export async function holdingDomain<T>(write: () => Promise<T>, field: string[] = ["input", "identifier"]): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const driverError = isDuplicateKey(error) ? ((error as QueryFailedError).driverError as { message?: string }) : undefined;
    if (driverError?.message?.includes("uq_products_active_domain")) {
      refuse(UserErrorCode.DUPLICATE_DOMAIN, "This domain is held by another active product", field);
    }
    throw error;
  }
}

/** The first day of the next billing period after today: from then on a new price applies (today for what has not started or bills once). */
export function nextBillingPeriod(startDate: string, period: BillingPeriod, asOf = today()): string {
  if (period === BillingPeriod.ONE_TIME || startDate >= asOf) return startDate > asOf ? startDate : asOf;
  const [y, m, d] = startDate.split("-").map(Number);
  const months = period === BillingPeriod.YEARLY ? 12 : 1;
  for (let k = months; ; k += months) {
    // The day of the start date, or the last day of a shorter month.
    const lastDay = new Date(Date.UTC(y, m - 1 + k + 1, 0)).getUTCDate();
    const candidate = new Date(Date.UTC(y, m - 1 + k, Math.min(d, lastDay))).toISOString().slice(0, 10);
    if (candidate > asOf) return candidate;
  }
}

/** What an approved order books. */
export interface Booking {
  customerId: number;
  type: ProductType;
  planId: number;
  plan: string;
  identifier: string;
  installationAddress?: AddressInput | null;
  priceAmount: number;
  billingPeriod: BillingPeriod;
  specs: Record<string, unknown>;
}

/** A change to a catalog plan, as an approved order makes it. */
export interface PlanMove {
  planId: number;
  plan: string;
  priceAmount: number;
  specs: Record<string, unknown>;
  changedBy: string;
}

/** For the orders module, in its unit of work: only this module writes products. */
export const ProductBooking = {
  /** Books a product from the catalog (status ORDERED, starting today); returns its id. */
  async book(uow: UnitOfWork, b: Booking): Promise<number> {
    const a = b.installationAddress;
    const result = await holdingDomain(
      () =>
        uow.tx.query(
          `INSERT INTO products (customer_id, type, plan, plan_id, identifier, status, installation_street, installation_postal_code,
             installation_city, installation_country_code, price_amount, billing_period, start_date, specs)
           VALUES (?, ?, ?, ?, ?, 'ORDERED', ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            b.customerId,
            b.type,
            b.plan,
            b.planId,
            b.identifier,
            a?.street ?? null,
            a?.postalCode ?? null,
            a?.city ?? null,
            a?.countryCode ?? null,
            b.priceAmount,
            b.billingPeriod,
            today(),
            JSON.stringify(b.specs),
          ],
        ),
      ["input", "identifier"],
    );
    return Number(result.insertId);
  },

  /**
   * Moves a product to another plan at once (name, plan, specs), keeps the change in the plan
   * history, and records the new price from the next billing period. Returns that day.
   */
  async changePlan(uow: UnitOfWork, productId: number, move: PlanMove): Promise<string> {
    const current = await lockChangeable(uow.tx, productId, "A cancelled product cannot change its plan");
    const [row] = await uow.tx.query("SELECT start_date, billing_period, price_currency FROM products WHERE id = ?", [productId]);
    const asOf = today();
    const from = nextBillingPeriod(row.start_date, row.billing_period as BillingPeriod, asOf);
    if (from <= asOf) {
      await uow.tx.query(
        "UPDATE products SET plan = ?, plan_id = ?, specs = ?, price_amount = ?, next_price_amount = NULL, next_price_from = NULL WHERE id = ?",
        [move.plan, move.planId, JSON.stringify(move.specs), move.priceAmount, productId],
      );
    } else {
      // A scheduled price whose day has come is the price now; the new one waits for its period.
      await uow.tx.query(
        `UPDATE products SET plan = ?, plan_id = ?, specs = ?,
           price_amount = IF(next_price_from IS NOT NULL AND next_price_from <= ?, next_price_amount, price_amount),
           next_price_amount = ?, next_price_from = ? WHERE id = ?`,
        [move.plan, move.planId, JSON.stringify(move.specs), asOf, move.priceAmount, from, productId],
      );
    }
    await uow.tx.query(
      "INSERT INTO product_plan_changes (product_id, old_plan, new_plan, price_amount, price_currency, price_from, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [productId, current.plan, move.plan, move.priceAmount, row.price_currency, from, move.changedBy],
    );
    return from;
  },
};

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
          const result = await holdingDomain(() =>
            uow.tx.query(
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
            ),
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
          // A plan named by hand is outside the catalog.
          if (input.plan && input.plan !== current.plan) sets.push(["plan", input.plan], ["plan_id", null]);
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
            await holdingDomain(() =>
              uow.tx.query(`UPDATE products SET ${sets.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, [
                ...sets.map(([, v]) => v),
                product.dbId,
              ]),
            );
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
