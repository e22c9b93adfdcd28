import { DataSource } from "typeorm";

/**
 * Where in the database a secret is stored, in any of its usual spellings: the text itself, its
 * bytes in hex, base64 and base64url (a base64url token is also looked for as the bytes it
 * decodes to). Every column of every table is searched, binary columns included. Returns
 * "table.column" for each hit.
 */
export async function placesHolding(db: DataSource, secret: string): Promise<string[]> {
  const bytes = [Buffer.from(secret, "utf8")];
  if (/^[\w-]+$/.test(secret) && secret.length >= 16) bytes.push(Buffer.from(secret, "base64url"));
  const texts = [...new Set(bytes.flatMap((b) => [b.toString("utf8"), b.toString("hex"), b.toString("base64"), b.toString("base64url")]))];
  const hexes = [...new Set(bytes.map((b) => b.toString("hex").toUpperCase()))];
  const columns: { table_name: string; column_name: string }[] = await db.query(
    `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN ('char','varchar','text','tinytext','mediumtext','longtext','json','binary','varbinary','blob','tinyblob','mediumblob','longblob')`,
  );
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const id = `\`${table}\`.\`${column}\``;
    const conditions = [
      ...texts.map(() => `CAST(${id} AS CHAR CHARACTER SET utf8mb4) LIKE BINARY ?`),
      ...hexes.map(() => `HEX(${id}) LIKE ?`),
    ];
    const [row] = await db.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE ${conditions.join(" OR ")}`, [
      ...texts.map((text) => `%${text}%`),
      ...hexes.map((hex) => `%${hex}%`),
    ]);
    if (Number(row.n) > 0) found.push(`${table}.${column}`);
  }
  return found;
}
