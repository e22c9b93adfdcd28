import { Max, MaxLength, Min } from "class-validator";
import { ArgsType, ClassType, Field, Int, ObjectType } from "type-graphql";
import { badInput } from "./errors";

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: `At most ${MAX_PAGE_SIZE}.` })
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number;

  @Field({ nullable: true, description: "The endCursor of the previous page." })
  @MaxLength(200)
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field({ nullable: true })
  startCursor?: string;

  @Field({ nullable: true })
  endCursor?: string;
}

/** One column of a keyset order; the last one must be unique (the primary key). */
export interface OrderColumn {
  column: string;
  desc?: boolean;
}

type CursorValue = string | number;

export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, order: OrderColumn[]): CursorValue[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== order.length || !values.every((v) => typeof v === "string" || typeof v === "number")) {
    throw badInput("after is not a cursor of this list", { field: "after" });
  }
  return values as CursorValue[];
}

/** SQL for "rows after this cursor" in the given order: (a < ?) OR (a = ? AND b > ?) ... */
export function keysetCondition(order: OrderColumn[], values: CursorValue[], alias = ""): { sql: string; params: CursorValue[] } {
  const col = (i: number) => `${alias}${order[i].column}`;
  const ors: string[] = [];
  const params: CursorValue[] = [];
  for (let i = 0; i < order.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      ands.push(`${col(j)} = ?`);
      params.push(values[j]);
    }
    ands.push(`${col(i)} ${order[i].desc ? "<" : ">"} ?`);
    params.push(values[i]);
    ors.push(`(${ands.join(" AND ")})`);
  }
  return { sql: `(${ors.join(" OR ")})`, params };
}

export function orderBySql(order: OrderColumn[], alias = ""): string {
  return order.map((o) => `${alias}${o.column} ${o.desc ? "DESC" : "ASC"}`).join(", ");
}

/**
 * A page of a connection. `nodes` may hold one more than `first`: that extra one only tells that
 * a next page exists. `keys` are the nodes' sort keys, flat and in order (each node's values of
 * the order's columns, so one value per node for an order by id): no object per row, as a page of
 * products is read for each of 50 customers. totalCount may be known already or computed on demand.
 */
export class Page<T> {
  readonly nodes: T[];
  /** Keys of the visible nodes, flat; encoded only when a cursor is asked for (most pages show none). */
  private readonly keys: CursorValue[];
  /** Values per key. */
  private readonly width: number;
  private readonly hasNextPage: boolean;

  constructor(
    nodes: T[],
    keys: CursorValue[],
    first: number,
    private readonly hadCursor: boolean,
    private readonly count: number | (() => Promise<number>),
  ) {
    this.width = nodes.length ? keys.length / nodes.length : 0;
    this.hasNextPage = nodes.length > first;
    this.nodes = this.hasNextPage ? nodes.slice(0, first) : nodes;
    this.keys = this.hasNextPage ? keys.slice(0, first * this.width) : keys;
  }

  private key(index: number): CursorValue[] {
    return this.keys.slice(index * this.width, (index + 1) * this.width);
  }

  get pageInfo(): PageInfo {
    const last = this.nodes.length - 1;
    return {
      hasNextPage: this.hasNextPage,
      hasPreviousPage: this.hadCursor,
      startCursor: last >= 0 ? encodeCursor(this.key(0)) : undefined,
      endCursor: last >= 0 ? encodeCursor(this.key(last)) : undefined,
    };
  }

  get edges(): { cursor: string; node: T }[] {
    return this.nodes.map((node, i) => ({ cursor: encodeCursor(this.key(i)), node }));
  }

  get totalCount(): number | Promise<number> {
    return typeof this.count === "number" ? this.count : this.count();
  }
}

/** Declares `<Name>Connection` and `<Name>Edge` object types for a node type. */
export function connectionOf<T extends object>(Node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => Node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [Node], { description: "The nodes of edges, for clients that need no cursors." })
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    // Not a plain property read (simpleResolvers): Page computes it, possibly with a query.
    @Field(() => Int, { description: "All items matching the filter, across pages.", simple: false })
    totalCount: number;
  }
  return Connection;
}
