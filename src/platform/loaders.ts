import DataLoader from "dataloader";
import { DataSource } from "typeorm";
import { readQuery } from "./db";
import { outputName, Projection } from "./projection";
import { decodeCursor, keysetCondition, OrderColumn, orderBySql, Page } from "./pagination";

type Row = Record<string, unknown>;
type CursorValues = ReturnType<typeof decodeCursor>;

/**
 * The request's DataLoaders. Each loader is made on first use by its factory (declared next to
 * the service that owns the table) and lives as long as the request, so that every relation is
 * fetched once per request for all parents together.
 */
export class Loaders {
  private readonly made = new Map<Function, Map<readonly string[] | undefined, unknown>>();

  constructor(private readonly db: DataSource) {}

  /**
   * The request's loader of this factory; with `columns`, one that reads only those. Lists of
   * columns come from projectColumns, which gives equal selections the identical list.
   */
  get<T>(factory: (db: DataSource, columns?: readonly string[]) => T, columns?: readonly string[]): T {
    let variants = this.made.get(factory);
    if (!variants) this.made.set(factory, (variants = new Map()));
    let loader = variants.get(columns) as T | undefined;
    if (loader === undefined) {
      loader = factory(this.db, columns);
      variants.set(columns, loader);
    }
    return loader;
  }

  /** Forgets every loaded row: after a commit, what a payload reads must be what was just written. */
  clear(): void {
    this.made.clear();
  }
}

/**
 * Which table a loader reads and the columns its mapper needs. Naming the columns keeps secrets
 * (hashes, PIN) out of memory and JSON columns out of temporary tables. Made by rowSource.
 */
export interface RowSource<T> {
  table: string;
  columns: readonly string[];
  map: (row: Row) => T;
  /** Lets list reads narrow `columns` to what the query selects; map must then bear missing columns. */
  projection?: Projection;
  /** Of `columns`, those a loader reads (a parent key) and `map` does not. */
  extra?: readonly string[];
}

const defined: RowSource<unknown>[] = [];

/**
 * A table's read columns, written once: the select list is `always`, then every field's columns,
 * then `extra` (deduplicated, in this order), and with `fields` the projection comes from the same
 * lists. An entry is a column or "expression AS name"; the mapper reads it by its name.
 * test/row-sources.test.ts holds every source made here against its mapper and the migrations.
 */
export function rowSource<T>(definition: {
  table: string;
  /** Read whatever a list selects: keys, and what authorization and other modules' resolvers read. Without `fields`, every column. */
  always: readonly string[];
  /** Per GraphQL field of the node, the columns its value is made of. */
  fields?: Readonly<Record<string, readonly string[]>>;
  /** Read in any case for the loader (a parent key), not by `map`. */
  extra?: readonly string[];
  map: (row: Row) => T;
}): RowSource<T> {
  const { table, always, fields, extra = [], map } = definition;
  const columns = [...new Set([...always, ...Object.values(fields ?? {}).flat(), ...extra])];
  const source: RowSource<T> = { table, columns, map };
  if (fields) {
    // The projection matches entries by the name they have in the row (projection.ts, narrow).
    const names = (entries: readonly string[]) => entries.map(outputName);
    source.projection = {
      always: names([...always, ...extra]),
      fields: Object.fromEntries(Object.entries(fields).map(([field, entries]) => [field, names(entries)])),
    };
  }
  if (extra.length) source.extra = extra;
  defined.push(source as RowSource<unknown>);
  return source;
}

/** Every source rowSource made, in the order their modules were loaded. */
export const rowSources = (): readonly RowSource<unknown>[] => defined;

const selectList = (columns: readonly string[], alias = "") => columns.map((c) => `${alias}${c}`).join(", ");

/** A loader of single rows by a unique column, one `IN (...)` statement per batch. */
export function rowLoader<T>(db: DataSource, source: RowSource<T>, column: string) {
  const { table, columns, map } = source;
  return new DataLoader<number | string, T | null>(async (keys) => {
    const rows: Row[] = await readQuery(db, `SELECT ${selectList(columns)} FROM ${table} WHERE ${column} IN (?)`, [keys]);
    const byKey = new Map(rows.map((r) => [String(r[column]), map(r)]));
    return keys.map((k) => byKey.get(String(k)) ?? null);
  });
}

/**
 * A loader of all child rows per parent id (small, unpaginated lists), one statement per batch.
 * `where` narrows the rows; its parameters are computed per batch.
 */
export function childrenLoader<T>(
  db: DataSource,
  source: RowSource<T>,
  parentColumn: string,
  order: OrderColumn[],
  where?: () => { sql: string; params: unknown[] },
  columns: readonly string[] = source.columns,
) {
  const { table, map } = source;
  return new DataLoader<number, T[]>(async (parentIds) => {
    const filter = where?.();
    const rows: Row[] = await readQuery(
      db,
      `SELECT ${selectList(columns)} FROM ${table} WHERE ${parentColumn} IN (?)${filter ? ` AND (${filter.sql})` : ""} ORDER BY ${parentColumn}, ${orderBySql(order)}`,
      [parentIds, ...(filter?.params ?? [])],
    );
    const byParent = new Map<number, T[]>();
    for (const row of rows) {
      const key = Number(row[parentColumn]);
      let list = byParent.get(key);
      if (!list) byParent.set(key, (list = []));
      list.push(map(row));
    }
    return parentIds.map((id) => byParent.get(id) ?? []);
  });
}

