import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApolloServer, HeaderMap } from "@apollo/server";
import type { GatewayExecutor, GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { IsEmail } from "class-validator";
import { buildSchema as buildSdlSchema, GraphQLError, GraphQLObjectType, GraphQLSchema, parse } from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  buildSchema,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  InterfaceType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  UseMiddleware,
} from "type-graphql";
import { DataSource, QueryFailedError, QueryRunner } from "typeorm";
import { jitGateway } from "../src/library-patches/apollo-executor";
import { hasValidationRules } from "../src/library-patches/class-validator";
import { poolConnectionCounts } from "../src/library-patches/mysql2-pool";
import { failedStatementIndex } from "../src/library-patches/mysql2-query";
import {
  AuthorizedRules,
  buildWithoutAuthorizedMiddleware,
  typeGraphqlMetadata,
  useDirectParams,
  useSyncResolveType,
  withSimpleResolvers,
} from "../src/library-patches/type-graphql";
import { taggedDataSource } from "../src/library-patches/typeorm-datasource";
import {
  createPrimaryPool,
  initEveryPooledConnection,
  obtainPooledConnection,
  PooledConnection,
} from "../src/library-patches/typeorm-mysql";
import { endReadBatches } from "../src/platform/read-batches";
import { dropDatabase, ensureDatabase, readQuery } from "../src/platform/db";
import { MYSQL_SERVER, REDIS_URL, removeQueuePrefix, uniqueName } from "./support/harness";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { stopLockRenewal } from "../src/library-patches/bullmq-worker";

// Contract tests of src/library-patches/: each patch relies on something below a library's
// public API, and each test here asserts that the library still behaves that way, so that an
// upgrade that renames or changes it fails here, naming the patch, instead of somewhere else.

const DATABASE_URL = `${MYSQL_SERVER}/${uniqueName("patches")}`;
const sources: DataSource[] = [];

/** A DataSource over this file's database, closed after the tests. Not initialized: patches that hook the driver go first. */
function dataSource(options: { poolSize?: number; replicated?: boolean; logger?: Partial<QueryLogger> } = {}): DataSource {
  const db = new DataSource({
    type: "mysql",
    ...(options.replicated ? { replication: { master: { url: DATABASE_URL }, slaves: [{ url: DATABASE_URL }] } } : { url: DATABASE_URL }),
    poolSize: options.poolSize ?? 3,
    logger: { ...QUIET, ...options.logger },
  });
  sources.push(db);
  return db;
}

type QueryLogger = {
  logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner): void;
  logQueryError(): void;
  logQuerySlow(): void;
  logSchemaBuild(): void;
  logMigration(): void;
  log(): void;
};
const QUIET: QueryLogger = { logQuery() {}, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} };

/** Runs one statement on a pooled connection through mysql2's callback API, as readQuery does. */
function callbackQuery<T>(connection: PooledConnection, sql: string, params: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) => connection.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T))));
}

before(() => ensureDatabase(DATABASE_URL));
after(async () => {
  // Also the pools of a DataSource whose initialize failed: left open, they would keep the run from ending.
  for (const db of sources) {
    await endReadBatches(db);
    await (db.isInitialized ? db.destroy() : db.driver.disconnect()).catch(() => undefined);
  }
  await dropDatabase(DATABASE_URL);
});

