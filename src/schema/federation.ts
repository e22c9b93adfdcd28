import { buildSubgraphSchema, printSubgraphSchema } from "@apollo/subgraph";
import {
  DirectiveNode,
  DocumentNode,
  GraphQLError,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  Kind,
  ObjectTypeDefinitionNode,
  parse,
  printSchema,
  valueFromASTUntyped,
  visit,
} from "graphql";
import { forbidden, unauthenticated } from "../access/access";
import { CustomerService } from "../customers/customer.service";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { nodeTypeName } from "../platform/node";
import { authorizedNode, NODE_TYPES, NodeOf } from "./node-access";

/**
 * Konto as an Apollo Federation v2 subgraph, on the same /graphql endpoint: the entity types with
 * their keys, `_service { sdl }` and `_entities`. The fields are added to the built schema (with
 * the same resolvers, field rules and executor as every other field) rather than rebuilding the
 * schema through @apollo/subgraph, so standalone requests run exactly as before.
 */

/** The entities and their keys: the global id, and for customers also the customer number. */
export const ENTITY_KEYS: Record<string, string[]> = {
  Customer: ["id", "customerNumber"],
  Contact: ["id"],
  Product: ["id"],
  Invoice: ["id"],
};

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;

const keyDirective = (fields: string): DirectiveNode => ({
  kind: Kind.DIRECTIVE,
  name: { kind: Kind.NAME, value: "key" },
  arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "fields" }, value: { kind: Kind.STRING, value: fields } }],
});

/** The subgraph SDL of a Konto schema (without the federation fields): its types, the entities' @key, the federation link. */
export function subgraphSdl(schema: GraphQLSchema): string {
  const withKeys = visit(parse(printSchema(schema)), {
    ObjectTypeDefinition(node: ObjectTypeDefinitionNode) {
      const keys = ENTITY_KEYS[node.name.value];
      return keys ? { ...node, directives: [...(node.directives ?? []), ...keys.map(keyDirective)] } : undefined;
    },
  }) as DocumentNode;
  const document: DocumentNode = { ...withKeys, definitions: [...parse(FEDERATION_LINK).definitions, ...withKeys.definitions] };
  // Built once by @apollo/subgraph, which checks it is a valid subgraph and prints it in its form.
  return printSubgraphSchema(buildSubgraphSchema(document));
}

type Representation = { __typename?: unknown; id?: unknown; customerNumber?: unknown };

const AnyScalar = new GraphQLScalarType({
  name: "_Any",
  description: "An entity representation: __typename and the fields of one of its @key.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});

const ServiceType = new GraphQLObjectType({
  name: "_Service",
  fields: { sdl: { type: GraphQLString } },
});

/**
 * One representation, fetched through the request's loaders (all representations of a request
 * are resolved together, so each type costs one statement) and authorized as `node(id:)` is,
 * with the same refusal. A key of another type, or one that is not a global id of its type,
 * is refused like an unknown id.
 */
async function entityOf(ctx: Context, representation: Representation): Promise<NodeOf | null> {
  const typeName = typeof representation.__typename === "string" ? representation.__typename : "";
  if (!ENTITY_KEYS[typeName]) return authorizedNode(ctx, "", null, null);
  if (typeName === "Customer" && typeof representation.customerNumber === "string" && representation.id === undefined) {
    const customer = await CustomerService.byNumber(ctx, representation.customerNumber);
    return authorizedNode(ctx, typeName, customer?.dbId ?? null, customer);
  }
  const parsed = typeof representation.id === "string" ? parseGlobalId(representation.id) : null;
  const id = parsed?.type === typeName ? parsed.id : null;
  const node = id === null ? null : await NODE_TYPES[typeName].fetch(ctx, id);
  return authorizedNode(ctx, typeName, id, node);
}

/**
 * The Konto schema with `_service` and `_entities` on Query. Each refused representation is an
 * error at its own index (`_entities[i]`), the others resolve: FORBIDDEN exactly as node() says it.
 */
export function withFederation(schema: GraphQLSchema, sdl: string): GraphQLSchema {
  const config = schema.toConfig();
  const entityTypes = Object.keys(ENTITY_KEYS).map((name) => schema.getType(name) as GraphQLObjectType);
  const EntityUnion = new GraphQLUnionType({ name: "_Entity", types: entityTypes, resolveType: nodeTypeName });
  const queryConfig = config.query!.toConfig();
  const query = new GraphQLObjectType({
    ...queryConfig,
    fields: {
      ...queryConfig.fields,
      _service: {
        type: new GraphQLNonNull(ServiceType),
        description: "Federation: this subgraph's SDL.",
        // Like introspection: open outside production; in production for staff (a gateway's credential) only.
        resolve: (_root, _args, ctx: Context) => {
          if (!ctx.config.graphql.introspection && ctx.principal.kind !== "staff") {
            throw ctx.principal.kind === "anonymous" ? unauthenticated() : forbidden();
          }
          return { sdl };
        },
      },
      _entities: {
        type: new GraphQLNonNull(new GraphQLList(EntityUnion)),
        description: "Federation: entities by their keys, authorized as node(id:) is.",
        args: { representations: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(AnyScalar))) } },
        resolve: (_root, args: { representations: Representation[] }, ctx: Context) => {
          if (ctx.principal.kind === "anonymous") throw unauthenticated();
          return Promise.all(
            args.representations.map((representation) =>
              entityOf(ctx, representation).catch((error: unknown) => (error instanceof Error ? error : new GraphQLError(String(error)))),
            ),
          );
        },
      },
    },
  });
  return new GraphQLSchema({
    ...config,
    query,
    types: [...config.types.filter((t) => t.name !== query.name), query, AnyScalar, ServiceType, EntityUnion],
  });
}
