import { MigrationInterface, QueryRunner } from "typeorm";

// The initial schema, written by hand. Conventions: snake_case, utf8mb4, InnoDB, times in UTC
// as DATETIME(3), money as INT minor units plus CHAR(3) currency, every foreign key indexed and
// every list order backed by an index that ends in the primary key (keyset pagination).
export class Initial1763700000000 implements MigrationInterface {
  name = "Initial1763700000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE resellers (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      name VARCHAR(200) NOT NULL,
      email VARCHAR(254) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id)
    )`);

    await table(`CREATE TABLE customers (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_number VARCHAR(20) NOT NULL,
      reseller_id INT UNSIGNED NULL,
      kind ENUM('BUSINESS','PRIVATE') NOT NULL,
      company_name VARCHAR(200) NULL,
      legal_form VARCHAR(50) NULL,
      salutation VARCHAR(20) NULL,
      first_name VARCHAR(100) NULL,
      last_name VARCHAR(100) NULL,
      vat_id VARCHAR(20) NULL,
      street VARCHAR(200) NOT NULL,
      postal_code VARCHAR(20) NOT NULL,
      city VARCHAR(100) NOT NULL,
      country_code CHAR(2) NOT NULL,
      email VARCHAR(254) NOT NULL,
      phone VARCHAR(32) NULL,
      mobile VARCHAR(32) NULL,
      billing_name VARCHAR(200) NULL,
      billing_street VARCHAR(200) NULL,
      billing_postal_code VARCHAR(20) NULL,
      billing_city VARCHAR(100) NULL,
      billing_country_code CHAR(2) NULL,
      payment_method ENUM('SEPA_DIRECT_DEBIT','BANK_TRANSFER') NOT NULL DEFAULT 'BANK_TRANSFER',
      sepa_iban VARCHAR(34) NULL,
      sepa_bic VARCHAR(11) NULL,
      sepa_account_holder VARCHAR(200) NULL,
      sepa_mandate_reference VARCHAR(35) NULL,
      sepa_mandate_date DATE NULL,
      sepa_scheme ENUM('CORE','B2B') NULL,
      online_invoice_enabled TINYINT(1) NOT NULL DEFAULT 0,
      online_invoice_email VARCHAR(254) NULL,
      online_invoice_enabled_at DATETIME(3) NULL,
      newsletter_enabled TINYINT(1) NOT NULL DEFAULT 0,
      newsletter_email VARCHAR(254) NULL,
      newsletter_consent_at DATETIME(3) NULL,
      customer_pin CHAR(6) NULL,
      customer_password_hash VARCHAR(255) NULL,
      ip_allowlist JSON NULL,
      locale ENUM('de','en') NOT NULL DEFAULT 'de',
      status ENUM('ACTIVE','SUSPENDED','CLOSED') NOT NULL DEFAULT 'ACTIVE',
      version INT UNSIGNED NOT NULL DEFAULT 1,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_customers_number (customer_number),
      KEY idx_customers_reseller (reseller_id, id),
      KEY idx_customers_company (company_name),
      KEY idx_customers_last_name (last_name),
      KEY idx_customers_email (email),
      CONSTRAINT fk_customers_reseller FOREIGN KEY (reseller_id) REFERENCES resellers (id)
    )`);

    await table(`CREATE TABLE contacts (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      types SET('STANDARD','BILLING','TECHNICAL','OWNER','SIGNATORY','OTHER') NOT NULL,
      salutation VARCHAR(20) NULL,
      first_name VARCHAR(100) NOT NULL,
      last_name VARCHAR(100) NOT NULL,
      email VARCHAR(254) NOT NULL,
      email_confirmed_at DATETIME(3) NULL,
      phone VARCHAR(32) NULL,
      phone_password_hash VARCHAR(255) NULL,
      restrictions VARCHAR(2000) NULL,
      receives_invoices TINYINT(1) NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_contacts_customer (customer_id, id),
      KEY idx_contacts_email (email),
      CONSTRAINT fk_contacts_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE products (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      type ENUM('WEB_HOSTING','DOMAIN','SERVER','MAIL','VOIP','INTERNET_LINE','MOBILE') NOT NULL,
      plan VARCHAR(100) NOT NULL,
      identifier VARCHAR(255) NOT NULL,
      status ENUM('ORDERED','ACTIVE','SUSPENDED','CANCELLED') NOT NULL,
      installation_street VARCHAR(200) NULL,
      installation_postal_code VARCHAR(20) NULL,
      installation_city VARCHAR(100) NULL,
      installation_country_code CHAR(2) NULL,
      price_amount INT NOT NULL,
      price_currency CHAR(3) NOT NULL DEFAULT 'EUR',
      billing_period ENUM('MONTHLY','YEARLY','ONE_TIME') NOT NULL DEFAULT 'MONTHLY',
      start_date DATE NOT NULL,
      end_date DATE NULL,
      specs JSON NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_products_customer (customer_id, id),
      KEY idx_products_customer_status (customer_id, status, id),
      KEY idx_products_type_plan (type, plan),
      CONSTRAINT fk_products_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE invoices (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      number VARCHAR(20) NOT NULL,
      kind ENUM('INVOICE','CREDIT_NOTE') NOT NULL DEFAULT 'INVOICE',
      original_invoice_id INT UNSIGNED NULL,
      issue_date DATE NOT NULL,
      due_date DATE NOT NULL,
      period_start DATE NULL,
      period_end DATE NULL,
      status ENUM('OPEN','PAID','CANCELLED') NOT NULL DEFAULT 'OPEN',
      net_amount INT NOT NULL,
      vat_amount INT NOT NULL,
      gross_amount INT NOT NULL,
      currency CHAR(3) NOT NULL DEFAULT 'EUR',
      billing_name VARCHAR(200) NOT NULL,
      billing_street VARCHAR(200) NOT NULL,
      billing_postal_code VARCHAR(20) NOT NULL,
      billing_city VARCHAR(100) NOT NULL,
      billing_country_code CHAR(2) NOT NULL,
      billing_addressees JSON NOT NULL,
      paid_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_invoices_number (number),
      KEY idx_invoices_customer_date (customer_id, issue_date, id),
      KEY idx_invoices_customer_status_date (customer_id, status, issue_date, id),
      KEY idx_invoices_original (original_invoice_id),
      CONSTRAINT fk_invoices_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_invoices_original FOREIGN KEY (original_invoice_id) REFERENCES invoices (id)
    )`);

    await table(`CREATE TABLE invoice_lines (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      invoice_id INT UNSIGNED NOT NULL,
      position SMALLINT UNSIGNED NOT NULL,
      description VARCHAR(500) NOT NULL,
      product_id INT UNSIGNED NULL,
      quantity DECIMAL(12,3) NOT NULL,
      unit_price_amount INT NOT NULL,
      vat_rate DECIMAL(5,2) NOT NULL,
      net_amount INT NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_invoice_lines_position (invoice_id, position),
      KEY idx_invoice_lines_product (product_id),
      CONSTRAINT fk_invoice_lines_invoice FOREIGN KEY (invoice_id) REFERENCES invoices (id),
      CONSTRAINT fk_invoice_lines_product FOREIGN KEY (product_id) REFERENCES products (id)
    )`);

    await table(`CREATE TABLE users (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      kind ENUM('CUSTOMER','RESELLER','STAFF') NOT NULL,
      email VARCHAR(254) NOT NULL,
      display_name VARCHAR(200) NOT NULL,
      password_hash VARCHAR(255) NULL,
      reseller_id INT UNSIGNED NULL,
      reseller_role ENUM('ADMIN','BILLING','TECHNICAL','READ_ONLY') NULL,
      staff_role ENUM('SUPPORT','ADMIN') NULL,
      disabled_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_users_email (email),
      KEY idx_users_reseller (reseller_id),
      CONSTRAINT fk_users_reseller FOREIGN KEY (reseller_id) REFERENCES resellers (id)
    )`);

    await table(`CREATE TABLE memberships (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      user_id INT UNSIGNED NOT NULL,
      customer_id INT UNSIGNED NOT NULL,
      role ENUM('ADMIN','BILLING','TECHNICAL','READ_ONLY') NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_memberships_user_customer (user_id, customer_id),
      KEY idx_memberships_customer (customer_id),
      CONSTRAINT fk_memberships_user FOREIGN KEY (user_id) REFERENCES users (id),
      CONSTRAINT fk_memberships_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    await table(`CREATE TABLE email_verifications (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NULL,
      purpose ENUM('CUSTOMER_EMAIL','CONTACT_EMAIL','ONLINE_INVOICE_EMAIL','NEWSLETTER_EMAIL','LOGIN_EMAIL') NOT NULL,
      target_id INT UNSIGNED NOT NULL,
      new_email VARCHAR(254) NOT NULL,
      token_hash BINARY(32) NOT NULL,
      status ENUM('PENDING','CONFIRMED','EXPIRED','CANCELLED','SUPERSEDED') NOT NULL DEFAULT 'PENDING',
      expires_at DATETIME(3) NOT NULL,
      last_sent_at DATETIME(3) NULL,
      delivery_state ENUM('QUEUED','SENT','FAILED') NOT NULL DEFAULT 'QUEUED',
      delivery_error VARCHAR(500) NULL,
      confirmed_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_email_verifications_token (token_hash),
      KEY idx_email_verifications_customer (customer_id, status, id),
      KEY idx_email_verifications_target (purpose, target_id, status),
      KEY idx_email_verifications_expiry (status, expires_at),
      CONSTRAINT fk_email_verifications_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`);

    // Side effects are written here in the transaction that causes them; the relay hands them
    // to BullMQ after commit and a sweeper re-adds rows left undispatched.
    await table(`CREATE TABLE outbox (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      topic VARCHAR(64) NOT NULL,
      payload JSON NOT NULL,
      request_id VARCHAR(100) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      dispatched_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      KEY idx_outbox_undispatched (dispatched_at, id)
    )`);

    // One row per recipient of one message: the unique key is what keeps a retried job from
    // sending the same thing twice.
    await table(`CREATE TABLE mail_deliveries (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      delivery_key VARCHAR(191) NOT NULL,
      outbox_id BIGINT UNSIGNED NULL,
      recipient VARCHAR(254) NOT NULL,
      status ENUM('SENDING','SENT','FAILED') NOT NULL,
      message_id VARCHAR(255) NULL,
      error VARCHAR(500) NULL,
      attempts INT UNSIGNED NOT NULL DEFAULT 0,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_mail_deliveries_key (delivery_key),
      KEY idx_mail_deliveries_outbox (outbox_id),
      CONSTRAINT fk_mail_deliveries_outbox FOREIGN KEY (outbox_id) REFERENCES outbox (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of [
      "mail_deliveries",
      "outbox",
      "email_verifications",
      "memberships",
      "users",
      "invoice_lines",
      "invoices",
      "products",
      "contacts",
      "customers",
      "resellers",
    ]) {
      await q.query(`DROP TABLE ${name}`);
    }
  }
}