describe("typeorm-mysql: TypeORM's MysqlDriver internals", () => {
  test("obtainMasterConnection gives a pooled mysql2 connection with query(sql, params, callback) and release() (obtainPooledConnection, used by readQuery)", async () => {
    const db = dataSource();
    await db.initialize();
    const driver = db.driver as unknown as Record<string, unknown>;
    for (const method of ["obtainMasterConnection", "prepareDbConnection"]) {
      assert.equal(
        typeof driver[method],
        "function",
        `typeorm-mysql.ts obtainPooledConnection (readQuery): MysqlDriver has no ${method} any more`,
      );
    }
    const connection = await obtainPooledConnection(db);
    assert.equal(
      typeof connection.release,
      "function",
      "typeorm-mysql.ts obtainPooledConnection: the connection has no release() (readQuery would leak it)",
    );
    const rows = await callbackQuery<{ answer: number }[]>(connection, "SELECT ? + 1 AS answer", [41]);
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ answer: 42 }],
      "typeorm-mysql.ts obtainPooledConnection: query(sql, params, callback) no longer answers rows with bound parameters",
    );
    await assert.rejects(
      callbackQuery(connection, "SELECT * FROM no_such_table"),
      (error: { code?: string }) => error.code === "ER_NO_SUCH_TABLE",
      "typeorm-mysql.ts obtainPooledConnection: a failing statement no longer calls back with mysql2's error (code) that readQuery wraps",
    );
    connection.release();
    // The caller as a whole: rows, and QueryFailedError with the driver's code, as through TypeORM.
    assert.deepEqual((await readQuery<{ one: number }[]>(db, "SELECT 1 AS one", []))[0].one, 1);
    await assert.rejects(readQuery(db, "SELECT * FROM no_such_table", []), (error) => error instanceof QueryFailedError);
  });

  test("createConnectionOptions gives the options the driver makes its pool with, also with replication (createPrimaryPool, the read batches' pool)", async () => {
    for (const replicated of [false, true]) {
      const db = dataSource({ replicated });
      await db.initialize();
      const pool = createPrimaryPool(db, { multipleStatements: true });
      try {
        const connection = await new Promise<PooledConnection>((resolve, reject) =>
          pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
        );
        const results = await callbackQuery<{ big: string; db: string }[][]>(
          connection,
          "SELECT CAST(? AS UNSIGNED) AS big; SELECT DATABASE() AS db",
          ["9007199254740993"],
        );
        connection.release();
        assert.equal(results[0][0].big, "9007199254740993", "typeorm-mysql.ts createPrimaryPool: not TypeORM's bigNumberStrings any more");
        assert.equal(
          results[1][0].db,
          new URL(DATABASE_URL).pathname.slice(1),
          "typeorm-mysql.ts createPrimaryPool: not the primary's database",
        );
      } finally {
        await new Promise((resolve) => pool.end(resolve));
      }
    }
  });

  test("with replication the pool cluster's SLAVE0 pool gives the first replica's connection, obtainMasterConnection the primary's (obtainPooledConnection, readQuery's routing)", async () => {
    const db = dataSource({ replicated: true });
    await db.initialize();
    for (const replica of [0, undefined]) {
      const connection = await obtainPooledConnection(db, replica);
      const rows = await callbackQuery<{ one: number }[]>(connection, "SELECT 1 AS one");
      connection.release();
      assert.equal(
        rows[0].one,
        1,
        `typeorm-mysql.ts obtainPooledConnection(replica: ${replica}): no usable connection from TypeORM's pool cluster`,
      );
    }
  });

  test("every connection the pool hands out, to query runners and obtainPooledConnection alike, goes through prepareDbConnection (initEveryPooledConnection, used by connect)", async () => {
    const db = dataSource({ poolSize: 2 });
    assert.equal(
      typeof (db.driver as unknown as Record<string, unknown>).prepareDbConnection,
      "function",
      "typeorm-mysql.ts initEveryPooledConnection (connect in src/database.ts, UTC sessions): MysqlDriver has no prepareDbConnection any more",
    );
    let inits = 0;
    initEveryPooledConnection(db, (connection) => {
      inits++;
      connection.query("SET @konto_contract = 'prepared'", () => undefined);
    });
    await db.initialize();
    const prepared = (rows: { v: string | null }[], path: string) =>
      assert.equal(
        rows[0].v,
        "prepared",
        `typeorm-mysql.ts initEveryPooledConnection (connect in src/database.ts): a connection taken ${path} skipped prepareDbConnection, so its session is not in UTC`,
      );
    prepared(await db.query("SELECT @konto_contract AS v"), "by TypeORM's query runner");
    prepared(await db.transaction((tx) => tx.query("SELECT @konto_contract AS v")), "for a transaction");
    // Both connections of the pool at once: each is prepared, and only once however often it is taken.
    const both = await Promise.all([obtainPooledConnection(db), obtainPooledConnection(db)]);
    for (const connection of both) prepared(await callbackQuery(connection, "SELECT @konto_contract AS v"), "by obtainPooledConnection");
    for (const connection of both) connection.release();
    prepared(await db.query("SELECT @konto_contract AS v"), "again");
    assert.equal(
      inits,
      2,
      "typeorm-mysql.ts initEveryPooledConnection: the two connections of the pool were not prepared exactly once each",
    );
  });
});

