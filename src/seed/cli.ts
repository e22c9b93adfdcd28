import "reflect-metadata";
// `npm run seed [-- --customers N] [--random-seed S]`: creates and migrates the configured
// database, then fills it with demo data unless it already has customers.

import { parseArgs } from "node:util";
import { configurePasswordHashing } from "../access/passwords";
import { Config, ConfigError, loadConfig } from "../config";
import { openDatabase } from "../database";
import { createLogger } from "../platform/logger";
import { seedDemoData } from "./demo-data";

const DEFAULT_CUSTOMERS = 50;

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive integer (got "${raw}")`);
  }
  return value;
}

async function main(): Promise<number> {
  let customers: number;
  let randomSeed: number;
  try {
    const { values } = parseArgs({
      options: { customers: { type: "string" }, "random-seed": { type: "string" } },
      strict: true,
    });
    customers = positiveInteger("customers", values.customers, DEFAULT_CUSTOMERS);
    randomSeed = positiveInteger("random-seed", values["random-seed"], 42);
  } catch (err) {
    console.error(`Usage: node dist/src/seed/cli.js [--customers N] [--random-seed S]\n${(err as Error).message}`);
    return 2;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      return 1;
    }
    throw err;
  }

  configurePasswordHashing(config.passwordHashCost);
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config, log);
  try {
    const [existing] = await db.query("SELECT EXISTS(SELECT 1 FROM customers) AS present");
    if (Number(existing.present) === 1) {
      console.log("Database already has customers; nothing seeded.");
      return 0;
    }
    const started = Date.now();
    const counts = await seedDemoData(db, { customers, randomSeed });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `Seeded ${counts.customers} customers, ${counts.contacts} contacts, ${counts.products} products, ` +
        `${counts.invoices} invoices with ${counts.invoiceLines} lines and ${counts.resellers} resellers in ${seconds} s.`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`Seeding failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
