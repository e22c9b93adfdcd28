import { installationAddressOf } from "../platform/address";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childPageLoader, rowLoader, rowSource } from "../platform/loaders";
import { today } from "../platform/local-date";
import { money } from "../platform/money";
import { Page } from "../platform/pagination";
import { columnsFor } from "../platform/projection";
import { jsonColumn, Row } from "../platform/rows";
import { BillingPeriod, ProductStatus, ProductType } from "./product.enums";
import { ProductNode } from "./product.types";

/** The price columns of a product row: a scheduled price counts from its day on (derived, like OVERDUE: no job flips it). */
function pricesOf(r: Row): Pick<ProductNode, "price" | "nextPrice" | "nextPriceFrom"> {
  const current = money(r.price_amount, r.price_currency);
  if (r.next_price_from == null) return { price: current };
  const next = money(r.next_price_amount, r.price_currency);
  return r.next_price_from <= today() ? { price: next } : { price: current, nextPrice: next, nextPriceFrom: r.next_price_from };
}

export function productFromRow(r: Row): ProductNode {
  return {
    __typename: "Product",
    id: toGlobalId("Product", r.id),
    dbId: r.id,
    customerId: r.customer_id,
    planId: r.plan_id ?? null,
    type: r.type as ProductType,
    plan: r.plan,
    identifier: r.identifier,
    status: r.status as ProductStatus,
    installationAddress: installationAddressOf(r),
    // Only when read: a list reads the selected columns only (platform/projection.ts).
    ...("price_amount" in r ? pricesOf(r) : { price: undefined as unknown as ProductNode["price"] }),
    billingPeriod: r.billing_period as BillingPeriod,
    startDate: r.start_date,
    endDate: r.end_date ?? undefined,
    specs: "specs" in r ? (jsonColumn<Record<string, unknown>>(r.specs) ?? {}) : (undefined as unknown as ProductNode["specs"]),
    createdAt: r.created_at,
  };
}

export const PRODUCTS = rowSource({
  table: "products",
  always: ["id", "customer_id"],
  fields: {
    id: [],
    customer: [],
    planHistory: [],
    type: ["type"],
    plan: ["plan"],
    identifier: ["identifier"],
    status: ["status"],
    installationAddress: ["installation_street", "installation_postal_code", "installation_city", "installation_country_code"],
    price: ["price_amount", "price_currency", "next_price_amount", "next_price_from"],
    nextPrice: ["price_amount", "price_currency", "next_price_amount", "next_price_from"],
    nextPriceFrom: ["price_amount", "price_currency", "next_price_amount", "next_price_from"],
    catalogPlan: ["plan_id"],
    billingPeriod: ["billing_period"],
    startDate: ["start_date"],
    endDate: ["end_date"],
    specs: ["specs"],
    createdAt: ["created_at"],
  },
  map: productFromRow,
});

export const productById = (db: DataSource) => rowLoader(db, PRODUCTS, "id");
export const productPagesByCustomer = (db: DataSource, columns?: readonly string[]) =>
  childPageLoader(db, PRODUCTS, "customer_id", [{ column: "id" }], columns);

export const ProductService = {
  /** A product as the target of a mutation (see mutate), with the customer it belongs to. */
  async target(ctx: Context, productGid: string): Promise<{ product: ProductNode; customer: CustomerNode | null } | null> {
    const product = await ProductService.byId(ctx, idOfType(productGid, "Product", "productId"));
    return product && { product, customer: await CustomerService.byId(ctx, product.customerId) };
  },

  byId(ctx: Context, id: number): Promise<ProductNode | null> {
    return ctx.loaders.get(productById).load(id);
  },

  /** Whether an active product holds this domain (what the unique index on active_domain guards), in the caller's transaction. */
  async domainHeld(tx: Transaction, domain: string): Promise<boolean> {
    const [row] = await tx.query("SELECT 1 AS held FROM products WHERE active_domain = ? LIMIT 1", [domain]);
    return !!row;
  },

  pageOfCustomer(
    ctx: Context,
    customerId: number,
    args: { first: number; after?: string; status?: ProductStatus[] },
    fields?: ReadonlySet<string>,
  ): Promise<Page<ProductNode>> {
    const filter = args.status?.length ? { sql: "status IN (?)", params: [args.status] } : undefined;
    const columns = columnsFor(ctx, PRODUCTS, fields);
    return ctx.loaders
      .get(productPagesByCustomer, columns)
      .load({ parentId: customerId, args: { first: args.first, after: args.after, filter } });
  },
};
