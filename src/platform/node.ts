import { Field, ID, InterfaceType } from "type-graphql";

/** Every major object has an opaque global id and can be fetched with `node(id:)`. */
@InterfaceType({ resolveType: (value: { __typename?: string }) => value.__typename })
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
