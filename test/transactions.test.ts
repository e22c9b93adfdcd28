import "reflect-metadata";
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { after, before, beforeEach, describe, test } from "node:test";
import { DataSource, QueryFailedError } from "typeorm";
import { connect } from "../src/database";
import { dropDatabase, ensureDatabase, inTransaction, isDuplicateKey } from "../src/platform/db";
import { createLogger } from "../src/platform/logger";
import { scopedDataSource } from "../src/platform/request-scope";
import { DeferredWriteFailed, sendOneByOneAsOnGalera, Transaction, transaction } from "../src/platform/transactions";
import { MYSQL_SERVER, uniqueName } from "./support/harness";

// The unit of work's transactions (src/platform/transactions.ts): START TRANSACTION and the
// deferred writes travel with the next statement, in one round trip, and still each statement
// gets its own result or its own error, and a failed transaction leaves nothing behind.

const DATABASE_URL = `${MYSQL_SERVER}/${uniqueName("transactions")}`;
let db: DataSource;
/** The same database through transactions that send one statement per round trip, as on a Galera node. */
let oneByOne: DataSource;

/** The texts mysql2 sends to this database, one per round trip (mysql2's documented tracing channel). */
const sent: string[] = [];
/** A new connection's session set-up (connect) is not a statement of the test's. */
const onQueryStart = (message: unknown) => {
  const text = (message as { query: string }).query;
  if (!text.startsWith("SET time_zone")) sent.push(text);
};
const queries = diagnostics.tracingChannel("mysql2:query");
const subscribers = { start: onQueryStart, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };

before(async () => {
  await ensureDatabase(DATABASE_URL);
  db = await connect(new DataSource({ type: "mysql", url: DATABASE_URL, poolSize: 3, timezone: "Z", dateStrings: ["DATE"] }));
  await db.query("CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, n INT NOT NULL DEFAULT 0)");
  oneByOne = await connect(new DataSource({ type: "mysql", url: DATABASE_URL, poolSize: 3, timezone: "Z", dateStrings: ["DATE"] }));
  sendOneByOneAsOnGalera(oneByOne);
  queries.subscribe(subscribers);
});

after(async () => {
  queries.unsubscribe(subscribers);
  await oneByOne.destroy();
  await db.destroy();
  // A transaction after destroy must not open a pool nobody closes.
  await assert.rejects(
    transaction(db, (tx) => tx.query("SELECT 1")),
    /closed/,
  );
  await dropDatabase(DATABASE_URL);
});

beforeEach(async () => {
  await db.query("DELETE FROM items");
  await db.query("INSERT INTO items (name) VALUES ('taken')");
  sent.length = 0;
});

const names = async () => ((await db.query("SELECT name FROM items ORDER BY name")) as { name: string }[]).map((r) => r.name);

/** The texts the transactions sent, without the reads of names(). */
const ours = () => sent.filter((text) => !text.startsWith("SELECT name FROM items ORDER BY name"));

/** Defers two writes, reads them with the next statement and defers a third; checks what was read and what was committed. */
async function deferReadDefer(source: DataSource): Promise<void> {
  const seen = await transaction(source, async (tx) => {
    tx.defer("INSERT INTO items (name) VALUES (?)", ["a"]);
    tx.defer("UPDATE items SET n = n + 1 WHERE name = ?", ["taken"]);
    const rows = await tx.query<{ name: string; n: number }[]>("SELECT name, n FROM items ORDER BY name");
    tx.defer("INSERT INTO items (name) VALUES (?)", ["b"]);
    return rows;
  });
  assert.deepEqual(
    seen.map((r) => [r.name, r.n]),
    [
      ["a", 0],
      ["taken", 1],
    ],
  );
  assert.deepEqual(await names(), ["a", "b", "taken"]);
}

/**
 * Two transactions lock rows x and y in opposite order, then each changes the other's row with
 * `change`: one of them is a deadlock victim, which inTransaction runs again. Checks that both
 * changes stand after three attempts.
 */