export interface ChildPageArgs {
  first: number;
  after?: string;
  /** Extra filter on the child table, e.g. a status; part of the batch key. */
  filter?: { sql: string; params: unknown[] };
}

export interface ChildPageKey {
  parentId: number;
  args: ChildPageArgs;
}

/**
 * A loader of one connection page per parent. All parents asking with the same arguments share
 * one statement: window functions number each parent's rows and count them (totalCount before
 * the cursor is applied), so the page size does not change the number of statements. The
 * windows run over the key columns only; the page's rows are joined back by primary key.
 */
export function childPageLoader<T>(
  db: DataSource,
  source: RowSource<T>,
  parentColumn: string,
  order: OrderColumn[],
  columns: readonly string[] = source.columns,
) {
  const { table, map } = source;
  const keyColumns = [...new Set(["id", parentColumn, ...order.map((o) => o.column)])];
  const argsKey = (a: ChildPageArgs) => JSON.stringify([a.first, a.after ?? null, a.filter ?? null]);

  // One parent (a customer's own page): an index range read with LIMIT and a counted subquery
  // costs the database about a third of the window statement below.
  const ownPage = (parentId: number, args: ChildPageArgs, cursor: CursorValues | undefined): Promise<Row[]> => {
    const after = cursor ? keysetCondition(order, cursor) : undefined;
    const of = childrenOf(parentColumn, parentId, args);
    return readQuery(
      db,
      `SELECT ${selectList(columns)}, (SELECT COUNT(*) FROM ${table} WHERE ${of.sql}) AS _total` +
        ` FROM ${table} WHERE ${of.sql}${after ? ` AND ${after.sql}` : ""} ORDER BY ${orderBySql(order)} LIMIT ?`,
      [...of.params, ...of.params, ...(after?.params ?? []), args.first + 1],
    );
  };
  const windowPages = (parentIds: number[], args: ChildPageArgs, cursor: CursorValues | undefined): Promise<Row[]> => {
    const after = cursor ? keysetCondition(order, cursor, "t.") : undefined;
    const sql =
      `SELECT ${selectList(columns, "c.")}, p._total FROM (` +
      ` SELECT t.id, t._total, ROW_NUMBER() OVER (PARTITION BY t.${parentColumn} ORDER BY ${orderBySql(order, "t.")}) AS _rn FROM (` +
      `  SELECT ${selectList(keyColumns, "x.")}, COUNT(*) OVER (PARTITION BY x.${parentColumn}) AS _total FROM ${table} x` +
      `  WHERE x.${parentColumn} IN (?)${args.filter ? ` AND (${args.filter.sql})` : ""}` +
      ` ) t${after ? ` WHERE ${after.sql}` : ""}` +
      `) p JOIN ${table} c ON c.id = p.id WHERE p._rn <= ? ORDER BY c.${parentColumn}, p._rn`;
    return readQuery(db, sql, [parentIds, ...(args.filter?.params ?? []), ...(after?.params ?? []), args.first + 1]);
  };

  return new DataLoader<ChildPageKey, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, { args: ChildPageArgs; parentIds: number[] }>();
      for (const key of keys) {
        const k = argsKey(key.args);
        const group = groups.get(k) ?? { args: key.args, parentIds: [] };
        group.parentIds.push(key.parentId);
        groups.set(k, group);
      }
      const pages = new Map<string, Page<T>>();
      await Promise.all(
        [...groups.entries()].map(async ([k, { args, parentIds }]) => {
          const cursor = args.after ? decodeCursor(args.after, order) : undefined;
          const rows = parentIds.length === 1 ? await ownPage(parentIds[0], args, cursor) : await windowPages(parentIds, args, cursor);
          const byParent = new Map<number, { nodes: T[]; keys: (string | number)[]; total: number }>();
          for (const row of rows) {
            const parentId = parentIds.length === 1 ? parentIds[0] : Number(row[parentColumn]);
            let entry = byParent.get(parentId);
            if (!entry) byParent.set(parentId, (entry = { nodes: [], keys: [], total: Number(row._total) }));
            entry.nodes.push(map(row));
            for (const { column } of order) entry.keys.push(row[column] as string | number);
          }
          for (const parentId of parentIds) {
            const entry = byParent.get(parentId);
            // A parent with rows only before the cursor has none here; its total is then unknown
            // from this statement, so it is counted once on demand.
            const total = entry ? entry.total : cursor ? () => countChildren(db, table, parentColumn, parentId, args) : 0;
            pages.set(`${parentId}|${k}`, new Page(entry?.nodes ?? [], entry?.keys ?? [], args.first, !!cursor, total));
          }
        }),
      );
      return keys.map((key) => pages.get(`${key.parentId}|${argsKey(key.args)}`)!);
    },
    { cacheKeyFn: (key) => `${key.parentId}|${argsKey(key.args)}` },
  );
}

/** The rows of one parent that a page's filter keeps, as SQL (unqualified columns). */
function childrenOf(parentColumn: string, parentId: number, args: ChildPageArgs): { sql: string; params: unknown[] } {
  return {
    sql: `${parentColumn} = ?${args.filter ? ` AND (${args.filter.sql})` : ""}`,
    params: [parentId, ...(args.filter?.params ?? [])],
  };
}

async function countChildren(db: DataSource, table: string, parentColumn: string, parentId: number, args: ChildPageArgs) {
  const of = childrenOf(parentColumn, parentId, args);
  const rows: Row[] = await readQuery(db, `SELECT COUNT(*) AS n FROM ${table} WHERE ${of.sql}`, of.params);
  return Number(rows[0].n);
}
