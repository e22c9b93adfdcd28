import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { getNamedType, GraphQLObjectType, isNonNullType, printSchema } from "graphql";
import { printableSchema, subgraphSchemaSdl } from "../src/schema/build";
import { PERMISSIONS_FILE, SCHEMA_FILE, SUBGRAPH_FILE } from "../src/schema/emit";
import { permissionSnapshot } from "../src/schema/permissions";

test("the committed schema/schema.graphql matches the schema built from the code", async () => {
  const built = `${printSchema(await printableSchema())}\n`;
  const committed = readFileSync(SCHEMA_FILE, "utf8");
  assert.equal(committed, built, "schema drifted: run `npm run schema` and commit schema/schema.graphql");
});

test("the committed subgraph SDL schema/subgraph.graphql matches the one built from the code (and _service serves)", async () => {
  const built = `${await subgraphSchemaSdl()}\n`;
  const committed = readFileSync(SUBGRAPH_FILE, "utf8");
  assert.equal(committed, built, "subgraph SDL drifted: run `npm run schema` and commit schema/subgraph.graphql");
  assert.match(committed, /type Customer implements Node\s+@key\(fields: "id"\)\s+@key\(fields: "customerNumber"\)/);
});

test("the committed permission snapshot schema/permissions.txt matches the rules in the code", async () => {
  await printableSchema();
  const committed = readFileSync(PERMISSIONS_FILE, "utf8");
  assert.equal(committed, permissionSnapshot(), "permissions changed: run `npm run schema`, review and commit schema/permissions.txt");
});

test("GraphQL field types inferred from TypeScript types are right (decorator metadata is emitted)", async () => {
  const schema = await printableSchema();
  const field = (type: string, name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name].type;
  // None of these fields names its type in the decorator: type-graphql reads design:type.
  assert.equal(String(field("Customer", "displayName")), "String!");
  assert.equal(String(field("Customer", "companyName")), "String");
  assert.equal(String(field("Contact", "emailConfirmed")), "Boolean!");
  assert.equal(String(field("Address", "street")), "String!");
  assert.equal(String(field("PageInfo", "hasNextPage")), "Boolean!");
  assert.ok(isNonNullType(field("Product", "plan")));
  assert.equal(getNamedType(field("Product", "plan")).name, "String");
});
