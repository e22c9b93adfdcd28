// Patches: TypeORM's DataSource, by views over it (`Object.create(db)`) whose query runners carry
// a value. It relies on how DataSource and EntityManager find their query runners: `query` and
// `transaction` go through `this.manager` and `this.createQueryRunner()`, an EntityManager made by
// `createEntityManager` makes its runners through the DataSource it was made for (`this` here),
// and each runner has a `data` object that it hands, as itself, to the logger's logQuery.
// Written against typeorm 1.1.1 (package.json).
// Why: the request scope (src/platform/request-scope.ts) follows each request's statements
// this way instead of through an AsyncLocalStorage, which in Node 20 hooks every promise of the
// process: that cost 15 to 20 % of the CPU on the read benchmark (README, "Performance").
// Contract tests: test/library-patches.test.ts, "typeorm-datasource: …".

import { DataSource, EntityManager, QueryRunner } from "typeorm";

type Tagged = Record<symbol, unknown>;

const MANAGER = Symbol("konto.viewManager");
const viewPrototypes = new WeakMap<DataSource, Map<symbol, DataSource>>();

/**
 * A view of `db` carrying `value` under `key`: it reads everything through to `db`, and every
 * query runner made through it (view.query, view.transaction, view.manager, createQueryRunner)
 * has `runner.data[key] === value`. A view costs one object.
 */
export function taggedDataSource(db: DataSource, key: symbol, value: unknown): DataSource {
  const view = Object.create(viewPrototypeOf(db, key)) as DataSource & Tagged;
  view[key] = value;
  return view;
}

/** One prototype per DataSource and key holds what the views change. */
function viewPrototypeOf(db: DataSource, key: symbol): DataSource {
  let byKey = viewPrototypes.get(db);
  if (!byKey) viewPrototypes.set(db, (byKey = new Map()));
  let prototype = byKey.get(key);
  if (!prototype) {
    prototype = Object.create(db, {
      createQueryRunner: {
        value(this: DataSource & Tagged, mode?: "master" | "slave"): QueryRunner {
          const runner = db.createQueryRunner.call(this, mode);
          (runner.data as Tagged)[key] = this[key];
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
    byKey.set(key, prototype);
  }
  return prototype;
}
