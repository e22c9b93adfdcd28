import { DataSource, EntityManager, QueryRunner } from "typeorm";
import { taggedDataSource } from "../library-patches/typeorm-datasource";

/** What follows one request through its statements: its id and how many SQL statements it ran. */
export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** Set by the GraphQL layer for the request log line and metrics. */
  operation?: string | null;
  /** "query", "mutation" …: read queries may go to a replica, everything else to the primary. */
  operationType?: string;
  /** Set for query operations when replicas are configured and the caller has not just written: readQuery may use a replica. */
  replicaReads?: boolean;
  errors?: number;
  /**
   * The outcome of the caller's revocation check, which may still be running (GraphQL): a query
   * runs alongside it, but its answer, a mutation and every unit of work wait for it, and rethrow
   * its refusal. Calling it sends the check at once if it is still gathering (Revocations).
   */
  callerLive?: () => Promise<void>;
}

const SCOPE = Symbol("konto.requestScope");

type Scoped = { [SCOPE]?: RequestScope };

/**
 * The request's view of the DataSource: it reads everything through to `db`, and every query
 * runner made through it (db.query, db.transaction, its manager) carries `scope`, so that the
 * statement logger counts per request and audit and outbox rows get the request id.
 *
 * This replaces an AsyncLocalStorage: in Node 20 it hooks every promise of the process, which
 * cost 15 to 20 % of the CPU on the read benchmark (README, "Performance"). How the view works
 * with TypeORM: src/library-patches/typeorm-datasource.ts.
 */
export function scopedDataSource(db: DataSource, scope: RequestScope): DataSource {
  return taggedDataSource(db, SCOPE, scope);
}

/** The scope of a request's DataSource view, of a transaction's manager, or of a query runner. */
export function scopeOf(source: DataSource | EntityManager | QueryRunner | undefined): RequestScope | undefined {
  if (!source) return undefined;
  if (source instanceof EntityManager) return scopeOf(source.queryRunner) ?? (source.connection as Scoped)[SCOPE];
  if ("data" in source && source.data) return (source.data as Scoped)[SCOPE];
  return (source as Scoped)[SCOPE];
}
