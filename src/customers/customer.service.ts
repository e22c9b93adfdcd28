import { idOfType } from "../platform/global-id";
import { DataSource } from "typeorm";
import { customerScope } from "../access/access";
import { readQuery } from "../platform/db";
import { Context } from "../platform/context";
import { decodeCursor, keysetCondition, OrderColumn, Page } from "../platform/pagination";
import { rowLoader, rowSource } from "../platform/loaders";
import { columnsFor } from "../platform/projection";
import { boolColumn, jsonColumn, Row } from "../platform/rows";
import { CustomerKind, CustomerStatus, Locale, PaymentMethod, SepaScheme } from "./customer.enums";
import { CustomerNode } from "./customer.types";
import { toGlobalId } from "../platform/global-id";

/** Shows country, check digits and the last four characters: "AT61 **** 3456". */
export function maskIban(iban: string): string {
  const compact = iban.replace(/\s+/g, "");
  return `${compact.slice(0, 4)} **** ${compact.slice(-4)}`;
}

/** What a customer is called: the company of a business, else the person, else its number. */
export function displayNameOf(r: Row): string {
  return (r.kind === CustomerKind.BUSINESS && r.company_name) || [r.first_name, r.last_name].filter(Boolean).join(" ") || r.customer_number;
}

export function customerFromRow(r: Row): CustomerNode {
  // Assigned onto the instance (type-graphql copies a plain root for every field resolver), and
  // the nested parts only when their columns were read: a list reads the selected columns only
  // (platform/projection.ts), and a page of 50 customers would build them for nothing.
  const c = new CustomerNode();
  c.__typename = "Customer";
  c.id = toGlobalId("Customer", r.id);
  c.dbId = r.id;
  c.resellerId = r.reseller_id;
  c.mergedIntoId = r.merged_into_id ?? null;
  c.customerNumber = r.customer_number;
  c.kind = r.kind as CustomerKind;
  c.displayName = displayNameOf(r);
  c.companyName = r.company_name ?? undefined;
  c.legalForm = r.legal_form ?? undefined;
  c.salutation = r.salutation ?? undefined;
  c.firstName = r.first_name ?? undefined;
  c.lastName = r.last_name ?? undefined;
  c.vatId = r.vat_id ?? undefined;
  if ("street" in r) c.address = { street: r.street, postalCode: r.postal_code, city: r.city, countryCode: r.country_code };
  c.billingAddress = r.billing_street
    ? {
        name: r.billing_name ?? c.displayName,
        street: r.billing_street,
        postalCode: r.billing_postal_code,
        city: r.billing_city,
        countryCode: r.billing_country_code,
      }
    : undefined;
  c.email = r.email;
  c.phone = r.phone ?? undefined;
  c.mobile = r.mobile ?? undefined;
  if ("payment_method" in r) {
    c.payment = {
      method: r.payment_method as PaymentMethod,
      sepa:
        r.payment_method === PaymentMethod.SEPA_DIRECT_DEBIT && r.sepa_iban
          ? {
              iban: maskIban(r.sepa_iban),
              fullIban: r.sepa_iban,
              customer: { dbId: r.id, resellerId: r.reseller_id },
              bic: r.sepa_bic ?? undefined,
              accountHolder: r.sepa_account_holder ?? "",
              mandateReference: r.sepa_mandate_reference ?? undefined,
              mandateDate: r.sepa_mandate_date ?? undefined,
              scheme: (r.sepa_scheme ?? SepaScheme.CORE) as SepaScheme,
            }
          : undefined,
    };
  }
  if ("online_invoice_enabled" in r) {
    c.onlineInvoice = { customerId: r.id, enabled: boolColumn(r.online_invoice_enabled), email: r.online_invoice_email ?? undefined };
  }
  if ("invoice_format" in r) c.invoiceSettings = { format: r.invoice_format, buyerReference: r.buyer_reference ?? undefined };
  if ("newsletter_enabled" in r) {
    c.newsletter = {
      customerId: r.id,
      enabled: boolColumn(r.newsletter_enabled),
      email: r.newsletter_email ?? undefined,
      consentAt: r.newsletter_consent_at ?? undefined,
    };
  }
  if ("has_customer_password" in r) c.hasCustomerPassword = Boolean(r.has_customer_password);
  if ("ip_allowlist" in r) c.ipAllowlist = jsonColumn<string[]>(r.ip_allowlist) ?? [];
  c.locale = r.locale as Locale;
  c.status = r.status as CustomerStatus;
  c.version = r.version;
  c.createdAt = r.created_at;
  c.updatedAt = r.updated_at;
  return c;
}

const NAME_COLUMNS = ["kind", "company_name", "first_name", "last_name", "customer_number"];
/** Everything customerFromRow reads; never the PIN or the password hash. */
/** The columns of the payment method: bank transfer or a SEPA mandate. */
export const PAYMENT_COLUMNS = [
  "payment_method",
  "sepa_iban",
  "sepa_bic",
  "sepa_account_holder",
  "sepa_mandate_reference",
  "sepa_mandate_date",
  "sepa_scheme",
] as const;

