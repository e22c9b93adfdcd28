import { Field, ID, InterfaceType } from "type-graphql";

/** Node objects name their own type. Synchronous: graphql-jit does not await a resolveType. */
export const nodeTypeName = (value: { __typename?: string }): string | undefined => value.__typename;

/** Every major object has an opaque global id and can be fetched with `node(id:)`. */
@InterfaceType({ resolveType: nodeTypeName })
export abstract class Node {
  @Field(() => ID, { description: "Opaque global id; use it with node(id:)." })
  id: string;
}

/** Fields every node object carries besides its GraphQL fields. */
export interface NodeSource {
  __typename: string;
  /** The primary key; never exposed, used for batching. */
  dbId: number;
}
