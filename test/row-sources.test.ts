import "reflect-metadata";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { GraphQLObjectType, GraphQLSchema } from "graphql";
import { DataSource } from "typeorm";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/database";
import { dropDatabase } from "../src/platform/db";
import { RowSource, rowSources } from "../src/platform/loaders";
import { createLogger } from "../src/platform/logger";
import { outputName, projectColumns } from "../src/platform/projection";
import { Row } from "../src/platform/rows";
// The schema's resolvers load every module, and so every rowSource of the code base.
import { buildKontoSchema } from "../src/schema/build";
import { testEnv } from "./support/harness";

// Each table's read columns are written once (rowSource in src/platform/loaders.ts); the mapper is
// hand-written for speed. This holds every source against its mapper (it reads exactly the
// columns selected) and against the migrations (the columns exist, and no secret is among them).

const ROOT = join(__dirname, "..", "..");
const config = loadConfig(testEnv());
let db: DataSource;
let schema: GraphQLSchema;
/** Per table of the migrated database, its columns as information_schema describes them. */
const tables = new Map<string, Map<string, Column>>();

interface Column {
  type: string;
  columnType: string;
  nullable: boolean;
  json: boolean;
}

before(async () => {
  db = await openDatabase(config, createLogger("silent"));
  schema = await buildKontoSchema();
  // MariaDB keeps a JSON column as LONGTEXT with a json_valid check named after the column.
  // Two plain queries joined here: a correlated subquery on information_schema.CHECK_CONSTRAINTS
  // crashes MariaDB 10.11 (segfault; it took the shared server down once).
  const checks: Row[] = await db.query(
    "SELECT TABLE_NAME AS tableName, CONSTRAINT_NAME AS name FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json_valid(%'",
  );
  const jsonColumns = new Set(checks.map((k) => `${k.tableName}.${k.name}`));
  const rows: Row[] = (
    await db.query(
      `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS columnType, IS_NULLABLE = 'YES' AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
    )
  ).map((r: Row) => ({ ...r, json: jsonColumns.has(`${r.tableName}.${r.name}`) ? 1 : 0 }));
  for (const r of rows) {
    const columns = tables.get(r.tableName) ?? new Map<string, Column>();
    columns.set(r.name, { type: r.type, columnType: r.columnType, nullable: Number(r.nullable) === 1, json: Number(r.json) === 1 });
    tables.set(r.tableName, columns);
  }
});
after(async () => {
  await db?.destroy();
  await dropDatabase(config.databaseUrl);
});

/** Hashes, PINs, secrets and token seeds: what a general read never selects. */
const SECRET = /(^|_)(pin|hash|secret|seed)$/;
const secretsOf = (table: string) => [...(tables.get(table)?.keys() ?? [])].filter((name) => SECRET.test(name));

/** Values the driver may return for a column: the first a typical one, the rest steer a mapper into its other branches. */
function valuesOf(column: Column | undefined): unknown[] {
  // An expression ("x IS NOT NULL AS y", a counting subquery) gives a number.
  if (!column) return [1];
  const orNull = column.nullable ? [null] : [];
  const listed = () => [...column.columnType.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
  if (column.json) return ["[]", ...orNull];
  switch (column.type) {
    case "enum":
      return [...listed(), ...orNull];
    case "set":
      return [listed().join(","), ...orNull];
    case "char":
    case "varchar":
    case "tinytext":
    case "text":
    case "mediumtext":
    case "longtext":
      return ["text", ...orNull];
    case "tinyint":
    case "smallint":
    case "mediumint":
    case "int":
    case "bigint":
    case "float":
    case "double":
      return [1, ...orNull];
    case "decimal":
      return ["1.00", ...orNull];
    case "date":
      return ["2024-01-31", ...orNull];
    case "datetime":
    case "timestamp":
      return [new Date("2024-01-31T12:00:00Z"), ...orNull];
    case "binary":
    case "varbinary":
    case "blob":
      return [Buffer.alloc(32), ...orNull];
    default:
      throw new Error(`no sample value for a ${column.type} column: teach valuesOf`);
  }
}

/** The rows a mapper is run over: a typical one, and one per other value of each column. */
function sampleRows(source: RowSource<unknown>): { row: Row; change: string }[] {
  const columns = tables.get(source.table)!;
  const values = new Map(
    source.columns.map((entry) => [outputName(entry), valuesOf(entry === outputName(entry) ? columns.get(entry) : undefined)]),
  );
  const typical = Object.fromEntries([...values].map(([name, [value]]) => [name, value]));
  const rows = [{ row: typical, change: "typical" }];
  for (const [name, [, ...others]] of values) {
    for (const value of others) rows.push({ row: { ...typical, [name]: value }, change: `${name} = ${JSON.stringify(value)}` });
  }
  return rows;
}

/** Runs `map` over a row that records which keys it reads (`get`) and asks for (`in`). */
function reading(source: RowSource<unknown>, row: Row, change: string): { read: Set<string>; asked: Set<string> } {
  const read = new Set<string>();
  const asked = new Set<string>();
  const recorder = new Proxy(row, {
    get(target, key) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === "string") asked.add(key);
      return Reflect.has(target, key);
    },
  });
  try {
    source.map(recorder);
  } catch (error) {
    throw new Error(`the mapper of ${source.table} fails on a row with ${change}: ${error}`, { cause: error });
  }
  return { read, asked };
}

const named = (source: RowSource<unknown>) => `${source.table} (${source.columns.length} columns)`;

test("every rowSource of src/ is checked here", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  const written = files(join(ROOT, "src")).reduce((n, file) => n + (readFileSync(file, "utf8").match(/\browSource\(\{/g)?.length ?? 0), 0);
  assert.ok(written > 0);
  assert.equal(rowSources().length, written, "a module with a rowSource is not loaded by the schema");
  assert.ok(rowSources().some((s) => s.table === "customers"));
});

test("every column a source selects exists in its table of the migrated database", async () => {
  for (const source of rowSources()) {
    assert.ok(tables.has(source.table), `no table ${source.table}`);
    await db.query(`SELECT ${source.columns.join(", ")} FROM ${source.table} LIMIT 0`).catch((error: Error) => {
      assert.fail(`${named(source)}: ${error.message}`);
    });
    const names = source.columns.map(outputName);
    assert.equal(new Set(names).size, names.length, `${source.table} selects a name twice`);
  }
});

test("no source selects a secret; at most whether one is set", () => {
  // The pattern finds the secrets the migrations have, so the check below is not empty.
  assert.deepEqual(secretsOf("customers").sort(), ["customer_password_hash", "customer_pin"]);
  assert.deepEqual(secretsOf("contacts"), ["phone_password_hash"]);
  for (const source of rowSources()) {
    for (const secret of secretsOf(source.table)) {
      for (const entry of source.columns) {
        if (!new RegExp(`\\b${secret}\\b`).test(entry)) continue;
        assert.match(entry, new RegExp(`^${secret} IS NOT NULL AS \\w+$`), `${source.table} selects ${secret}`);
      }
    }
  }
});

test("each mapper reads exactly the columns its source selects", () => {
  for (const source of rowSources()) {
    const selected = new Set(source.columns.map(outputName));
    const extra = new Set(source.extra ?? []);
    const read = new Set<string>();
    const asked = new Set<string>();
    for (const { row, change } of sampleRows(source)) {
      const reads = reading(source, row, change);
      reads.read.forEach((key) => read.add(key));
      reads.asked.forEach((key) => asked.add(key));
    }
    const unselected = [...read, ...asked].filter((key) => !selected.has(key));
    assert.deepEqual([...new Set(unselected)], [], `the mapper of ${source.table} reads columns its source does not select`);
    const unread = [...selected].filter((name) => !read.has(name) && !extra.has(name));
    assert.deepEqual(unread, [], `${source.table} selects columns its mapper never reads`);
    const readExtra = [...extra].filter((name) => read.has(name));
    assert.deepEqual(readExtra, [], `${source.table}: the mapper reads these, so they are not extra`);
  }
});

test("each projected field names a field of the node's GraphQL type, and maps from its columns alone", () => {
  for (const source of rowSources()) {
    if (!source.projection) continue;
    const [{ row }] = sampleRows(source);
    const typeName = (source.map(row) as { __typename?: string }).__typename;
    const type = typeName ? schema.getType(typeName) : undefined;
    assert.ok(type instanceof GraphQLObjectType, `${source.table} maps to no GraphQL object type`);
    const graphqlFields = type.getFields();
    for (const field of Object.keys(source.projection.fields)) {
      assert.ok(field in graphqlFields, `${source.table}: ${typeName} has no field ${field}`);
      // A list that selects only this field reads only its columns: the mapper must bear the rest missing.
      const columns = projectColumns(source.columns, source.projection, new Set([field]));
      const narrow = Object.fromEntries(columns.map(outputName).map((name) => [name, row[name]]));
      reading(source, narrow, `only the columns of ${field}`);
    }
  }
});
