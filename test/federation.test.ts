import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { toGlobalId } from "../src/platform/global-id";
import { seedDemoData } from "../src/seed/demo-data";
import { freePort, GqlResponse, startTestApp, TestApp } from "./support/harness";

// Konto as a federation subgraph: composed by @apollo/gateway with a small ticketing subgraph
// defined here, queried across both; _entities authorized like node().
let t: TestApp;
let tickets: ApolloServer;
let gateway: ApolloServer<{ authorization?: string }>;
let gatewayUrl = "";
let resellerA: AuthenticatedPrincipal;
const A = { id: 0, gid: "", number: "", name: "" };
const B = { id: 0, gid: "", number: "" };

/** The second subgraph: tickets of a provider's help desk, which knows customers by their number. */
function ticketSubgraph() {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Ticket { id: ID! subject: String! customer: Customer }
    type Customer @key(fields: "customerNumber") { customerNumber: String! tickets: [Ticket!]! }
    type Query { tickets: [Ticket!]! }
  `);
  const all = () => [
    { id: "T-1", subject: "Router down", customer: { customerNumber: A.number } },
    { id: "T-2", subject: "Invoice question", customer: { customerNumber: B.number } },
  ];
  const resolvers = {
    Query: { tickets: all },
    Customer: {
      __resolveReference: (ref: { customerNumber: string }) => ref,
      tickets: (c: { customerNumber: string }) => all().filter((x) => x.customer.customerNumber === c.customerNumber),
    },
  };
  return buildSubgraphSchema({ typeDefs, resolvers } as never);
}

async function viaGateway(query: string, headers: Record<string, string>): Promise<GqlResponse> {
  const response = await fetch(gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse["body"] };
}

before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 3 });
  const reseller = await t.app.db.query("INSERT INTO resellers (name, email) VALUES ('Federation Reseller', 'fed@reseller.example')");
  const rows: { id: number; customer_number: string; company_name: string | null }[] = await t.app.db.query(
    "SELECT id, customer_number, company_name FROM customers ORDER BY id LIMIT 2",
  );
  await t.app.db.query("UPDATE customers SET reseller_id = ? WHERE id = ?", [reseller.insertId, rows[0].id]);
  await t.app.db.query("UPDATE customers SET reseller_id = NULL WHERE id = ?", [rows[1].id]);
  Object.assign(A, { id: rows[0].id, gid: toGlobalId("Customer", rows[0].id), number: rows[0].customer_number });
  Object.assign(B, { id: rows[1].id, gid: toGlobalId("Customer", rows[1].id), number: rows[1].customer_number });
  resellerA = { kind: "reseller", resellerId: Number(reseller.insertId), userId: null, clientId: 1, label: "reseller", sessionId: null };

  tickets = new ApolloServer({ schema: ticketSubgraph() });
  const ticketsPort = await freePort();
  const { url: ticketsUrl } = await startStandaloneServer(tickets, { listen: { port: ticketsPort, host: "127.0.0.1" } });

  gateway = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: new IntrospectAndCompose({
        subgraphs: [
          { name: "konto", url: `${t.url}/graphql` },
          { name: "tickets", url: ticketsUrl },
        ],
      }),
      // The caller's token goes on to the subgraphs: Konto authorizes every entity as usual.
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<{ authorization?: string }>({
          url,
          willSendRequest({ request, context }) {
            if (context.authorization) request.http?.headers.set("authorization", context.authorization);
          },
        }),
    }),
  });
  const gatewayPort = await freePort();
  ({ url: gatewayUrl } = await startStandaloneServer(gateway, {
    listen: { port: gatewayPort, host: "127.0.0.1" },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  }));
});
after(async () => {
  await gateway?.stop();
  await tickets?.stop();
  await t?.stop();
});

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id customerNumber } ... on Contact { id } } }`;

describe("federation", () => {
  test("a gateway composes Konto with a second subgraph and runs queries that span both", async () => {
    const staff = {
      authorization: `Bearer ${await t.tokenFor({ kind: "staff", userId: 1, role: "ADMIN" as never, label: "staff", sessionId: null })}`,
    };
    const res = await viaGateway(`{ tickets { subject customer { customerNumber displayName } } }`, staff);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const [first] = res.body.data.tickets;
    assert.equal(first.subject, "Router down");
    assert.equal(first.customer.customerNumber, A.number);
    assert.ok(first.customer.displayName, "displayName comes from Konto");

    const back = await viaGateway(`{ customer(id: "${A.gid}") { displayName tickets { subject } } }`, staff);
    assert.equal(back.body.errors, undefined, JSON.stringify(back.body.errors));
    assert.deepEqual(back.body.data.customer.tickets, [{ subject: "Router down" }]);
  });

  test("through the gateway a reseller gets its own customer and FORBIDDEN for another's", async () => {
    const res = await viaGateway(`{ tickets { subject customer { displayName email } } }`, await t.as(resellerA));
    const [own, foreign] = res.body.data.tickets;
    assert.ok(own.customer.displayName, JSON.stringify(res.body));
    assert.equal(foreign.customer, null, "another's customer is not shown");
    assert.deepEqual(
      (res.body.errors ?? []).map((e) => e.extensions?.code),
      ["FORBIDDEN"],
      JSON.stringify(res.body.errors),
    );
  });

  test("_entities refuses foreign and unknown keys exactly as node() does, per entity", async () => {
    const reseller = await t.as(resellerA);
    const res = await t.gql(
      ENTITIES,
      {
        r: [
          { __typename: "Customer", id: A.gid },
          { __typename: "Customer", id: B.gid },
          { __typename: "Customer", id: toGlobalId("Customer", 999999) },
          { __typename: "Customer", customerNumber: B.number },
          { __typename: "Customer", id: toGlobalId("Contact", 1) },
        ],
      },
      reseller,
    );
    assert.deepEqual(res.body.data!._entities[0], { id: A.gid, customerNumber: A.number });
    assert.deepEqual(res.body.data!._entities.slice(1), [null, null, null, null]);
    const node = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: B.gid }, reseller);
    const refusal = (e: { message: string; extensions?: Record<string, unknown> }) => [e.message, e.extensions?.code];
    const byIndex = new Map((res.body.errors ?? []).map((e) => [e.path?.[1], refusal(e)]));
    for (const i of [1, 2, 3, 4]) assert.deepEqual(byIndex.get(i as never), refusal(node.body.errors![0]), `representation ${i}`);
    assert.equal(node.body.errors![0].extensions?.code, "FORBIDDEN");

    const anonymous = await t.gql(ENTITIES, { r: [{ __typename: "Customer", id: A.gid }] }, { authorization: "" });
    assert.equal(anonymous.body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
  });

  test("_entities resolves in batches: ten customers cost the statements of one", async () => {
    const customers: { id: number }[] = await t.app.db.query("SELECT id FROM customers ORDER BY id LIMIT 10");
    const count = async (ids: number[]) => {
      const res = await t.gql(ENTITIES, { r: ids.map((id) => ({ __typename: "Customer", id: toGlobalId("Customer", id) })) });
      assert.equal(res.body.errors, undefined);
      assert.equal(res.body.data!._entities.length, ids.length);
      return Number(res.headers.get("x-sql-statements"));
    };
    assert.ok(customers.length >= 3);
    assert.equal(await count(customers.map((c) => c.id)), await count([customers[0].id]));
  });
});
