import { createHash } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Config } from "../config";

/** A file that passed the upload checks: its bytes and the type its content says it is. */
export interface CheckedFile {
  bytes: Buffer;
  contentType: string;
}

/** A stored file's key: the SHA-256 of its bytes (as the BINARY(32) the tables hold). */
export const sha256Of = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest();

/**
 * Where file bytes live, content-addressed by SHA-256: storing the same bytes twice keeps one
 * copy. Every store keeps a `stored_files` row per file (size, type), which documents, DPA
 * versions, attachments and exports reference by foreign key; only the bytes differ in place.
 */
export interface FileStore {
  /** Stores the file as part of the caller's transaction (idempotent); returns its SHA-256. */
  put(tx: Transaction, file: CheckedFile): Promise<Buffer>;
  /** The bytes of a stored file, or null. */
  get(db: DataSource | Transaction, sha256: Buffer): Promise<Buffer | null>;
  /** Removes a file nothing refers to any more (a no-op while something does); bytes outside MySQL go after commit. */
  release(tx: Transaction, sha256: Buffer, afterCommit: (task: () => Promise<void>) => void): Promise<void>;
}

const REFERENCES = [
  "SELECT 1 FROM document_versions WHERE file_sha256 = ?",
  "SELECT 1 FROM request_attachments WHERE file_sha256 = ?",
  "SELECT 1 FROM dpa_versions WHERE file_sha256 = ?",
  "SELECT 1 FROM data_exports WHERE file_sha256 = ?",
];

/** Deletes the row of a file nothing refers to; true when it was deleted. */
async function deleteUnreferenced(tx: Transaction, sha256: Buffer): Promise<boolean> {
  const result = await tx.query(
    `DELETE FROM stored_files WHERE sha256 = ? AND ${REFERENCES.map((sql) => `NOT EXISTS (${sql})`).join(" AND ")}`,
    [sha256, ...REFERENCES.map(() => sha256)],
  );
  return result.affectedRows > 0;
}

/** The default: bytes in the row itself. Works with any number of API processes and needs nothing else. */
export class MysqlFileStore implements FileStore {
  async put(tx: Transaction, file: CheckedFile): Promise<Buffer> {
    const sha256 = sha256Of(file.bytes);
    await tx.query("INSERT IGNORE INTO stored_files (sha256, size, content_type, content) VALUES (?, ?, ?, ?)", [
      sha256,
      file.bytes.length,
      file.contentType,
      file.bytes,
    ]);
    return sha256;
  }

  async get(db: DataSource | Transaction, sha256: Buffer): Promise<Buffer | null> {
    const [row] = await db.query("SELECT content FROM stored_files WHERE sha256 = ?", [sha256]);
    return row?.content ?? null;
  }

  async release(tx: Transaction, sha256: Buffer): Promise<void> {
    await deleteUnreferenced(tx, sha256);
  }
}

/**
 * Bytes in DOCUMENTS_DIR (`ab/abcdef…`), for single-node setups. The file is written before the
 * transaction commits (a rolled-back upload leaves an unreferenced file, harmless and reused by
 * the next upload of the same bytes); the row is what makes it known.
 */
export class DirectoryFileStore implements FileStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: Buffer): string {
    const hex = sha256.toString("hex");
    return join(this.dir, hex.slice(0, 2), hex);
  }

  async put(tx: Transaction, file: CheckedFile): Promise<Buffer> {
    const sha256 = sha256Of(file.bytes);
    const path = this.pathOf(sha256);
    await mkdir(join(path, ".."), { recursive: true });
    // Written under a temporary name and renamed: a reader never sees half a file.
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, file.bytes);
    await rename(temporary, path);
    await tx.query("INSERT IGNORE INTO stored_files (sha256, size, content_type, content) VALUES (?, ?, ?, NULL)", [
      sha256,
      file.bytes.length,
      file.contentType,
    ]);
    return sha256;
  }

  async get(db: DataSource | Transaction, sha256: Buffer): Promise<Buffer | null> {
    const [row] = await db.query("SELECT 1 AS known FROM stored_files WHERE sha256 = ?", [sha256]);
    if (!row) return null;
    try {
      return await readFile(this.pathOf(sha256));
    } catch {
      return null;
    }
  }

  async release(tx: Transaction, sha256: Buffer, afterCommit: (task: () => Promise<void>) => void): Promise<void> {
    if (await deleteUnreferenced(tx, sha256)) afterCommit(() => unlink(this.pathOf(sha256)).catch(() => undefined));
  }
}

/** The store the configuration names: DOCUMENTS_DIR, else MySQL. */
export function fileStoreOf(config: Config): FileStore {
  return config.documentsDir ? new DirectoryFileStore(config.documentsDir) : new MysqlFileStore();
}