describe("mysql2-pool: mysql2's private pool fields", () => {
  test("TypeORM's driver.pool has _allConnections and _freeConnections whose lengths follow taken and released connections (konto_db_pool_connections gauge)", async () => {
    const db = dataSource({ poolSize: 3 });
    await db.initialize();
    const pool = (db.driver as unknown as { pool?: Record<string, { length?: unknown } | undefined> }).pool;
    assert.ok(pool, "mysql2-pool.ts poolConnectionCounts (src/platform/metrics.ts): TypeORM's MysqlDriver has no `pool` any more");
    for (const field of ["_allConnections", "_freeConnections"]) {
      assert.equal(
        typeof pool[field]?.length,
        "number",
        `mysql2-pool.ts poolConnectionCounts: mysql2's pool has no ${field} with a length any more`,
      );
    }
    const before = poolConnectionCounts(db);
    assert.equal(before.inUse, 0, "mysql2-pool.ts poolConnectionCounts: connections are in use while nothing runs");
    const taken = await Promise.all([obtainPooledConnection(db), obtainPooledConnection(db)]);
    assert.equal(poolConnectionCounts(db).inUse, 2, "mysql2-pool.ts poolConnectionCounts: two taken connections are not counted in use");
    taken[0].release();
    const oneBack = poolConnectionCounts(db);
    assert.equal(oneBack.inUse, 1, "mysql2-pool.ts poolConnectionCounts: a released connection still counts in use");
    assert.ok(oneBack.idle >= 1, "mysql2-pool.ts poolConnectionCounts: a released connection is not counted idle");
    taken[1].release();
    assert.equal(poolConnectionCounts(db).inUse, 0);
  });

  test("with replication TypeORM keeps a pool cluster and no `pool`: both counts are 0 (as documented in mysql2-pool.ts)", async () => {
    const db = dataSource({ replicated: true });
    await db.initialize();
    assert.deepEqual(poolConnectionCounts(db), { inUse: 0, idle: 0 });
  });
});

describe("bullmq-worker: BullMQ's Worker internals", () => {
  test("a worker's protected lockManager renews the lock of a job in flight until its close() stops it (stopLockRenewal, closeWorker and the watchdog)", async () => {
    const prefix = uniqueName("patches_q");
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const queue = new Queue("patch", { connection, prefix });
    const worker = new Worker(
      "patch",
      async () => {
        started();
        await held;
      },
      { connection, prefix, lockDuration: 2000 },
    );
    try {
      await queue.add("held", {});
      await running;
      const lockManager = (worker as unknown as { lockManager?: { lockRenewalTimer?: unknown; closed?: boolean } }).lockManager;
      assert.ok(lockManager, "bullmq-worker.ts: Worker has no lockManager any more");
      assert.ok(lockManager.lockRenewalTimer, "bullmq-worker.ts: no lock renewal timer while a job is in flight");
      await stopLockRenewal(worker);
      assert.equal(lockManager.lockRenewalTimer, undefined, "bullmq-worker.ts: the lock renewal timer runs on after close()");
      assert.equal(lockManager.closed, true);
    } finally {
      finish();
      await worker.close();
      await queue.close();
      await connection.quit();
      await removeQueuePrefix(REDIS_URL, prefix);
    }
  });
});

describe("mysql2-query: mysql2's Query command", () => {
  test("the command of a failed multi-statement query counts, in _resultIndex, the statements before the one that failed (failedStatementIndex, the transactions' deferred writes)", async () => {
    const db = dataSource();
    await db.initialize();
    const pool = createPrimaryPool(db, { multipleStatements: true, connectionLimit: 1 });
    try {
      const connection = await new Promise<PooledConnection>((resolve, reject) =>
        pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
      );
      const failAt = (text: string) =>
        new Promise<number | null>((resolve, reject) => {
          const command = connection.query(text, (error) =>
            error ? resolve(failedStatementIndex(command)) : reject(new Error("the query did not fail")),
          );
        });
      assert.equal(
        await failAt("SELECT 1;\nDO 2;\nSELECT * FROM no_such_table;\nSELECT 4"),
        2,
        "mysql2-query.ts: not the failed statement's index",
      );
      assert.equal(await failAt("SELECT * FROM no_such_table;\nSELECT 2"), 0, "mysql2-query.ts: not the failed statement's index");
      assert.equal(await failAt("DO 1;\nSELECT * FROM no_such_table"), 1, "mysql2-query.ts: not the failed statement's index");
      connection.release();
    } finally {
      await new Promise((resolve) => pool.end(resolve));
    }
  });
});