async function crossedLocks(source: DataSource, change: (tx: Transaction, first: string, second: string) => Promise<void>): Promise<void> {
  await db.query("INSERT INTO items (name) VALUES ('x'), ('y')");
  let attempts = 0;
  let release!: () => void;
  const bothLocked = new Promise<void>((resolve) => (release = resolve));
  let locked = 0;
  const lockThen = (first: string, second: string) =>
    inTransaction(source, async (tx) => {
      attempts++;
      await tx.query("SELECT id FROM items WHERE name = ? FOR UPDATE", [first]);
      if (++locked === 2) release();
      await bothLocked;
      await change(tx, first, second);
    });
  await Promise.all([lockThen("x", "y"), lockThen("y", "x")]);
  const rows = (await db.query("SELECT name, n FROM items WHERE name IN ('x', 'y') ORDER BY name")) as { n: number }[];
  assert.deepEqual(
    rows.map((r) => r.n),
    [1, 1],
    "both changes stand, one after running again",
  );
  assert.equal(attempts, 3, "one of the two was a deadlock victim and ran again");
}

describe("transactions", () => {
  test("START TRANSACTION and the deferred writes go with the next statement in one round trip, which reads them", async () => {
    await deferReadDefer(db);
    const roundTrips = ours();
    assert.equal(roundTrips.length, 2, `two round trips: ${JSON.stringify(roundTrips)}`);
    assert.match(
      roundTrips[0],
      /^START TRANSACTION;\nINSERT INTO items \(name\) VALUES \('a'\);\nUPDATE items .*;\nSELECT name, n FROM items/s,
    );
    assert.match(roundTrips[1], /^INSERT INTO items \(name\) VALUES \('b'\);\nCOMMIT$/);
  });

  test("a write is a ResultSetHeader as through TypeORM, also when deferred writes went with it", async () => {
    const [alone, withDeferred] = await transaction(db, async (tx) => {
      const first = await tx.query<{ insertId: number; affectedRows: number }>("INSERT INTO items (name) VALUES (?)", ["c"]);
      tx.defer("UPDATE items SET n = 5 WHERE name = ?", ["c"]);
      const second = await tx.query<{ insertId: number; affectedRows: number }>("INSERT INTO items (name) VALUES (?)", ["d"]);
      return [first, second];
    });
    const ids = (await db.query("SELECT id, name FROM items WHERE name IN ('c', 'd') ORDER BY name")) as { id: number }[];
    assert.equal(alone.insertId, ids[0].id);
    assert.equal(withDeferred.insertId, ids[1].id);
    assert.equal(withDeferred.affectedRows, 1);
  });

  test("a statement's own duplicate key is its error (isDuplicateKey), and the deferred writes before it stand", async () => {
    await transaction(db, async (tx) => {
      tx.defer("INSERT INTO items (name) VALUES (?)", ["kept"]);
      const error = await tx.query("INSERT INTO items (name) VALUES (?)", ["taken"]).catch((e: unknown) => e);
      assert.ok(error instanceof QueryFailedError && !(error instanceof DeferredWriteFailed), String(error));
      assert.equal(isDuplicateKey(error), true);
    });
    assert.deepEqual(await names(), ["kept", "taken"]);
  });

  test("a deferred write that fails fails the statement it went with as DeferredWriteFailed, not as that statement's duplicate key, and everything is rolled back", async () => {
    const error = await transaction(db, async (tx) => {
      await tx.query("INSERT INTO items (name) VALUES (?)", ["sent"]);
      tx.defer("INSERT INTO items (name) VALUES (?)", ["taken"]);
      await tx.query("INSERT INTO items (name) VALUES (?)", ["never"]);
    }).catch((e: unknown) => e);
    assert.ok(error instanceof DeferredWriteFailed, String(error));
    assert.equal(error.query, "INSERT INTO items (name) VALUES (?)");
    assert.deepEqual(error.parameters, ["taken"]);
    assert.equal(isDuplicateKey(error), false, "not the duplicate key of the statement it went with");
    assert.deepEqual(await names(), ["taken"], "rolled back: neither the statement before nor the one after");
  });

  test("work that throws sends none of its deferred writes; work that sent nothing sends nothing", async () => {
    await assert.rejects(
      transaction(db, async (tx) => {
        tx.defer("INSERT INTO items (name) VALUES (?)", ["refused"]);
        throw new Error("refused");
      }),
      /refused/,
    );
    assert.equal(await transaction(db, async () => "nothing"), "nothing");
    assert.deepEqual(
      sent.filter((text) => !text.startsWith("SELECT name")),
      [],
    );
    assert.deepEqual(await names(), ["taken"]);
  });

  test("a deferred write alone is sent with the COMMIT; flush sends it before the work goes on", async () => {
    await transaction(db, async (tx) => {
      tx.defer("INSERT INTO items (name) VALUES (?)", ["flushed"]);
      await tx.flush();
      // Sent, though not committed: the server's transaction has modified the row.
      const [{ id }] = await tx.query<{ id: number }[]>("SELECT CONNECTION_ID() AS id");
      const [trx] = await db.query("SELECT trx_rows_modified AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?", [id]);
      assert.equal(Number(trx?.n), 1);
    });
    assert.deepEqual(sent.filter((text) => text.includes("flushed")).length, 1);
    assert.match(
      sent.find((text) => text.includes("flushed"))!,
      /^START TRANSACTION;\nINSERT INTO items \(name\) VALUES \('flushed'\)$/,
    );
    assert.deepEqual(await names(), ["flushed", "taken"]);
  });

  test("a text with a ; is refused, deferred or not, before anything is sent", async () => {
    await assert.rejects(
      transaction(db, async (tx) => tx.defer("DELETE FROM items; SELECT 1")),
      /one statement/,
    );
    await assert.rejects(
      transaction(db, (tx) => tx.query("DELETE FROM items; SELECT 1")),
      /one statement/,
    );
    // A ; inside a value is a value.
    await transaction(db, (tx) => tx.query("INSERT INTO items (name) VALUES (?)", ["semi;colon"]));
    assert.deepEqual(await names(), ["semi;colon", "taken"]);
  });

  test("a request's statements are counted as through TypeORM: START TRANSACTION, each statement, COMMIT", async () => {
    const scope = { requestId: "request-7", sqlStatements: 0 };
    const view = scopedDataSource(db, scope);
    const requestId = await transaction(view, async (tx) => {
      tx.defer("INSERT INTO items (name) VALUES (?)", ["counted"]);
      await tx.query("SELECT 1");
      return tx.scope?.requestId;
    });
    assert.equal(requestId, "request-7");
    assert.equal(scope.sqlStatements, 4);
  });

  test("a failed transaction's connection goes back rolled back: the next transaction on it cannot commit the first one's writes", async () => {
    const single = await connect(new DataSource({ type: "mysql", url: DATABASE_URL, poolSize: 1, timezone: "Z" }));
    try {
      const failed = await transaction(single, async (tx) => {
        await tx.query("INSERT INTO items (name) VALUES (?)", ["half"]);
        tx.defer("INSERT INTO items (name) VALUES (?)", ["taken"]);
        await tx.query("SELECT 1");
      }).catch((e: unknown) => e);
      assert.ok(failed instanceof DeferredWriteFailed, String(failed));
      // One connection: this runs on the same one. Left open, its START TRANSACTION would commit "half".
      await transaction(single, (tx) => tx.query("INSERT INTO items (name) VALUES (?)", ["next"]));
      assert.deepEqual(await names(), ["next", "taken"]);
    } finally {
      await single.destroy();
    }
  });

  test("a connection lost in the middle of a transaction fails it with the connection's error, and the next transaction gets a new one", async () => {
    const error = await transaction(db, async (tx) => {
      const [{ id }] = await tx.query<{ id: number }[]>("SELECT CONNECTION_ID() AS id");
      await db.query("KILL CONNECTION ?", [id]);
      tx.defer("INSERT INTO items (name) VALUES (?)", ["lost"]);
      await tx.query("SELECT 1");
    }).catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, `a QueryFailedError, not ${String(error)}`);
    assert.equal(isDuplicateKey(error), false);
    assert.equal(await transaction(db, (tx) => tx.query("INSERT INTO items (name) VALUES (?)", ["after"]).then(() => "ok")), "ok");
    assert.deepEqual(await names(), ["after", "taken"]);
  });

  test("a failed statement's error reaches the log without the values the driver's message quotes", async () => {
    const lines: string[] = [];
    const log = createLogger("error", { write: (line: string) => lines.push(line) });
    const error = await transaction(db, (tx) => tx.query("INSERT INTO items (name) VALUES (?)", ["taken"])).catch((e: unknown) => e);
    assert.match(String((error as Error).message), /Duplicate entry 'taken'/, "the driver's message quotes the value");
    log.error({ err: error }, "mutation failed");
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0], /taken/);
    assert.match(lines[0], /SQL statement failed/);
    assert.match(lines[0], /ER_DUP_ENTRY/, "the code stays");
  });

  test("a deadlock of a deferred write is run again whole by inTransaction", async () => {
    await crossedLocks(db, async (tx, _first, second) => tx.defer("UPDATE items SET n = n + 1 WHERE name = ?", [second]));
  });
});

