import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { idOfType, parseGlobalId, toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, rowSource } from "../platform/loaders";
import { isDuplicateKey, readQuery } from "../platform/db";
import { money } from "../platform/money";
import { boolColumn, jsonColumn, Row } from "../platform/rows";
import { refuse, refuseAny, userError, UserErrorCode } from "../platform/user-error";
import { BillingPeriod, ProductType } from "../products/product.enums";
import { mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { OrderApproval, PlanChangeDirection } from "./catalog.enums";
import { CatalogPlanChange, CatalogPlanInput, CatalogPlanNode } from "./catalog.types";

export function catalogPlanFromRow(r: Row): CatalogPlanNode {
  return {
    dbId: r.id,
    id: toGlobalId("CatalogPlan", r.id),
    productType: r.product_type as ProductType,
    nameDe: r.name_de,
    nameEn: r.name_en,
    price: money(r.price_amount, r.price_currency),
    billingPeriod: r.billing_period as BillingPeriod,
    specs: jsonColumn<Record<string, unknown>>(r.specs) ?? {},
    approval: r.approval as OrderApproval,
    technicalMayOrder: boolColumn(r.technical_may_order),
    needsInstallationAddress: boolColumn(r.needs_installation_address),
    orderable: boolColumn(r.orderable),
  };
}

const CATALOG_PLANS = rowSource({
  table: "catalog_plans",
  always: [
    "id",
    "product_type",
    "name_de",
    "name_en",
    "price_amount",
    "price_currency",
    "billing_period",
    "specs",
    "approval",
    "technical_may_order",
    "needs_installation_address",
    "orderable",
  ],
  map: catalogPlanFromRow,
});

const PLAN_CHANGES = rowSource({
  table: "catalog_plan_changes",
  always: ["to_plan_id", "direction"],
  extra: ["from_plan_id"],
  map: (r): CatalogPlanChange => ({ toPlanId: r.to_plan_id as number, direction: r.direction as PlanChangeDirection }),
});

const planById = (db: DataSource) => rowLoader(db, CATALOG_PLANS, "id");
const changesByPlan = (db: DataSource) => childrenLoader(db, PLAN_CHANGES, "from_plan_id", [{ column: "to_plan_id" }]);

type PlanOutcome = Outcome<{ plan?: CatalogPlanNode }>;

const COLUMNS: [keyof CatalogPlanInput, string][] = [
  ["nameDe", "name_de"],
  ["nameEn", "name_en"],
  ["priceAmount", "price_amount"],
  ["billingPeriod", "billing_period"],
  ["approval", "approval"],
  ["technicalMayOrder", "technical_may_order"],
  ["needsInstallationAddress", "needs_installation_address"],
  ["orderable", "orderable"],
];

/**
 * The product catalog: plans per product type with their prices, specs, approval and allowed
 * plan changes. Owns catalog_plans and catalog_plan_changes; staff admins maintain it.
 */
export const CatalogService = {
  byId(ctx: Context, id: number): Promise<CatalogPlanNode | null> {
    return ctx.loaders.get(planById).load(id);
  },

  /** The allowed changes from a plan. */
  changesOf(ctx: Context, plan: CatalogPlanNode): Promise<CatalogPlanChange[]> {
    return ctx.loaders.get(changesByPlan).load(plan.dbId);
  },

  /** The catalog, by type and name; plans taken off only for staff who ask for them. */
  async list(ctx: Context, productType: ProductType | undefined, includeNotOrderable: boolean): Promise<CatalogPlanNode[]> {
    const all = includeNotOrderable && ctx.principal.kind === "staff";
    const rows: Row[] = await readQuery(
      ctx.db,
      `SELECT ${CATALOG_PLANS.columns.join(", ")} FROM catalog_plans WHERE ${productType ? "product_type = ?" : "TRUE"}${all ? "" : " AND orderable = 1"}
       ORDER BY product_type, price_amount, id`,
      productType ? [productType] : [],
    );
    return rows.map(catalogPlanFromRow);
  },

  create(ctx: Context, input: CatalogPlanInput): Promise<PlanOutcome> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const missing = (["productType", "nameDe", "nameEn", "priceAmount", "billingPeriod"] as const).filter((f) => input[f] == null);
        refuseAny(missing.map((f) => userError(UserErrorCode.INVALID_INPUT, `${f} is required`, ["input", f])));
        const result = await insertOrTaken(() =>
          uow.tx.query(
            `INSERT INTO catalog_plans (product_type, name_de, name_en, price_amount, billing_period, specs, approval, technical_may_order,
               needs_installation_address, orderable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              input.productType,
              input.nameDe!.trim(),
              input.nameEn!.trim(),
              input.priceAmount,
              input.billingPeriod,
              input.specs ? JSON.stringify(input.specs) : null,
              input.approval ?? OrderApproval.REVIEW,
              input.technicalMayOrder ? 1 : 0,
              input.needsInstallationAddress ? 1 : 0,
              input.orderable === false ? 0 : 1,
            ],
          ),
        );
        const planId = Number(result.insertId);
        await setChanges(uow, planId, input.productType!, input);
        await uow.audit("catalog.plan.created", { planId, name: input.nameDe }, null);
        return planId;
      },
      reply: async (planId) => ({ plan: (await CatalogService.byId(ctx, planId)) ?? undefined }),
    });
  },

  update(ctx: Context, planGid: string, input: CatalogPlanInput): Promise<PlanOutcome> {
    const planId = idOfType(planGid, "CatalogPlan", "planId");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const [plan] = await uow.tx.query("SELECT product_type FROM catalog_plans WHERE id = ? FOR UPDATE", [planId]);
        if (!plan) refuse(UserErrorCode.UNKNOWN_PLAN, "No such plan in the catalog", ["planId"]);
        if (input.productType && input.productType !== plan.product_type) {
          refuse(UserErrorCode.INVALID_INPUT, "The product type of a plan cannot change; add a new plan", ["input", "productType"]);
        }
        const sets = COLUMNS.filter(([field]) => input[field] != null).map(([field, column]) => {
          const value = input[field];
          return [column, typeof value === "boolean" ? (value ? 1 : 0) : typeof value === "string" ? value.trim() : value] as const;
        });
        if (input.specs) sets.push(["specs", JSON.stringify(input.specs)] as const);
        if (sets.length) {
          await insertOrTaken(() =>
            uow.tx.query(`UPDATE catalog_plans SET ${sets.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, [
              ...sets.map(([, v]) => v),
              planId,
            ]),
          );
        }
        await setChanges(uow, planId, plan.product_type, input);
        await uow.audit("catalog.plan.updated", { planId, fields: Object.keys(input) }, null);
        return planId;
      },
      reply: async (id) => ({ plan: (await CatalogService.byId(ctx, id)) ?? undefined }),
    });
  },

  /** A plan as an order reads it, in the order's transaction; null when there is no such plan. */
  async forOrder(tx: Transaction, planId: number): Promise<CatalogPlanNode | null> {
    const [row] = await tx.query(`SELECT ${CATALOG_PLANS.columns.join(", ")} FROM catalog_plans WHERE id = ?`, [planId]);
    return row ? catalogPlanFromRow(row) : null;
  },

  /** Whether the catalog allows moving from one plan to another, and which way; null when it does not. */
  async changeDirection(tx: Transaction, fromPlanId: number, toPlanId: number): Promise<PlanChangeDirection | null> {
    const [row] = await tx.query("SELECT direction FROM catalog_plan_changes WHERE from_plan_id = ? AND to_plan_id = ?", [
      fromPlanId,
      toPlanId,
    ]);
    return (row?.direction as PlanChangeDirection | undefined) ?? null;
  },

  /** The plan id of a global id, or a typed refusal (UNKNOWN_PLAN) for anything that is not one. */
  planIdOf(planGid: string, field: string[]): number {
    const parsed = parseGlobalId(planGid);
    if (!parsed || parsed.type !== "CatalogPlan") refuse(UserErrorCode.UNKNOWN_PLAN, "No such plan in the catalog", field);
    return parsed.id;
  },
};

