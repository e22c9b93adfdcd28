import mysql from "mysql2/promise";

/**
 * The pool of a hand-written floor (floor.ts, mutation-floor.ts): DATABASE_URL, FLOOR_POOL_SIZE
 * connections (Konto's size), and the same session and type settings as Konto's data source
 * (src/database.ts, createDataSource).
 */
export function floorPool(): mysql.Pool {
  return mysql.createPool({
    uri: process.env.DATABASE_URL,
    connectionLimit: Number(process.env.FLOOR_POOL_SIZE ?? 10),
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    dateStrings: ["DATE"],
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}
