import { MigrationInterface, QueryRunner } from "typeorm";

// Documents and data protection (issue 20). Files are content-addressed by SHA-256 in
// stored_files (content in the row for the MySQL store, NULL when DOCUMENTS_DIR holds it);
// documents, their versions and request attachments are the documents module's; the DPA, its
// acceptances, data exports and closure requests the data-protection module's.
export class Documents1765200000000 implements MigrationInterface {
  name = "Documents1765200000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE stored_files (
      sha256 BINARY(32) NOT NULL,
      size INT UNSIGNED NOT NULL,
      content_type VARCHAR(100) NOT NULL,
      content LONGBLOB NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (sha256)
    )`);

    await table(`CREATE TABLE documents (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      title_de VARCHAR(200) NOT NULL,
      title_en VARCHAR(200) NOT NULL,
      category ENUM('TERMS','PRICE_LIST','FORM','MANUAL','CONTRACT') NOT NULL,
      visibility ENUM('ALL_CUSTOMERS','PRODUCT_TYPE','CUSTOMER') NOT NULL,
      product_type ENUM('WEB_HOSTING','DOMAIN','SERVER','MAIL','VOIP','INTERNET_LINE','MOBILE') NULL,
      customer_id INT UNSIGNED NULL,
      current_version_id INT UNSIGNED NULL,
      created_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_documents_visibility (visibility, product_type, id),
      KEY idx_documents_customer (customer_id, id),
      CONSTRAINT fk_documents_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE document_versions (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      document_id INT UNSIGNED NOT NULL,
      version INT UNSIGNED NOT NULL,
      file_sha256 BINARY(32) NOT NULL,
      filename VARCHAR(200) NOT NULL,
      created_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_document_versions (document_id, version),
      KEY idx_document_versions_file (file_sha256),
      CONSTRAINT fk_document_versions_document FOREIGN KEY (document_id) REFERENCES documents (id),
      CONSTRAINT fk_document_versions_file FOREIGN KEY (file_sha256) REFERENCES stored_files (sha256)
    )`);

    await table(`CREATE TABLE request_attachments (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      change_request_id INT UNSIGNED NULL,
      support_request_id INT UNSIGNED NULL,
      file_sha256 BINARY(32) NOT NULL,
      filename VARCHAR(200) NOT NULL,
      uploaded_by VARCHAR(300) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_request_attachments_customer (customer_id, id),
      KEY idx_request_attachments_change (change_request_id, id),
      KEY idx_request_attachments_support (support_request_id, id),
      KEY idx_request_attachments_file (file_sha256),
      CONSTRAINT fk_request_attachments_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_request_attachments_change FOREIGN KEY (change_request_id) REFERENCES change_requests (id),
      CONSTRAINT fk_request_attachments_support FOREIGN KEY (support_request_id) REFERENCES support_requests (id),
      CONSTRAINT fk_request_attachments_file FOREIGN KEY (file_sha256) REFERENCES stored_files (sha256)
    )`);

    await table(`CREATE TABLE dpa_versions (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      label VARCHAR(50) NOT NULL,
      file_sha256 BINARY(32) NOT NULL,
      published_by VARCHAR(300) NOT NULL,
      published_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_dpa_versions_label (label),
      KEY idx_dpa_versions_file (file_sha256),
      CONSTRAINT fk_dpa_versions_file FOREIGN KEY (file_sha256) REFERENCES stored_files (sha256)
    )`);

    // The evidence of an acceptance: which text (by its hash), who, when, from where.
    await table(`CREATE TABLE dpa_acceptances (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      dpa_version_id INT UNSIGNED NOT NULL,
      file_sha256 BINARY(32) NOT NULL,
      accepted_by_user_id INT UNSIGNED NULL,
      accepted_by VARCHAR(300) NOT NULL,
      ip_address VARCHAR(45) NOT NULL,
      accepted_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_dpa_acceptances (customer_id, dpa_version_id),
      KEY idx_dpa_acceptances_version (dpa_version_id, customer_id),
      CONSTRAINT fk_dpa_acceptances_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_dpa_acceptances_version FOREIGN KEY (dpa_version_id) REFERENCES dpa_versions (id)
    )`);

    // The download link is derived from token_seed and a LINK_TOKEN_KEYS key (only its hash is
    // looked up), like confirmation links. building_customer_id is set only while an export is being built: its unique key lets one
    // build run per customer at a time, whatever races.
    await table(`CREATE TABLE data_exports (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      status ENUM('BUILDING','READY','FAILED','EXPIRED') NOT NULL DEFAULT 'BUILDING',
      building_customer_id INT UNSIGNED AS (IF(status = 'BUILDING', customer_id, NULL)) PERSISTENT,
      requested_by_user_id INT UNSIGNED NULL,
      requested_by VARCHAR(300) NOT NULL,
      file_sha256 BINARY(32) NULL,
      token_seed BINARY(32) NULL,
      token_key_id VARCHAR(32) NULL,
      token_hash BINARY(32) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      ready_at DATETIME(3) NULL,
      expires_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_data_exports_building (building_customer_id),
      UNIQUE KEY uq_data_exports_token (token_hash),
      KEY idx_data_exports_customer (customer_id, id),
      KEY idx_data_exports_file (file_sha256),
      CONSTRAINT fk_data_exports_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_data_exports_file FOREIGN KEY (file_sha256) REFERENCES stored_files (sha256)
    )`);

    await table(`CREATE TABLE closure_requests (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      status ENUM('PENDING','APPROVED','COMPLETED','REJECTED') NOT NULL DEFAULT 'PENDING',
      open_customer_id INT UNSIGNED AS (IF(status IN ('PENDING','APPROVED'), customer_id, NULL)) PERSISTENT,
      reason VARCHAR(2000) NULL,
      requested_by VARCHAR(300) NOT NULL,
      decided_by VARCHAR(300) NULL,
      decision_reason VARCHAR(2000) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      decided_at DATETIME(3) NULL,
      completed_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_closure_requests_open (open_customer_id),
      KEY idx_closure_requests_customer (customer_id, id),
      KEY idx_closure_requests_status (status, id),
      CONSTRAINT fk_closure_requests_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await q.query("ALTER TABLE customers ADD COLUMN closed_at DATETIME(3) NULL");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE customers DROP COLUMN closed_at");
    for (const name of [
      "closure_requests",
      "data_exports",
      "dpa_acceptances",
      "dpa_versions",
      "request_attachments",
      "document_versions",
      "documents",
      "stored_files",
    ])
      await q.query(`DROP TABLE ${name}`);
  }
}
