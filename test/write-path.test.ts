import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

// One write path: transactions are opened by the unit of work only, and refusals have one idiom.
const ROOT = join(__dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const files = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "workers"))].map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, "utf8"),
}));

/** Where a transaction may be opened besides the unit of work: below it, and outside the request path. */
const OWN_TRANSACTIONS = new Set([
  "src/unit-of-work/unit-of-work.ts",
  "src/platform/db.ts", // inTransaction, the deadlock retry the unit of work runs on
  "src/notifications/dev-mailbox.ts", // the development mailbox, below the unit of work
  "src/seed/demo-data.ts", // bulk seeding
]);

test("only the unit of work opens transactions", () => {
  const opening = files.filter((f) => !OWN_TRANSACTIONS.has(f.path) && /\binTransaction\(|\.transaction\(/.test(f.text)).map((f) => f.path);
  assert.ok(files.length > 50, "the sources were read");
  assert.deepEqual(opening, []);
});

test("no second refusal idiom: no hand-made userErrors payloads, no temporary shims", () => {
  const offending = files
    .filter((f) => /return \{ userErrors: \[|\brefusable\(|\blegacyUnitOfWork\(|AuditService\.record\(/.test(f.text))
    .map((f) => f.path)
    .filter((path) => !["src/unit-of-work/unit-of-work.ts", "src/audit/audit.service.ts"].includes(path));
  assert.deepEqual(offending, []);
});

test("every resolver file with mutations hands them to services that use the unit of work", () => {
  const resolvers = files.filter((f) => f.text.includes("@Mutation("));
  assert.ok(resolvers.length >= 8, "the resolvers were found");
  const services = files.filter((f) => /\bmutate(Untargeted)?\(/.test(f.text)).map((f) => f.path);
  for (const resolver of resolvers) {
    const imported = [...resolver.text.matchAll(/from "\.{1,2}\/([^"]+)"/g)].map((m) => m[1].split("/").pop());
    const usesUnitOfWork =
      /\bmutate(Untargeted)?\(/.test(resolver.text) || services.some((s) => imported.includes(s.split("/").pop()!.replace(/\.ts$/, "")));
    assert.ok(usesUnitOfWork, `${resolver.path} has mutations but neither it nor a service it imports uses mutate`);
  }
});

test("no query reads every column of customers: the password hash and the PIN stay in the database", () => {
  // `SELECT *` with customers in the same SQL string, or `c.*` where c is the alias of customers.
  const everyColumn = /(SELECT\s+\*|\b(\w+)\.\*)[^`"]*?\b(?:FROM|JOIN)\s+customers\b(?:\s+(?:AS\s+)?(\w+))?/gi;
  const readsEveryColumn = (m: RegExpMatchArray) => /^SELECT/i.test(m[1]) || (m[2] !== undefined && m[2] === m[3]);
  const offending = files.flatMap((f) =>
    [...f.text.matchAll(everyColumn)].filter(readsEveryColumn).map((m) => `${f.path}: ${m[0].slice(0, 80)}`),
  );
  assert.deepEqual(offending, []);
  const found = (sql: string) => [...sql.matchAll(everyColumn)].some(readsEveryColumn);
  assert.ok(found("SELECT c.* FROM merges m JOIN customers c ON c.id = m.customer_id"), "the pattern finds an alias of customers");
  assert.ok(found("SELECT * FROM customers WHERE id = ?"), "the pattern finds SELECT *");
  assert.ok(
    !found("SELECT i.*, c.locale FROM invoices i JOIN customers c ON c.id = i.customer_id"),
    "another table's alias is not customers",
  );
});
