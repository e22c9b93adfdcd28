import { Transaction } from "./transactions";

/**
 * Takes the next number of a series inside the caller's transaction. The row lock serialises
 * concurrent callers, and a rollback gives the number back, so the series has no gaps.
 * `start` computes the first value when the series is used for the first time.
 */
export async function nextInSeries(tx: Transaction, name: string, start: () => Promise<number>): Promise<number> {
  let [row] = await tx.query("SELECT next_value FROM number_sequences WHERE name = ? FOR UPDATE", [name]);
  if (!row) {
    await tx.query("INSERT IGNORE INTO number_sequences (name, next_value) VALUES (?, ?)", [name, await start()]);
    [row] = await tx.query("SELECT next_value FROM number_sequences WHERE name = ? FOR UPDATE", [name]);
  }
  await tx.query("UPDATE number_sequences SET next_value = next_value + 1 WHERE name = ?", [name]);
  return Number(row.next_value);
}
