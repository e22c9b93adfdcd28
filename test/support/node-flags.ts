import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The Node flags `npm start` gives Konto (package.json, scripts.start: `node <flags> dist/src/main.js`):
 * the benchmark runs Konto with them, and the deployment test checks that every other way of
 * starting Konto uses the same.
 */
export function startNodeFlags(root: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const match = /(?:^|&& )node ((?:--\S+ )*)dist\/src\/main\.js$/.exec(scripts.start);
  if (!match) throw new Error(`package.json scripts.start does not end in "node [flags] dist/src/main.js": ${scripts.start}`);
  return match[1].split(" ").filter(Boolean);
}