describe("typeorm-datasource: views over TypeORM's DataSource", () => {
  test("query, transaction, manager and createQueryRunner of a view make their runners through it, and the logger gets each runner (taggedDataSource, scopedDataSource)", async () => {
    const KEY = Symbol("contract");
    const logged: { sql: string; tag: unknown }[] = [];
    const db = dataSource({
      logger: {
        logQuery: (sql, _params, runner) => void logged.push({ sql, tag: (runner?.data as Record<symbol, unknown> | undefined)?.[KEY] }),
      },
    });
    await db.initialize();
    const view = taggedDataSource(db, KEY, "request-1");
    assert.equal(view.driver, db.driver, "typeorm-datasource.ts: a view no longer reads through to its DataSource");
    assert.equal(
      view.manager.connection,
      view,
      "typeorm-datasource.ts: createEntityManager no longer makes a manager of the DataSource it is called on",
    );
    const runner = view.createQueryRunner();
    assert.equal(
      (runner.data as Record<symbol, unknown>)[KEY],
      "request-1",
      "typeorm-datasource.ts: a query runner has no `data` object any more",
    );
    await runner.release();

    await view.query("SELECT 'view.query' AS via");
    const inTransaction = await view.transaction(async (tx) => {
      await tx.query("SELECT 'view.transaction' AS via");
      return (tx.queryRunner?.data as Record<symbol, unknown>)[KEY];
    });
    await view.manager.query("SELECT 'view.manager' AS via");
    await db.query("SELECT 'db.query' AS via");
    await taggedDataSource(db, KEY, "request-2").query("SELECT 'other view' AS via");

    assert.equal(inTransaction, "request-1", "typeorm-datasource.ts: EntityManager.transaction no longer takes its runner from the view");
    const tagOf = (via: string) => {
      const entry = logged.find((e) => e.sql.includes(`'${via}'`));
      assert.ok(entry, `typeorm-datasource.ts (StatementLogger in src/database.ts): "${via}" never reached the logger's logQuery`);
      return entry.tag;
    };
    const message = (via: string) =>
      `typeorm-datasource.ts: ${via} no longer makes its query runner through the view (statements would not be counted per request)`;
    assert.equal(tagOf("view.query"), "request-1", message("DataSource.query"));
    assert.equal(tagOf("view.transaction"), "request-1", message("DataSource.transaction"));
    assert.equal(tagOf("view.manager"), "request-1", message("DataSource.manager"));
    assert.equal(tagOf("db.query"), undefined, "typeorm-datasource.ts: the DataSource itself carries a view's value");
    assert.equal(tagOf("other view"), "request-2", "typeorm-datasource.ts: two views of one DataSource share their value");
    assert.ok(
      logged.some((e) => /^START TRANSACTION/i.test(e.sql) && e.tag === "request-1"),
      "typeorm-datasource.ts: the transaction's own statements do not go through the view's runner",
    );
  });
});

