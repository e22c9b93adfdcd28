// Seeds an empty database with deterministic demo data: Austrian and German customers with their
// contacts, products and a year of invoices. See generate.ts for what the data looks like.

import type { DataSource, EntityManager } from "typeorm";
import { withClusterLock } from "../platform/cluster-lock";
import { seedDemoLogins } from "./demo-logins";
import { generateDemoData } from "./generate";
import type { DemoData, TableKey } from "./tables";

export { vatOf } from "../invoices/amounts";

export interface SeedOptions {
  customers: number;
  /** Same seed, same data (for the same day). Default 42. */
  randomSeed?: number;
  /** "Today" as YYYY-MM-DD (UTC); invoices cover the 12 months up to it. Default: the current date. */
  asOf?: string;
}

export interface SeedCounts {
  catalogPlans: number;
  resellers: number;
  customers: number;
  contacts: number;
  products: number;
  invoices: number;
  invoiceLines: number;
}

const TABLES: Record<TableKey, string> = {
  catalogPlans: "catalog_plans",
  catalogPlanChanges: "catalog_plan_changes",
  resellers: "resellers",
  customers: "customers",
  contacts: "contacts",
  products: "products",
  invoices: "invoices",
  invoiceLines: "invoice_lines",
};

/** Parent tables first, so that every foreign key points at a row already written. */
const INSERT_ORDER: readonly TableKey[] = [
  "catalogPlans",
  "catalogPlanChanges",
  "resellers",
  "customers",
  "contacts",
  "products",
  "invoices",
  "invoiceLines",
];

// Large enough to keep round trips few, small enough to stay far below max_allowed_packet.
const ROWS_PER_STATEMENT = 1000;

const SEED_LOCK = "demo-seed";

/** Seeds the demo data; throws when the database already has customers. */
export async function seedDemoData(db: DataSource, options: SeedOptions): Promise<SeedCounts> {
  const counts = await seed(db, options);
  if (!counts) throw new Error("Demo data can only be seeded into an empty database: the customers table already has rows.");
  return counts;
}

/** Seeds the demo data when there are no customers yet; returns whether it did. */
export async function seedIfEmpty(db: DataSource, options: SeedOptions): Promise<boolean> {
  return (await seed(db, options)) !== null;
}

async function seed(db: DataSource, options: SeedOptions): Promise<SeedCounts | null> {
  if (!Number.isInteger(options.customers) || options.customers < 0) {
    throw new Error(`customers must be a non-negative integer (got ${options.customers})`);
  }
  // One seeder at a time, also across the nodes of a cluster (e.g. two instances starting on one empty database).
  return withClusterLock(db, SEED_LOCK, () =>
    db.transaction(async (tx) => {
      const [existing] = await tx.query("SELECT EXISTS(SELECT 1 FROM customers) AS present");
      if (Number(existing.present) === 1) return null;

      // Without customers the dependent tables are empty too; resellers may not be (created by hand or by tests).
      // The generated rows carry explicit ids above these, so the cluster's auto-increment steps do not matter.
      const idOffsets: Partial<Record<TableKey, number>> = {};
      for (const key of INSERT_ORDER) {
        if (key === "catalogPlanChanges") continue; // keyed by its plans
        const [row] = await tx.query(`SELECT COALESCE(MAX(id), 0) AS maxId FROM ${TABLES[key]}`);
        idOffsets[key] = Number(row.maxId);
      }

      const data = generateDemoData({
        customers: options.customers,
        randomSeed: options.randomSeed ?? 42,
        asOf: options.asOf ?? new Date().toISOString().slice(0, 10),
        idOffsets,
      });
      for (const key of INSERT_ORDER) await insertRows(tx, TABLES[key], data[key]);
      await seedDemoLogins(tx);
      return countsOf(data);
    }),
  );
}

/** Multi-row INSERTs: mysql2 expands `VALUES ?` with an array of row arrays into (...), (...). */
async function insertRows(tx: EntityManager, table: string, rows: readonly object[]): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]);
  const sql = `INSERT INTO ${table} (${columns.map((c) => `\`${c}\``).join(", ")}) VALUES ?`;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const values = rows.slice(start, start + ROWS_PER_STATEMENT).map((row) => columns.map((c) => (row as Record<string, unknown>)[c]));
    await tx.query(sql, [values]);
  }
}

function countsOf(data: DemoData): SeedCounts {
  return {
    catalogPlans: data.catalogPlans.length,
    resellers: data.resellers.length,
    customers: data.customers.length,
    contacts: data.contacts.length,
    products: data.products.length,
    invoices: data.invoices.length,
    invoiceLines: data.invoiceLines.length,
  };
}
