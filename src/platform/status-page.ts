import { DataSource } from "typeorm";
import { readQuery } from "./db";
import { RowSource } from "./loaders";
import { decodeCursor, keysetCondition, OrderColumn, Page, PageArgs } from "./pagination";
import { Row } from "./rows";

/** A page of a staff work list, optionally of one status: each module's args type gives `status` its own enum. */
export type StatusPageArgs = PageArgs & { status?: string };

const NEWEST_FIRST: OrderColumn[] = [{ column: "id", desc: true }];

/**
 * A work list: the requests in a table with a `status`, newest first, optionally of one status;
 * of every customer (staff), or of those `scope` keeps (SQL on the table's columns, e.g. a reseller's).
 */
export async function statusPage<T>(
  db: DataSource,
  source: RowSource<T>,
  args: StatusPageArgs,
  scope: { sql: string; params: unknown[] } = { sql: "TRUE", params: [] },
): Promise<Page<T>> {
  const where = args.status
    ? { sql: `status = ? AND (${scope.sql})`, params: [args.status, ...scope.params] }
    : { sql: `(${scope.sql})`, params: scope.params };
  const after = args.after ? keysetCondition(NEWEST_FIRST, decodeCursor(args.after, NEWEST_FIRST)) : null;
  const rows = await readQuery<Row[]>(
    db,
    `SELECT ${source.columns.join(", ")} FROM ${source.table} WHERE ${where.sql}${after ? ` AND ${after.sql}` : ""} ORDER BY id DESC LIMIT ?`,
    [...where.params, ...(after?.params ?? []), args.first + 1],
  );
  return new Page(
    rows.map((r) => source.map(r)),
    rows.map((r) => r.id),
    args.first,
    !!args.after,
    async () => Number((await readQuery<Row[]>(db, `SELECT COUNT(*) AS n FROM ${source.table} WHERE ${where.sql}`, where.params))[0].n),
  );
}