describe("apollo-executor: graphql-jit through Apollo's gateway hook", () => {
  const schema = buildSdlSchema(`
    input Greeting { name: String!, punctuation: String = "!" }
    type Query { hello(greeting: Greeting!): String, fails: String }
  `);
  const fields = (schema.getType("Query") as GraphQLObjectType).getFields();
  fields.hello.resolve = (_root, { greeting }) => `Hello ${greeting.name}${greeting.punctuation}`;
  fields.fails.resolve = () => {
    throw new Error("boom");
  };

  test("graphql-jit compiles and runs a query, and answers a document it cannot compile with errors", async () => {
    const compiled = compileQuery(schema, parse(`query Q { hello(greeting: { name: "jit" }) }`), "Q");
    assert.ok(isCompiledQuery(compiled), "apollo-executor.ts: graphql-jit no longer compiles a plain query");
    assert.deepEqual(await compiled.query(undefined, {}, {}), { data: { hello: "Hello jit!" } });
    const unknown = compileQuery(schema, parse(`query Q { hello(greeting: { name: "jit" }) }`), "Missing");
    assert.ok(
      !isCompiledQuery(unknown) && unknown.errors?.length,
      "apollo-executor.ts: graphql-jit no longer answers an unknown operation name with errors (the executor returns them as they are)",
    );
  });

  test("Apollo 5 takes the schema from `gateway` and runs every operation through its executor; variables get graphql-js's coercion and errors reach formatError as GraphQLError", async () => {
    const gateway = jitGateway(schema, 10);
    let executed = 0;
    const load = gateway.load.bind(gateway);
    gateway.load = async (options) => {
      const { executor } = await load(options);
      assert.ok(executor, "apollo-executor.ts: jitGateway's load gave no executor");
      const counting: GatewayExecutor = (request) => {
        executed++;
        return executor(request);
      };
      return { executor: counting };
    };
    const formatted: unknown[] = [];
    const apollo = new ApolloServer({
      gateway,
      formatError: (error, original) => {
        formatted.push(original);
        return error;
      },
    });
    await apollo.start();
    try {
      const run = async (query: string, variables?: Record<string, unknown>) => {
        const response = await apollo.executeOperation({ query, variables });
        assert.equal(response.body.kind, "single");
        return response.body.kind === "single" ? response.body.singleResult : {};
      };
      const hello = await run(`query($g: Greeting!) { hello(greeting: $g) }`, { g: { name: "Konto" } });
      assert.equal(
        executed,
        1,
        "apollo-executor.ts jitGateway (src/http/graphql.ts): Apollo no longer runs operations through the gateway's executor",
      );
      assert.deepEqual(
        hello.data,
        { hello: "Hello Konto!" },
        "apollo-executor.ts: the input default was not filled in by getVariableValues",
      );

      const badVariable = await run(`query($g: Greeting!) { hello(greeting: $g) }`, { g: { punctuation: "?" } });
      assert.equal(
        badVariable.errors?.[0]?.extensions?.code,
        "BAD_USER_INPUT",
        "apollo-executor.ts: a bad variable answered by the executor no longer becomes Apollo's BAD_USER_INPUT",
      );

      const failed = await run(`{ fails }`);
      assert.deepEqual(failed.data, { fails: null });
      const original = formatted.at(-1);
      assert.ok(
        original instanceof GraphQLError && original.constructor === GraphQLError,
        "apollo-executor.ts: formatError no longer gets the executor's errors as they were returned",
      );
      assert.deepEqual(original.path, ["fails"]);
      assert.equal(original.originalError?.message, "boom");

      const invalid = await run(`{ nope }`);
      assert.equal(
        invalid.errors?.[0]?.extensions?.code,
        "GRAPHQL_VALIDATION_FAILED",
        "apollo-executor.ts: Apollo no longer validates against the schema the gateway handed over",
      );
      assert.equal(executed, 3, "apollo-executor.ts: an invalid document reached the executor");
    } finally {
      await apollo.stop();
    }
  });
  test("the executor gets the request context from useGatewayRequestContextClasses: the request as sent, the caller's context, and a status it sets reaches the answer", async () => {
    const gateway = jitGateway(schema, 10);
    const seen: GatewayGraphQLRequestContext[] = [];
    const load = gateway.load.bind(gateway);
    gateway.load = async (options) => {
      const { executor } = await load(options);
      return {
        executor: (request) => {
          seen.push(request);
          request.response!.http!.status = 203;
          return executor!(request);
        },
      };
    };
    const apollo = new ApolloServer({ gateway });
    await apollo.start();
    try {
      const query = `query Hello($g: Greeting!) { hello(greeting: $g) }`;
      const answer = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: "POST",
          headers: new HeaderMap([
            ["content-type", "application/json"],
            ["x-probe", "1"],
          ]),
          search: "?trace=0",
          body: { query, operationName: "Hello", variables: { g: { name: "Konto" } } },
        },
        context: async () => ({ caller: "probe" }),
      });
      assert.equal(answer.status, 203, "apollo-executor.ts: a status the executor sets no longer reaches the answer");
      assert.equal(answer.body.kind === "complete" && JSON.parse(answer.body.string).data.hello, "Hello Konto!");
      const [request] = seen;
      assert.ok(request, "apollo-executor.ts: the executor was not called");
      assert.equal(
        Object.getOwnPropertyDescriptor(request.response!.http!, "status"),
        undefined,
        "apollo-executor.ts useGatewayRequestContextClasses: Apollo made the gateway request context itself (a getter and setter per request)",
      );
      assert.equal(request.request.http?.method, "POST");
      assert.equal(request.request.http?.url, "https://unknown-url.invalid/?trace=0");
      assert.equal(request.request.http?.headers.get("x-probe"), "1");
      assert.deepEqual(request.request.variables, { g: { name: "Konto" } });
      assert.equal(request.operationName, "Hello");
      assert.equal(request.source, query);
      assert.match(request.queryHash, /^[0-9a-f]{64}$/);
      assert.equal((request.context as { caller?: string }).caller, "probe");
    } finally {
      await apollo.stop();
    }
  });
});

