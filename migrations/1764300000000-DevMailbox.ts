import { MigrationInterface, QueryRunner } from "typeorm";

// The development mailbox: outside production without SMTP_URL, every email is stored here
// instead of sent, so that the API and separately started workers all see the same messages.
// Created everywhere (the migration list is one for all environments); empty in production.
export class DevMailbox1764300000000 implements MigrationInterface {
  name = "DevMailbox1764300000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await table(`CREATE TABLE dev_mailbox_messages (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      message_id VARCHAR(998) NOT NULL,
      envelope_to JSON NOT NULL,
      from_address VARCHAR(998) NULL,
      subject VARCHAR(998) NULL,
      text_body MEDIUMTEXT NULL,
      html_body MEDIUMTEXT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id)
    )`);

    await table(`CREATE TABLE dev_mailbox_attachments (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      message_id INT UNSIGNED NOT NULL,
      filename VARCHAR(255) NULL,
      content_type VARCHAR(255) NOT NULL,
      content LONGBLOB NOT NULL,
      PRIMARY KEY (id),
      KEY idx_dev_mailbox_attachments_message (message_id),
      CONSTRAINT fk_dev_mailbox_attachments_message FOREIGN KEY (message_id) REFERENCES dev_mailbox_messages (id) ON DELETE CASCADE
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ["dev_mailbox_attachments", "dev_mailbox_messages"]) await q.query(`DROP TABLE ${name}`);
  }
}
