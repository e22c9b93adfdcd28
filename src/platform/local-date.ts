import { GraphQLScalarType } from "graphql";
import { LocalDateResolver } from "graphql-scalars";

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * graphql-scalars' LocalDate, with a cheaper serialize for what Konto sends: DATE columns read as
 * "YYYY-MM-DD" strings (mysql2 dateStrings) and dates Konto computes, which are valid days. The
 * library parses each one into a Date to check it (1.6 % of a dashboard request's CPU); anything
 * else still goes through its check. Parsing of arguments is the library's, unchanged.
 */
export const LocalDate = new GraphQLScalarType({
  ...LocalDateResolver.toConfig(),
  serialize: (value) => (typeof value === "string" && LOCAL_DATE.test(value) ? value : LocalDateResolver.serialize(value)),
});

/** Today's date in UTC as YYYY-MM-DD; due dates are calendar days. Kept until UTC midnight: every invoice and product row asks. */
export function today(): string {
  const now = Date.now();
  if (now >= todayUntil || now < todayUntil - DAY_MS) {
    const date = new Date(now);
    todayText = date.toISOString().slice(0, 10);
    todayUntil = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  }
  return todayText;
}
let todayText = "";
let todayUntil = 0;
const DAY_MS = 86_400_000;