// Classes of a tiny schema, declared here so that each metadata entry the patches read is known.
const noop = async (_data: unknown, next: () => Promise<unknown>) => next();

@InterfaceType({ resolveType: (value: { __typename?: string }) => value.__typename })
abstract class ContractNode {
  @Field(() => ID)
  id: string;
}

@ObjectType({ implements: ContractNode })
class ContractThing extends ContractNode {
  @Field()
  plain: string;
  @Field({ name: "renamed" })
  original: string;
  @Field({ simple: false })
  lazy: string;
  @Field()
  @UseMiddleware(noop)
  watched: string;
  @Field()
  computed: string;
  @Field()
  @Authorized("thing-rule")
  guarded: string;
}

const THING = {
  __typename: "ContractThing",
  id: "1",
  plain: "p",
  original: "o",
  lazy: "l",
  watched: "w",
  computed: "stored",
  guarded: "g",
};

@Resolver(() => ContractThing)
class ContractResolver {
  @Query(() => ContractThing)
  @Authorized("query-rule")
  contractThing(): typeof THING {
    return THING;
  }
  @Query(() => [ContractNode])
  @Authorized("query-rule")
  contractNodes(): (typeof THING)[] {
    return [THING];
  }
  @Mutation(() => String)
  @Authorized("mutation-rule")
  contractRename(@Arg("name") name: string): string {
    return name;
  }
  @FieldResolver(() => String)
  @Authorized("computed-rule")
  computed(@Root() thing: typeof THING): string {
    return `${thing.computed} and computed`;
  }
}

