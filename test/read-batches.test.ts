import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DataSource, QueryFailedError } from "typeorm";
import { connect } from "../src/database";
import { dropDatabase, ensureDatabase, readQuery } from "../src/platform/db";
import { MYSQL_SERVER, uniqueName } from "./support/harness";

// The read path's batches (src/platform/read-batches.ts): what one turn of the event loop reads
// goes to MariaDB in one round trip, and every read still gets its own rows or its own error.

const DATABASE_URL = `${MYSQL_SERVER}/${uniqueName("reads")}`;
let db: DataSource;

before(async () => {
  await ensureDatabase(DATABASE_URL);
  db = await connect(new DataSource({ type: "mysql", url: DATABASE_URL, poolSize: 3, timezone: "Z", dateStrings: ["DATE"] }));
  await db.query("CREATE TABLE numbers (n INT PRIMARY KEY, big BIGINT UNSIGNED, day DATE)");
  await db.query("INSERT INTO numbers VALUES (1, 9007199254740993, '2026-11-28'), (2, 2, '2026-01-01'), (3, 3, NULL)");
});

after(async () => {
  // destroy closes the batches' pool too (connect); an open pool would keep the run from ending,
  // and so would one opened by a read after it.
  await db.destroy();
  await assert.rejects(readQuery(db, "SELECT 1", []), /closed/);
  await dropDatabase(DATABASE_URL);
});

describe("read batches", () => {
  test("reads asked for in one turn go in one round trip on one connection, and each gets its own rows", async () => {
    const reads = Array.from({ length: 20 }, (_, i) =>
      readQuery<{ asked: number; connection: string }[]>(db, "SELECT ? AS asked, CONNECTION_ID() AS connection", [i]),
    );
    const answers = await Promise.all(reads);
    assert.deepEqual(
      answers.map((rows) => rows[0].asked),
      answers.map((_, i) => i),
    );
    // The pool has 3 connections; one by one, 20 reads at once would use them all.
    assert.equal(new Set(answers.map((rows) => String(rows[0].connection))).size, 2, "16 statements per round trip at most: two");
  });

  test("sessions and rows are as through TypeORM's own pool: UTC, BIGINT as a string, DATE as text, empty results empty", async () => {
    const [zone, big, days, none] = await Promise.all([
      readQuery<{ zone: string }[]>(db, "SELECT @@session.time_zone AS zone", []),
      readQuery<{ big: string }[]>(db, "SELECT big FROM numbers WHERE n = ?", [1]),
      readQuery<{ day: string | null }[]>(db, "SELECT day FROM numbers ORDER BY n", []),
      readQuery<unknown[]>(db, "SELECT n FROM numbers WHERE n > ?", [99]),
    ]);
    const throughTypeorm = await db.query("SELECT big FROM numbers WHERE n = 1");
    // The session in UTC, as every connection of TypeORM's pool (connect).
    assert.equal(zone[0].zone, "+00:00");
    assert.equal(big[0].big, "9007199254740993");
    assert.equal(big[0].big, throughTypeorm[0].big);
    assert.deepEqual(
      days.map((r) => r.day),
      ["2026-11-28", "2026-01-01", null],
    );
    assert.deepEqual(none, []);
  });

  test("a failing statement fails alone: the others of its turn get their rows", async () => {
    const [first, failing, last] = await Promise.allSettled([
      readQuery<{ n: number }[]>(db, "SELECT n FROM numbers WHERE n = ?", [2]),
      readQuery(db, "SELECT n FROM no_such_table WHERE n = ?", [1]),
      readQuery<{ n: number }[]>(db, "SELECT n FROM numbers WHERE n = ?", [3]),
    ]);
    assert.equal(first.status === "fulfilled" && first.value[0].n, 2);
    assert.equal(last.status === "fulfilled" && last.value[0].n, 3);
    assert.ok(failing.status === "rejected" && failing.reason instanceof QueryFailedError);
    assert.equal((failing.reason.driverError as { code: string }).code, "ER_NO_SUCH_TABLE");
  });

  test("a statement given a value too many keeps it to itself: the next statement of the batch gets its own", async () => {
    const [first, second] = await Promise.all([
      readQuery<{ a: number }[]>(db, "SELECT ? AS a", [1, 2]),
      readQuery<{ b: number }[]>(db, "SELECT ? AS b", [3]),
    ]);
    assert.equal(first[0].a, 1);
    assert.equal(second[0].b, 3);
  });

  test("a text with two statements is refused, and a ; inside a value is only a value", async () => {
    await assert.rejects(readQuery(db, "SELECT 1; DELETE FROM numbers", []), /one statement/);
    const [rows] = await Promise.all([
      readQuery<{ value: string }[]>(db, "SELECT ? AS value", ["x'; DELETE FROM numbers; --"]),
      readQuery(db, "SELECT n FROM numbers", []),
    ]);
    assert.equal(rows[0].value, "x'; DELETE FROM numbers; --");
    assert.equal((await db.query("SELECT COUNT(*) AS count FROM numbers"))[0].count, "3");
  });
});
