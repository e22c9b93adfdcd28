import { MigrationInterface, QueryRunner } from "typeorm";

const PRODUCT_TYPES = "'WEB_HOSTING','DOMAIN','SERVER','MAIL','VOIP','INTERNET_LINE','MOBILE'";

// The product catalog (owned by catalog/), customers' orders (orders/), and sign-in to a product's
// control panel (panels/): the panels' OAuth clients and the single-use sign-in tokens given out.
// Products refer to their plan (nullable: staff may book outside the catalog) and record a price
// that takes effect from the next billing period. A domain is held by one active product at most:
// `active_domain` is the identifier of a DOMAIN product that is not cancelled, else NULL, and its
// unique index lets any number of NULLs through.
export class Orders1765400000000 implements MigrationInterface {
  name = "Orders1765400000000";

  async up(q: QueryRunner): Promise<void> {
    const table = (sql: string) => q.query(`${sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    await table(`CREATE TABLE catalog_plans (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      product_type ENUM(${PRODUCT_TYPES}) NOT NULL,
      name_de VARCHAR(100) NOT NULL,
      name_en VARCHAR(100) NOT NULL,
      price_amount INT NOT NULL,
      price_currency CHAR(3) NOT NULL DEFAULT 'EUR',
      billing_period ENUM('MONTHLY','YEARLY','ONE_TIME') NOT NULL,
      specs JSON NULL,
      approval ENUM('AUTOMATIC','REVIEW') NOT NULL DEFAULT 'REVIEW',
      technical_may_order TINYINT(1) NOT NULL DEFAULT 0,
      needs_installation_address TINYINT(1) NOT NULL DEFAULT 0,
      orderable TINYINT(1) NOT NULL DEFAULT 1,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_catalog_plans_name (product_type, name_de),
      KEY idx_catalog_plans_type (product_type, id)
    )`);

    // The plan changes the catalog allows, each an upgrade or a downgrade.
    await table(`CREATE TABLE catalog_plan_changes (
      from_plan_id INT UNSIGNED NOT NULL,
      to_plan_id INT UNSIGNED NOT NULL,
      direction ENUM('UPGRADE','DOWNGRADE') NOT NULL,
      PRIMARY KEY (from_plan_id, to_plan_id),
      KEY idx_catalog_plan_changes_to (to_plan_id),
      CONSTRAINT fk_catalog_plan_changes_from FOREIGN KEY (from_plan_id) REFERENCES catalog_plans (id),
      CONSTRAINT fk_catalog_plan_changes_to FOREIGN KEY (to_plan_id) REFERENCES catalog_plans (id)
    )`);

    await q.query(`ALTER TABLE products
      ADD COLUMN plan_id INT UNSIGNED NULL AFTER plan,
      ADD COLUMN next_price_amount INT NULL AFTER price_currency,
      ADD COLUMN next_price_from DATE NULL AFTER next_price_amount,
      ADD COLUMN active_domain VARCHAR(255) AS (CASE WHEN type = 'DOMAIN' AND status <> 'CANCELLED' THEN identifier END) STORED,
      ADD UNIQUE KEY uq_products_active_domain (active_domain),
      ADD KEY idx_products_plan (plan_id),
      ADD CONSTRAINT fk_products_plan FOREIGN KEY (plan_id) REFERENCES catalog_plans (id)`);

    await q.query(`ALTER TABLE product_plan_changes
      ADD COLUMN price_amount INT NULL AFTER new_plan,
      ADD COLUMN price_currency CHAR(3) NULL AFTER price_amount,
      ADD COLUMN price_from DATE NULL AFTER price_currency`);

    await table(`CREATE TABLE orders (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      customer_id INT UNSIGNED NOT NULL,
      kind ENUM('NEW_PRODUCT','PLAN_CHANGE') NOT NULL,
      plan_id INT UNSIGNED NOT NULL,
      product_id INT UNSIGNED NULL,
      identifier VARCHAR(255) NULL,
      installation_street VARCHAR(200) NULL,
      installation_postal_code VARCHAR(20) NULL,
      installation_city VARCHAR(100) NULL,
      installation_country_code CHAR(2) NULL,
      status ENUM('PENDING','APPROVED','REJECTED','CANCELLED') NOT NULL DEFAULT 'PENDING',
      ordered_by VARCHAR(300) NOT NULL,
      ordered_by_user_id INT UNSIGNED NULL,
      reason VARCHAR(500) NULL,
      decided_by VARCHAR(300) NULL,
      decided_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY idx_orders_customer (customer_id, id),
      KEY idx_orders_status (status, id),
      KEY idx_orders_plan (plan_id),
      KEY idx_orders_product (product_id),
      CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
      CONSTRAINT fk_orders_plan FOREIGN KEY (plan_id) REFERENCES catalog_plans (id),
      CONSTRAINT fk_orders_product FOREIGN KEY (product_id) REFERENCES products (id)
    )`);

    // A panel's own OAuth client (client credentials), for the consume endpoint only.
    await table(`CREATE TABLE panel_clients (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      product_type ENUM(${PRODUCT_TYPES}) NOT NULL,
      client_id VARCHAR(64) NOT NULL,
      secret_hash VARCHAR(255) NOT NULL,
      name VARCHAR(200) NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      revoked_at DATETIME(3) NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_panel_clients_client_id (client_id)
    )`);

    // Each sign-in token given out, by its jti: consumed once, by a client of the token's panel.
    await table(`CREATE TABLE panel_sign_ins (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT,
      jti CHAR(43) NOT NULL,
      product_id INT UNSIGNED NOT NULL,
      subject VARCHAR(300) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      consumed_at DATETIME(3) NULL,
      consumed_by INT UNSIGNED NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY uq_panel_sign_ins_jti (jti),
      KEY idx_panel_sign_ins_product (product_id),
      KEY idx_panel_sign_ins_client (consumed_by),
      CONSTRAINT fk_panel_sign_ins_product FOREIGN KEY (product_id) REFERENCES products (id),
      CONSTRAINT fk_panel_sign_ins_client FOREIGN KEY (consumed_by) REFERENCES panel_clients (id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ["panel_sign_ins", "panel_clients", "orders"]) await q.query(`DROP TABLE ${name}`);
    await q.query("ALTER TABLE product_plan_changes DROP COLUMN price_from, DROP COLUMN price_currency, DROP COLUMN price_amount");
    await q.query(`ALTER TABLE products DROP FOREIGN KEY fk_products_plan, DROP KEY idx_products_plan, DROP KEY uq_products_active_domain,
      DROP COLUMN active_domain, DROP COLUMN next_price_from, DROP COLUMN next_price_amount, DROP COLUMN plan_id`);
    for (const name of ["catalog_plan_changes", "catalog_plans"]) await q.query(`DROP TABLE ${name}`);
  }
}
