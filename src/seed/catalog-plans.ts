// The demo catalog of catalog.ts as catalog rows: every plan the demo products are booked on, the
// upgrade and downgrade paths within each series, and which orders are approved at once.

import {
  DOMAIN_PRICES,
  HOSTING_PLANS,
  LINE_PLANS,
  MAILBOX_PRICE,
  MOBILE_PLANS,
  Plan,
  SERVER_PLANS,
  SETUP_PLANS,
  VOIP_PLANS,
} from "./catalog";
import type { BillingPeriod, CatalogPlanChangeRow, CatalogPlanRow, ProductType } from "./tables";

interface Series {
  type: ProductType;
  plans: readonly Plan[];
  period: BillingPeriod;
  /** English names where they differ from the German ones. */
  nameEn?: (name: string) => string;
  approval: CatalogPlanRow["approval"];
  technical: boolean;
  installation: boolean;
  /** Whether the plans of the series change into each other (up by price, down by price). */
  changes: boolean;
}

const SERIES: readonly Series[] = [
  {
    type: "WEB_HOSTING",
    plans: HOSTING_PLANS,
    period: "MONTHLY",
    approval: "AUTOMATIC",
    technical: true,
    installation: false,
    changes: true,
  },
  {
    type: "DOMAIN",
    plans: Object.entries(DOMAIN_PRICES).map(([tld, priceAmount]) => ({ plan: `Domain .${tld}`, priceAmount, specs: { autoRenew: true } })),
    period: "YEARLY",
    approval: "AUTOMATIC",
    technical: true,
    installation: false,
    changes: false,
  },
  {
    type: "MAIL",
    plans: [{ plan: "Exchange Business", priceAmount: MAILBOX_PRICE, specs: { mailboxGb: 50, pricedPer: "mailbox" } }],
    period: "MONTHLY",
    approval: "REVIEW",
    technical: true,
    installation: false,
    changes: false,
  },
  {
    type: "SERVER",
    plans: SERVER_PLANS.filter((p) => !p.colocation),
    period: "MONTHLY",
    approval: "REVIEW",
    technical: true,
    installation: false,
    changes: true,
  },
  {
    type: "SERVER",
    plans: SERVER_PLANS.filter((p) => p.colocation),
    period: "MONTHLY",
    approval: "REVIEW",
    technical: false,
    installation: true,
    changes: false,
  },
  { type: "VOIP", plans: VOIP_PLANS, period: "MONTHLY", approval: "REVIEW", technical: false, installation: true, changes: true },
  { type: "INTERNET_LINE", plans: LINE_PLANS, period: "MONTHLY", approval: "REVIEW", technical: false, installation: true, changes: true },
  { type: "MOBILE", plans: MOBILE_PLANS, period: "MONTHLY", approval: "REVIEW", technical: false, installation: false, changes: true },
  ...Object.entries(SETUP_PLANS).map(([type, plan]): Series => ({
    type: type as ProductType,
    plans: [plan],
    period: "ONE_TIME",
    nameEn: (name) =>
      ({ "Website-Migration": "Website migration", "Server-Einrichtung": "Server setup", "Exchange-Migration": "Exchange migration" })[
        name
      ] ?? name,
    approval: "REVIEW",
    technical: false,
    installation: false,
    changes: false,
  })),
];

/** The catalog rows, numbered from `lastId`, and the id of each plan by type and name (what products.plan holds). */
export function demoCatalog(lastId: number): { plans: CatalogPlanRow[]; changes: CatalogPlanChangeRow[]; idOf: Map<string, number> } {
  const plans: CatalogPlanRow[] = [];
  const changes: CatalogPlanChangeRow[] = [];
  const idOf = new Map<string, number>();
  for (const series of SERIES) {
    const ids = series.plans.map((plan) => {
      const row: CatalogPlanRow = {
        id: ++lastId,
        product_type: series.type,
        name_de: plan.plan,
        name_en: series.nameEn?.(plan.plan) ?? plan.plan,
        price_amount: plan.priceAmount,
        price_currency: "EUR",
        billing_period: series.period,
        specs: JSON.stringify(plan.specs),
        approval: series.approval,
        technical_may_order: series.technical ? 1 : 0,
        needs_installation_address: series.installation ? 1 : 0,
        orderable: 1,
      };
      plans.push(row);
      idOf.set(catalogKey(series.type, plan.plan), row.id);
      return row.id;
    });
    // Plans are listed by price: each may move up to every dearer plan of its series and down to every cheaper one.
    if (series.changes) {
      ids.forEach((from, i) =>
        ids.forEach((to, j) => {
          if (i !== j) changes.push({ from_plan_id: from, to_plan_id: to, direction: j > i ? "UPGRADE" : "DOWNGRADE" });
        }),
      );
    }
  }
  return { plans, changes, idOf };
}

export const catalogKey = (type: ProductType, plan: string) => `${type}|${plan}`;