export const CUSTOMERS = rowSource({
  table: "customers",
  // What authorization (CustomerRef) and merged-customer lookups read.
  always: ["id", "reseller_id", "merged_into_id"],
  fields: {
    id: [],
    contacts: [],
    products: [],
    invoices: [],
    pendingEmailVerifications: [],
    reseller: [],
    customerNumber: ["customer_number"],
    kind: ["kind"],
    displayName: NAME_COLUMNS,
    companyName: ["company_name"],
    legalForm: ["legal_form"],
    salutation: ["salutation"],
    firstName: ["first_name"],
    lastName: ["last_name"],
    vatId: ["vat_id"],
    address: ["street", "postal_code", "city", "country_code"],
    billingAddress: [...NAME_COLUMNS, "billing_name", "billing_street", "billing_postal_code", "billing_city", "billing_country_code"],
    email: ["email"],
    phone: ["phone"],
    mobile: ["mobile"],
    payment: PAYMENT_COLUMNS,
    onlineInvoice: ["online_invoice_enabled", "online_invoice_email"],
    invoiceSettings: ["invoice_format", "buyer_reference"],
    newsletter: ["newsletter_enabled", "newsletter_email", "newsletter_consent_at"],
    ipAllowlist: ["ip_allowlist"],
    hasCustomerPassword: ["customer_password_hash IS NOT NULL AS has_customer_password"],
    locale: ["locale"],
    status: ["status"],
    version: ["version"],
    createdAt: ["created_at"],
    updatedAt: ["updated_at"],
  },
  map: customerFromRow,
});

export const customerById = (db: DataSource) => rowLoader(db, CUSTOMERS, "id");
const pinById = (db: DataSource) =>
  rowLoader(db, { table: "customers", columns: ["id", "customer_pin"], map: (r) => (r.customer_pin as string | null) ?? null }, "id");
export const customerByNumber = (db: DataSource) => rowLoader(db, CUSTOMERS, "customer_number");

const CUSTOMER_ORDER: OrderColumn[] = [{ column: "id" }];

/** Escapes LIKE wildcards so that a search for "50%" means the text "50%". */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const CustomerService = {
  /** A customer as the target of a mutation (see mutate), by its global id. */
  async target(ctx: Context, customerGid: string, field = "customerId"): Promise<{ customer: CustomerNode | null }> {
    return { customer: await CustomerService.byId(ctx, idOfType(customerGid, "Customer", field)) };
  },

  byId(ctx: Context, id: number): Promise<CustomerNode | null> {
    return ctx.loaders.get(customerById).load(id);
  },

  /** By customer number; a number merged into another customer finds that one. */
  async byNumber(ctx: Context, customerNumber: string): Promise<CustomerNode | null> {
    const customer = await ctx.loaders.get(customerByNumber).load(customerNumber);
    if (customer) return customer.mergedIntoId ? CustomerService.byId(ctx, customer.mergedIntoId) : customer;
    const [alias] = await ctx.db.query("SELECT customer_id FROM customer_aliases WHERE customer_number = ?", [customerNumber]);
    return alias ? CustomerService.byId(ctx, alias.customer_id) : null;
  },

  pin(ctx: Context, customerId: number): Promise<string | null> {
    return ctx.loaders.get(pinById).load(customerId);
  },

  /** A keyset page ordered by id; the search matches a number prefix, a name or an email part. */
  async list(
    ctx: Context,
    args: { first: number; after?: string; search?: string; resellerId?: number },
    fields?: ReadonlySet<string>,
  ): Promise<Page<CustomerNode>> {
    const columns = columnsFor(ctx, CUSTOMERS, fields) ?? CUSTOMERS.columns;
    const where: string[] = [];
    const params: unknown[] = [];
    const search = args.search?.trim();
    if (search) {
      const part = `%${likeEscape(search)}%`;
      where.push("(customer_number LIKE ? OR company_name LIKE ? OR last_name LIKE ? OR first_name LIKE ? OR email LIKE ?)");
      params.push(`${likeEscape(search)}%`, part, part, part, part);
    }
    if (args.resellerId !== undefined) {
      where.push("reseller_id = ?");
      params.push(args.resellerId);
    }
    // The caller's scope is part of the query: nothing outside it is ever read.
    const scope = customerScope(ctx.principal);
    where.push(scope.sql);
    params.push(...scope.params);
    const filterSql = where.join(" AND ");
    const filterParams = [...params];
    if (args.after) {
      const keyset = keysetCondition(CUSTOMER_ORDER, decodeCursor(args.after, CUSTOMER_ORDER));
      where.push(keyset.sql);
      params.push(...keyset.params);
    }
    const rows: Row[] = await readQuery(
      ctx.db,
      `SELECT ${columns.join(", ")} FROM customers${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ?`,
      [...params, args.first + 1],
    );
    // Only whole customers may stand in for customerById's answers.
    const byId = columns === CUSTOMERS.columns ? ctx.loaders.get(customerById) : undefined;
    const nodes = rows.map((r) => {
      const node = customerFromRow(r);
      byId?.prime(node.dbId, node);
      return node;
    });
    const count = async () => {
      const [row] = await readQuery(ctx.db, `SELECT COUNT(*) AS n FROM customers${filterSql ? ` WHERE ${filterSql}` : ""}`, filterParams);
      return Number(row.n);
    };
    return new Page(
      nodes,
      nodes.map((n) => n.dbId),
      args.first,
      !!args.after,
      count,
    );
  },
};
