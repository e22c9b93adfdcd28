/** A raw row as mysql2 returns it, read by column name: its shape is the SQL's, not a type's. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- columns are read by name, each where it is used
export type Row = Record<string, any>;

// Helpers for raw rows from mysql2: MariaDB sends JSON columns as text and SET columns as
// comma-separated text, and DECIMAL as strings.

export function jsonColumn<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function setColumn<T extends string>(value: unknown): T[] {
  return typeof value === "string" && value.length > 0 ? (value.split(",") as T[]) : [];
}

export function boolColumn(value: unknown): boolean {
  return value === 1 || value === true || value === "1";
}
