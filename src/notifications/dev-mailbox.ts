import { DataSource } from "typeorm";
import { jsonColumn, Row } from "../platform/rows";

// The development mailbox's rows (migration DevMailbox1764300000000). Outside production without
// SMTP_URL the mail transport writes here, and /dev/mailbox reads it.

export interface DevMailAttachmentInput {
  filename: string | null;
  contentType: string;
  content: Buffer;
}

export interface DevMailInput {
  messageId: string;
  to: string[];
  from: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  attachments: DevMailAttachmentInput[];
}

export interface DevMailAttachment {
  id: number;
  filename: string | null;
  contentType: string;
  size: number;
}

export interface DevMail extends Omit<DevMailInput, "attachments"> {
  id: number;
  createdAt: Date;
  attachments: DevMailAttachment[];
}

/** Stores one message with its attachments; returns the message's row id. */
export async function storeDevMail(db: DataSource, mail: DevMailInput): Promise<number> {
  return db.transaction(async (tx) => {
    const result = await tx.query(
      "INSERT INTO dev_mailbox_messages (message_id, envelope_to, from_address, subject, text_body, html_body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [mail.messageId, JSON.stringify(mail.to), mail.from, mail.subject, mail.text, mail.html, new Date()],
    );
    const id = Number(result.insertId);
    for (const attachment of mail.attachments) {
      await tx.query("INSERT INTO dev_mailbox_attachments (message_id, filename, content_type, content) VALUES (?, ?, ?, ?)", [
        id,
        attachment.filename,
        attachment.contentType,
        attachment.content,
      ]);
    }
    return id;
  });
}

/** Messages newest first, optionally only those to one address (compared case-insensitively). */
export async function listDevMail(db: DataSource, options: { to?: string; limit?: number } = {}): Promise<DevMail[]> {
  const filter = options.to ? "WHERE JSON_CONTAINS(LOWER(envelope_to), JSON_QUOTE(LOWER(?)))" : "";
  const rows: Row[] = await db.query(
    `SELECT id, message_id, envelope_to, from_address, subject, text_body, html_body, created_at
     FROM dev_mailbox_messages ${filter} ORDER BY id DESC LIMIT ?`,
    [...(options.to ? [options.to] : []), options.limit ?? 200],
  );
  if (!rows.length) return [];
  const attachments: Row[] = await db.query(
    `SELECT id, message_id, filename, content_type, LENGTH(content) AS size
     FROM dev_mailbox_attachments WHERE message_id IN (${rows.map(() => "?").join(", ")}) ORDER BY id`,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    id: row.id,
    messageId: row.message_id,
    to: jsonColumn<string[]>(row.envelope_to) ?? [],
    from: row.from_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    createdAt: row.created_at,
    attachments: attachments
      .filter((a) => a.message_id === row.id)
      .map((a) => ({ id: a.id, filename: a.filename, contentType: a.content_type, size: Number(a.size) })),
  }));
}

export async function devMailAttachment(db: DataSource, id: number): Promise<(DevMailAttachment & { content: Buffer }) | null> {
  const [row] = await db.query("SELECT id, filename, content_type, content FROM dev_mailbox_attachments WHERE id = ?", [id]);
  return row ? { id: row.id, filename: row.filename, contentType: row.content_type, size: row.content.length, content: row.content } : null;
}

/** Empties the mailbox (attachments go with their messages). */
export async function clearDevMail(db: DataSource): Promise<void> {
  await db.query("DELETE FROM dev_mailbox_messages");
}
