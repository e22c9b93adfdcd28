import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { printSchema } from "graphql";
import { printableSchema } from "./build";

export const SCHEMA_FILE = join(__dirname, "..", "..", "..", "schema", "schema.graphql");

/** `npm run schema`: writes the SDL that the committed file and the drift test compare. */
async function main() {
  writeFileSync(SCHEMA_FILE, `${printSchema(await printableSchema())}\n`);
  console.log(`wrote ${SCHEMA_FILE}`);
}

if (require.main === module) void main();
