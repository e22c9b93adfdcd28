import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";

// Folders import downward only: a cycle between folders of src/ (or workers/) fails this test.
// Type-only imports count too: a reader follows them just the same.
const ROOT = join(__dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The folder a file belongs to: src/<folder>, or workers; the top files of src/ (app, config, database) are above every folder. */
function folderOf(file: string): string | null {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === "workers") return "workers";
  return parts[0] === "src" && parts.length > 2 ? `src/${parts[1]}` : null;
}

export function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "workers"))]) {
    const from = folderOf(file);
    if (!from) continue;
    for (const match of readFileSync(file, "utf8").matchAll(
      /(?:import|export)\s[^'"`]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g,
    )) {
      const to = folderOf(resolve(dirname(file), match[1] ?? match[2]) + ".ts");
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

/** Groups of folders that reach each other (Tarjan's strongly connected components of more than one). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, order.get(next)!));
    }
    if (low.get(node) === order.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((targets) => [...targets])]);
  for (const node of nodes) if (!order.has(node)) visit(node);
  return groups;
}

test("no two folders import each other, directly or around a circle", () => {
  const edges = folderImports();
  assert.ok(edges.size > 10, "the imports between folders were read");
  assert.deepEqual(cycles(edges), []);
});

test("the check finds a cycle when there is one", () => {
  const edges = new Map([
    ["src/a", new Set(["src/b"])],
    ["src/b", new Set(["src/c"])],
    ["src/c", new Set(["src/a"])],
    ["src/d", new Set(["src/a"])],
  ]);
  assert.deepEqual(cycles(edges), [["src/a", "src/b", "src/c"]]);
});

test("platform/ imports no domain module, only the library patches below it", () => {
  assert.deepEqual(
    [...(folderImports().get("src/platform") ?? [])].filter((to) => to !== "src/library-patches"),
    [],
  );
});

test("library-patches/ imports nothing of src (it sits below platform)", () => {
  const edges = folderImports();
  assert.ok(edges.get("src/platform")?.has("src/library-patches"), "platform's imports of the patches were read");
  assert.deepEqual([...(edges.get("src/library-patches") ?? [])], []);
});