describe("type-graphql: its metadata storage and schema build", () => {
  let built: { schema: GraphQLSchema; rules: AuthorizedRules<string> };
  let ruleChecks = 0;
  before(async () => {
    // The first build of this process, as buildKontoSchema's is: it fills the field definitions.
    built = await buildWithoutAuthorizedMiddleware<string>(() =>
      buildSchema({
        resolvers: [ContractResolver],
        validate: false,
        authChecker: () => {
          ruleChecks++;
          return true;
        },
      }),
    );
  });

  test("the storage lists object and interface types, fields, field resolvers, operations and rules with the members the patches read", () => {
    const storage = typeGraphqlMetadata();
    const message = (what: string) => `type-graphql.ts (withSimpleResolvers, rule mapping, src/schema/permissions.ts): ${what}`;
    const thing = storage.objectTypes.find((t) => t.target === ContractThing);
    assert.ok(thing, message("objectTypes no longer lists an @ObjectType by target"));
    assert.equal(thing.name, "ContractThing", message("an object type has no GraphQL name"));
    assert.ok(thing.interfaceClasses?.includes(ContractNode), message("an object type no longer lists its interfaceClasses"));
    const node = storage.interfaceTypes.find((i) => i.target === ContractNode);
    assert.ok(
      node?.fields?.some((f) => f.name === "id"),
      message("interfaceTypes no longer carry their fields after a build"),
    );
    const field = (name: string) => {
      const found = thing.fields?.find((f) => f.name === name && f.target === ContractThing);
      assert.ok(found, message(`the object type's fields (filled by the build) no longer have ${name} by name and target`));
      assert.ok(
        storage.fields.some((f) => f.target === ContractThing && f.name === name),
        message(`storage.fields no longer lists ${name}`),
      );
      return found;
    };
    assert.equal(field("plain").schemaName, "plain", message("a field has no schemaName"));
    assert.equal(field("original").schemaName, "renamed", message("schemaName is not the GraphQL name of a renamed field"));
    assert.equal(field("lazy").simple, false, message("`simple: false` is not kept on the field"));
    assert.equal(field("plain").simple, undefined, message("a field without `simple` is marked anyway"));
    assert.deepEqual(field("plain").middlewares, [], message("a field's middlewares are no longer an array after the build"));
    assert.equal(field("watched").middlewares?.length, 1, message("a field's @UseMiddleware is not in its middlewares"));

    const resolver = storage.fieldResolvers.find((r) => r.target === ContractResolver && r.methodName === "computed");
    assert.ok(resolver, message("fieldResolvers no longer lists a @FieldResolver by target and methodName"));
    assert.equal(resolver.schemaName, "computed", message("a field resolver has no schemaName"));
    assert.equal(resolver.getObjectType?.(), ContractThing, message("a field resolver's getObjectType no longer gives its object type"));
    for (const [list, name] of [
      [storage.queries, "contractThing"],
      [storage.mutations, "contractRename"],
    ] as const) {
      const operation = list.find((op) => op.target === ContractResolver && op.methodName === name);
      assert.equal(operation?.schemaName, name, message(`queries/mutations no longer list ${name} with target, methodName and schemaName`));
    }
    assert.deepEqual(
      storage.authorizedFields.find((a) => a.target === ContractThing && a.fieldName === "guarded")?.roles,
      ["thing-rule"],
      message("authorizedFields no longer lists @Authorized with target, fieldName and roles (or was not restored after the build)"),
    );
    assert.ok(Array.isArray(storage.authorizedResolver), message("authorizedResolver is no longer a list"));
  });

  test("withSimpleResolvers removes type-graphql's resolver from plain fields only, and the answers stay the same", async () => {
    const thingFields = (schema: GraphQLSchema) => (schema.getType("ContractThing") as GraphQLObjectType).getFields();
    assert.equal(
      typeof thingFields(built.schema).plain.resolve,
      "function",
      "type-graphql.ts withSimpleResolvers: type-graphql no longer gives plain fields a resolver (the patch may be dropped)",
    );
    const simple = thingFields(withSimpleResolvers(built.schema));
    for (const plain of ["id", "plain"]) {
      assert.equal(
        simple[plain].resolve,
        undefined,
        `type-graphql.ts withSimpleResolvers: the plain field ${plain} kept type-graphql's resolver`,
      );
    }
    for (const kept of ["renamed", "lazy", "watched", "computed"]) {
      assert.equal(
        typeof simple[kept].resolve,
        "function",
        `type-graphql.ts withSimpleResolvers: ${kept} lost its resolver (metadata read wrongly)`,
      );
    }
    const query = parse(`{ contractThing { id plain renamed lazy watched computed guarded } }`);
    const compiled = compileQuery(withSimpleResolvers(built.schema), query);
    assert.ok(isCompiledQuery(compiled));
    assert.deepEqual(await compiled.query(undefined, {}, {}), {
      data: {
        contractThing: { id: "1", plain: "p", renamed: "o", lazy: "l", watched: "w", computed: "stored and computed", guarded: "g" },
      },
    });
  });

  test("buildWithoutAuthorizedMiddleware: type-graphql reads authorizedFields only while building, so the schema has no rule middleware and the rules map to GraphQL fields", async () => {
    const compiled = compileQuery(built.schema, parse(`{ contractThing { guarded computed } contractNodes { id } }`));
    assert.ok(isCompiledQuery(compiled));
    await compiled.query(undefined, {}, {});
    assert.equal(
      ruleChecks,
      0,
      "type-graphql.ts buildWithoutAuthorizedMiddleware: type-graphql checked a rule although the build did not see authorizedFields",
    );
    // The process also holds Konto's own classes (the harness loads the app): only these fields are this test's.
    const rulesOf = (type: string, field: string) => built.rules.get(type)?.get(field);
    const mapped = "type-graphql.ts buildWithoutAuthorizedMiddleware: an @Authorized rule no longer maps to its GraphQL field";
    assert.deepEqual(
      Object.fromEntries(built.rules.get("ContractThing") ?? []),
      { guarded: ["thing-rule"], computed: ["computed-rule"] },
      mapped,
    );
    assert.deepEqual(rulesOf("Query", "contractThing"), ["query-rule"], mapped);
    assert.deepEqual(rulesOf("Query", "contractNodes"), ["query-rule"], mapped);
    assert.deepEqual(rulesOf("Mutation", "contractRename"), ["mutation-rule"], mapped);

    // Built with the rules in place, the same operation does check them: the zero above means something.
    let checked = 0;
    const guarded = await buildSchema({ resolvers: [ContractResolver], validate: false, authChecker: () => ++checked > 0 });
    const withRules = compileQuery(guarded, parse(`{ contractThing { id } }`));
    assert.ok(isCompiledQuery(withRules));
    await withRules.query(undefined, {}, {});
    assert.ok(
      checked > 0,
      "type-graphql.ts buildWithoutAuthorizedMiddleware: type-graphql no longer checks @Authorized through the metadata it builds from",
    );
  });

  test("useSyncResolveType: graphql-jit reads an interface's resolveType from the built schema", async () => {
    const schema = withSimpleResolvers(built.schema);
    useSyncResolveType(schema, "ContractNode", (value: { __typename?: string }) => value.__typename);
    const compiled = compileQuery(schema, parse(`{ contractNodes { __typename id } }`));
    assert.ok(isCompiledQuery(compiled));
    assert.deepEqual(
      await compiled.query(undefined, {}, {}),
      { data: { contractNodes: [{ __typename: "ContractThing", id: "1" }] } },
      "type-graphql.ts useSyncResolveType (the Node interface, src/schema/build.ts): graphql-jit did not resolve the interface's type",
    );
  });
});

