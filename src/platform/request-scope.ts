import { DataSource, EntityManager, QueryRunner } from "typeorm";

/** What follows one request through its statements: its id and how many SQL statements it ran. */
export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** Set by the GraphQL layer for the request log line and metrics. */
  operation?: string | null;
  /** "query", "mutation" …: read queries may go to a replica, everything else to the primary. */
  operationType?: string;
  errors?: number;
}

const SCOPE = Symbol("konto.requestScope");

type Scoped = { [SCOPE]?: RequestScope };

/**
 * The request's view of the DataSource: it reads everything through to `db`, and every query
 * runner made through it (db.query, db.transaction, its manager) carries `scope`, so that the
 * statement logger counts per request and audit and outbox rows get the request id.
 *
 * This replaces an AsyncLocalStorage: in Node 20 it hooks every promise of the process, which
 * cost 15 to 20 % of the CPU on the read benchmark (README, "Performance").
 */
export function scopedDataSource(db: DataSource, scope: RequestScope): DataSource {
  const view = Object.create(viewPrototypeOf(db)) as DataSource & Scoped;
  view[SCOPE] = scope;
  return view;
}

const MANAGER = Symbol("konto.viewManager");
const viewPrototypes = new WeakMap<DataSource, DataSource>();

/** One prototype per DataSource holds what the views change, so that a view costs one object. */
function viewPrototypeOf(db: DataSource): DataSource {
  let prototype = viewPrototypes.get(db);
  if (!prototype) {
    prototype = Object.create(db, {
      createQueryRunner: {
        value(this: DataSource & Scoped, mode?: "master" | "slave"): QueryRunner {
          const runner = db.createQueryRunner.call(this, mode);
          (runner.data as Scoped)[SCOPE] = this[SCOPE];
          return runner;
        },
      },
      // DataSource.transaction and query go through `this.manager`; a view's makes the view's runners.
      manager: {
        get(this: DataSource & { [MANAGER]?: EntityManager }) {
          return (this[MANAGER] ??= db.createEntityManager.call(this));
        },
      },
    }) as DataSource;
    viewPrototypes.set(db, prototype);
  }
  return prototype;
}

/** The scope of a request's DataSource view, of a transaction's manager, or of a query runner. */
export function scopeOf(source: DataSource | EntityManager | QueryRunner | undefined): RequestScope | undefined {
  if (!source) return undefined;
  if (source instanceof EntityManager) return scopeOf(source.queryRunner) ?? (source.connection as Scoped)[SCOPE];
  if ("data" in source && source.data) return (source.data as Scoped)[SCOPE];
  return (source as Scoped)[SCOPE];
}