// On a Galera node every statement goes alone (src/platform/transactions.ts, galeraNodes says
// why); the cluster tests cover the abort itself, these the rest of that path on one server.
describe("transactions sent one statement per round trip, as on a Galera node", () => {
  test("each statement is a round trip of its own, in the order asked for: the deferred writes as they were when deferred, before the statement that follows, which reads them", async () => {
    await deferReadDefer(oneByOne);
    assert.deepEqual(ours(), [
      "START TRANSACTION",
      "INSERT INTO items (name) VALUES ('a')",
      "UPDATE items SET n = n + 1 WHERE name = 'taken'",
      "SELECT name, n FROM items ORDER BY name",
      "INSERT INTO items (name) VALUES ('b')",
      "COMMIT",
    ]);
  });

  test("a statement's own duplicate key is its error, and the transaction goes on: what came before and after it is committed", async () => {
    await transaction(oneByOne, async (tx) => {
      tx.defer("INSERT INTO items (name) VALUES (?)", ["kept"]);
      const error = await tx.query("INSERT INTO items (name) VALUES (?)", ["taken"]).catch((e: unknown) => e);
      assert.ok(error instanceof QueryFailedError && !(error instanceof DeferredWriteFailed), String(error));
      assert.equal(isDuplicateKey(error), true);
      await tx.query("INSERT INTO items (name) VALUES (?)", ["after"]);
    });
    assert.deepEqual(await names(), ["after", "kept", "taken"]);
  });

  test("a deferred write that fails is DeferredWriteFailed, the statement after it is never sent, and everything is rolled back", async () => {
    const error = await transaction(oneByOne, async (tx) => {
      await tx.query("INSERT INTO items (name) VALUES (?)", ["sent"]);
      tx.defer("INSERT INTO items (name) VALUES (?)", ["taken"]);
      await tx.query("INSERT INTO items (name) VALUES (?)", ["never"]);
    }).catch((e: unknown) => e);
    assert.ok(error instanceof DeferredWriteFailed, String(error));
    assert.deepEqual(error.parameters, ["taken"]);
    assert.equal(isDuplicateKey(error), false, "not the duplicate key of the statement it went before");
    assert.deepEqual(await names(), ["taken"], "rolled back");
    assert.ok(!ours().some((text) => text.includes("never")), `sent: ${JSON.stringify(ours())}`);
  });

  test("after a deadlock nothing more of the attempt is sent (it would run in autocommit), and inTransaction runs it again whole", async () => {
    await crossedLocks(oneByOne, async (tx, first, second) => {
      // The victim's deadlock is caught here, as by code that expects an error: what it asks for
      // next must not reach the server, where it would run in autocommit.
      const deadlock = await tx.query("UPDATE items SET n = n + 1 WHERE name = ?", [second]).then(
        () => null,
        (error: unknown) => error,
      );
      await tx.query("INSERT INTO items (name) VALUES (?)", [`after ${first}`]).catch(() => undefined);
      if (deadlock) throw deadlock;
    });
    const inserts = ours().filter((text) => text.startsWith("INSERT INTO items (name) VALUES ('after"));
    assert.equal(inserts.length, 2, `one INSERT per committed attempt, none from the victim's: ${JSON.stringify(inserts)}`);
    assert.deepEqual(await names(), ["after x", "after y", "taken", "x", "y"]);
  });
});
