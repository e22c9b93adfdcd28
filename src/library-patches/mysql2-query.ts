// Patches: nothing is changed, but mysql2's Query command is read through its private field
// `_resultIndex`. Written against mysql2 3.24.6 (package.json).
// Why: a multi-statement query that fails answers with the error alone; mysql2 does not say
// which statement failed. The command counts the result sets it has read (`_resultIndex`, one
// more for each that says more results follow), and the server stops at the first statement
// that fails, so when the error arrives that count is the failed statement's index.
// Caller: the transaction's deferred writes (src/platform/transactions.ts).
// Contract test: test/library-patches.test.ts, "mysql2-query: …".

/** What mysql2's `connection.query(sql, callback)` returns: its Query command. */
export type QueryCommand = object;

/**
 * The index (from 0) of the statement a failed multi-statement query stopped at; null when the
 * command does not say (no command yet, or a mysql2 without `_resultIndex`). Called inside
 * mysql2's callback, so it never throws.
 */
export function failedStatementIndex(command: QueryCommand | undefined): number | null {
  const index = (command as { _resultIndex?: unknown } | undefined)?._resultIndex;
  return typeof index === "number" ? index : null;
}
