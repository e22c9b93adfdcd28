import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { printSchema } from "graphql";
import { printableSchema, subgraphSchemaSdl } from "./build";
import { permissionSnapshot } from "./permissions";

export const SCHEMA_FILE = join(__dirname, "..", "..", "..", "schema", "schema.graphql");
export const SUBGRAPH_FILE = join(__dirname, "..", "..", "..", "schema", "subgraph.graphql");
export const PERMISSIONS_FILE = join(__dirname, "..", "..", "..", "schema", "permissions.txt");

/** `npm run schema`: writes the SDL and the permission snapshot that the drift tests compare. */
async function main() {
  writeFileSync(SCHEMA_FILE, `${printSchema(await printableSchema())}\n`);
  writeFileSync(SUBGRAPH_FILE, `${await subgraphSchemaSdl()}\n`);
  writeFileSync(PERMISSIONS_FILE, permissionSnapshot());
  console.log(`wrote ${SCHEMA_FILE}, ${SUBGRAPH_FILE} and ${PERMISSIONS_FILE}`);
}

if (require.main === module) void main();