@ArgsType()
class ContractPageArgs {
  @Field(() => Int, { defaultValue: 5 })
  first: number;
}

@ObjectType()
class ContractParamsSeen {
  @Field(() => [String])
  seen: string[];
}

@Resolver()
class ContractParamsResolver {
  // Parameters in an order type-graphql does not store them in: each must still land in its place.
  @Query(() => ContractParamsSeen)
  contractParams(
    @Info() info: { fieldName: string },
    @Args() page: ContractPageArgs,
    @Ctx() context: { who: string },
    @Arg("label", { nullable: true }) label?: string,
  ): ContractParamsSeen {
    return { seen: [info.fieldName, `${page.constructor.name}:${page.first}`, context.who, label ?? "none"] };
  }
}

describe("type-graphql: getParams, replaced by useDirectParams", () => {
  test("each parameter gets its value in order, arguments as type-graphql's instances with defaults, validateFn called before the method, its refusal the field's error, a promise from it awaited", async () => {
    useDirectParams();
    const validated: unknown[] = [];
    let answer: "pass" | "refuse" | "later" = "pass";
    const schema = await buildSchema({
      resolvers: [ContractParamsResolver],
      validate: false,
      // Other classes of the process carry @Authorized: type-graphql wants a checker to build at all.
      authChecker: () => true,
      validateFn: (value: unknown) => {
        validated.push(value);
        if (answer === "refuse") throw new Error("refused by validateFn");
        return answer === "later" ? new Promise<void>((resolve) => setTimeout(resolve, 5)) : undefined;
      },
    });
    const run = async (document: string) => {
      const compiled = compileQuery(schema, parse(document));
      assert.ok(isCompiledQuery(compiled));
      return compiled.query(undefined, { who: "the context" }, {});
    };
    const message = "type-graphql.ts useDirectParams: type-graphql's getParams (resolvers/helpers.js) or its conversions changed";
    assert.deepEqual(
      await run(`{ contractParams(label: "x") { seen } }`),
      { data: { contractParams: { seen: ["contractParams", "ContractPageArgs:5", "the context", "x"] } } },
      message,
    );
    assert.ok(validated[0] instanceof ContractPageArgs, message);
    // The point of the patch: with a synchronous validateFn no promise is made, so graphql-jit answers at once.
    const compiled = compileQuery(schema, parse(`{ contractParams { seen } }`));
    assert.ok(isCompiledQuery(compiled));
    assert.ok(
      !(compiled.query(undefined, { who: "the context" }, {}) instanceof Promise),
      "type-graphql.ts useDirectParams: the resolver's parameters went through a promise (is the patch installed?)",
    );
    answer = "later";
    assert.deepEqual((await run(`{ contractParams(first: 2) { seen } }`)).data, {
      contractParams: { seen: ["contractParams", "ContractPageArgs:2", "the context", "none"] },
    });
    answer = "refuse";
    const refused = await run(`{ contractParams(first: 3) { seen } }`);
    assert.equal(refused.errors?.[0]?.message, "refused by validateFn", message);
  });
});

class ContractRuled {
  @IsEmail()
  email: string;
}
class ContractInherited extends ContractRuled {}
class ContractPlain {
  name: string;
}

describe("class-validator: its metadata storage", () => {
  test("getTargetValidationMetadatas(type, '', true, false) lists a class's rules, inherited ones included, and none for a class without (hasValidationRules, validateArgument)", () => {
    const message = "class-validator.ts hasValidationRules (src/schema/validate-args.ts):";
    assert.equal(
      hasValidationRules(ContractRuled),
      true,
      `${message} a class with a rule is reported without (its arguments would not be validated)`,
    );
    assert.equal(hasValidationRules(ContractInherited), true, `${message} the rules of a base class are not found`);
    assert.equal(hasValidationRules(ContractPlain), false, `${message} a class without rules is reported with some`);
  });
});