async function insertOrTaken<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    if (isDuplicateKey(error)) refuse(UserErrorCode.TAKEN, "This product type has a plan of that name already", ["input", "nameDe"]);
    throw error;
  }
}

/** Replaces the allowed changes from a plan that the input lists (upgrades, downgrades, or both). */
async function setChanges(uow: UnitOfWork, planId: number, productType: ProductType, input: CatalogPlanInput): Promise<void> {
  for (const [direction, list, field] of [
    [PlanChangeDirection.UPGRADE, input.upgradesTo, "upgradesTo"],
    [PlanChangeDirection.DOWNGRADE, input.downgradesTo, "downgradesTo"],
  ] as const) {
    if (!list) continue;
    const targets = [...new Set(list.map((gid) => CatalogService.planIdOf(gid, ["input", field])))];
    if (targets.includes(planId)) refuse(UserErrorCode.INVALID_INPUT, "A plan cannot change to itself", ["input", field]);
    const found: Row[] = targets.length
      ? await uow.tx.query("SELECT id FROM catalog_plans WHERE id IN (?) AND product_type = ?", [targets, productType])
      : [];
    if (found.length !== targets.length) {
      refuse(UserErrorCode.UNKNOWN_PLAN, "Each plan to change to must be a plan of the same product type", ["input", field]);
    }
    await uow.tx.query("DELETE FROM catalog_plan_changes WHERE from_plan_id = ? AND direction = ?", [planId, direction]);
    if (targets.length) {
      // A plan listed both ways keeps the direction given last.
      await uow.tx.query("REPLACE INTO catalog_plan_changes (from_plan_id, to_plan_id, direction) VALUES ?", [
        targets.map((to) => [planId, to, direction]),
      ]);
    }
  }
}
