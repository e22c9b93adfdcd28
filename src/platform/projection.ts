import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from "graphql";
import type { Context } from "./context";
import type { RowSource } from "./loaders";

/**
 * Which columns each GraphQL field of a node type reads, so that a list reads only the columns
 * its query asks for: on a reseller's page of 50 customers, reading every column cost the
 * database and the row parser about a third of the request (README, "Performance").
 * A field that is not listed reads every column, so a field added later is never short of data.
 */
export interface Projection {
  /** Read in any case: keys, and what authorization and other modules' field resolvers read. */
  always: readonly string[];
  fields: Readonly<Record<string, readonly string[]>>;
}

/** The name a select-list entry has in the row: the alias of "x IS NOT NULL AS y", else the column. */
export const outputName = (column: string) => column.split(/\s+AS\s+/i).pop()!;

/**
 * The columns of `source` that a list must read for the selected fields; undefined (every
 * column) without a selection or with the projection lever off (PERF_LEVERS_OFF=projection).
 */
export function columnsFor<T>(ctx: Context, source: RowSource<T>, fields: ReadonlySet<string> | undefined): readonly string[] | undefined {
  if (!fields || !source.projection || !ctx.config.levers.projection) return undefined;
  return projectColumns(source.columns, source.projection, fields);
}

/** Column lists by content, so that equal selections share one list and so one loader. */
const interned = new Map<string, readonly string[]>();
const INTERNED_MAX = 1000;
/** Per selection (selectedFields' cached sets) and projection, the columns it reads. */
const projected = new WeakMap<ReadonlySet<string>, Map<Projection, readonly string[]>>();

/**
 * The entries of `columns` (in their order) that the selected fields read; all of them when a
 * selected field is not in the projection. Equal selections get the identical list.
 */
export function projectColumns(columns: readonly string[], projection: Projection, fields: ReadonlySet<string>): readonly string[] {
  let byProjection = projected.get(fields);
  if (!byProjection) projected.set(fields, (byProjection = new Map()));
  let result = byProjection.get(projection);
  if (!result) {
    result = narrow(columns, projection, fields);
    const key = result.join(",");
    const known = interned.get(key);
    if (known) result = known;
    else {
      if (interned.size >= INTERNED_MAX) interned.clear();
      interned.set(key, result);
    }
    byProjection.set(projection, result);
  }
  return result;
}

function narrow(columns: readonly string[], projection: Projection, fields: ReadonlySet<string>): readonly string[] {
  const wanted = new Set(projection.always);
  for (const field of fields) {
    if (field === "__typename") continue;
    const read = projection.fields[field];
    if (!read) return columns;
    for (const column of read) wanted.add(column);
  }
  return columns.filter((c) => wanted.has(outputName(c)));
}

/** Per field node of a parsed document (documents are cached, so are their nodes). */
const selections = new WeakMap<FieldNode, Set<string>>();

/**
 * The field names a resolver's result is asked for: of the list's items, or for a connection
 * (`connection: true`) of the nodes under `nodes` and `edges { node }`. Fragments are followed;
 * @include/@skip are not evaluated, which can only select more.
 */
export function selectedFields(info: GraphQLResolveInfo, connection = false): ReadonlySet<string> {
  // One resolver call per row of the parent list asks the same; the answer is kept per field node.
  const cacheable = info.fieldNodes.length === 1;
  const cached = cacheable ? selections.get(info.fieldNodes[0]) : undefined;
  if (cached) return cached;
  const names = new Set<string>();
  const collect = (set: SelectionSetNode | undefined, into: (name: string, sub: SelectionSetNode | undefined) => void) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) into(selection.name.value, selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, into);
      else collect(info.fragments[selection.name.value]?.selectionSet, into);
    }
  };
  const addNodeFields = (set: SelectionSetNode | undefined) => collect(set, (name) => names.add(name));
  for (const node of info.fieldNodes) {
    if (!connection) {
      addNodeFields(node.selectionSet);
      continue;
    }
    collect(node.selectionSet, (name, sub) => {
      if (name === "nodes") addNodeFields(sub);
      else if (name === "edges") collect(sub, (edgeField, nodeSet) => edgeField === "node" && addNodeFields(nodeSet));
    });
  }
  if (cacheable) selections.set(info.fieldNodes[0], names);
  return names;
}
