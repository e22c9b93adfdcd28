// The "floor": what a hand-written server would do for the two benchmark operations. A bare
// node:http server with a mysql2/promise pool of the same size as Konto's, straightforward SQL
// with the same number of statements and the same dependency levels as Konto (parent first, then
// every child list at once, batched with IN (...) and window functions), and the same JSON bytes.
//
// Started by run.ts as a child process: `node dist/test/bench/floor.js` with DATABASE_URL,
// FLOOR_POOL_SIZE and PORT (0 = any); it prints one JSON line {"msg":"floor listening","url":...}.

import http from "node:http";
import { AddressInfo } from "node:net";
import { RowDataPacket } from "mysql2/promise";
import { floorPool } from "./floor-pool";
import {
  DASHBOARD,
  DASHBOARD_INVOICES_FIRST,
  DASHBOARD_PRODUCTS_FIRST,
  RESELLER_CUSTOMERS_FIRST,
  RESELLER_PAGE,
  RESELLER_PRODUCTS_FIRST,
  cursorOf,
  globalId,
} from "./queries";

type Row = RowDataPacket & Record<string, any>;

class BadRequest extends Error {}

const pool = floorPool();

/** The statements of one request; like Konto with EXPOSE_SQL_COUNT, the floor reports their number. */
class Sql {
  statements = 0;

  async rows(text: string, params: unknown[]): Promise<Row[]> {
    this.statements++;
    const [result] = await pool.query<Row[]>(text, params);
    return result;
  }
}

/** Numeric id of a global id of the given type, as parseGlobalId does. */
function idOf(id: unknown, type: string): number {
  if (typeof id !== "string") throw new BadRequest("id must be a string");
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(Buffer.from(id, "base64url").toString("utf8"));
  if (!match || match[1] !== type || Number(match[2]) > 4294967295) throw new BadRequest(`id is not a ${type} id`);
  return Number(match[2]);
}

function afterId(after: unknown): number | string | undefined {
  if (after === null || after === undefined) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(String(after), "base64url").toString("utf8"));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== 1 || !["string", "number"].includes(typeof values[0])) {
    throw new BadRequest("after is not a cursor of this list");
  }
  return values[0] as number | string;
}

const setColumn = (value: unknown): string[] => (typeof value === "string" && value.length > 0 ? value.split(",") : []);
const boolColumn = (value: unknown): boolean => value === 1 || value === true || value === "1";
const todayUtc = () => new Date().toISOString().slice(0, 10);

function displayName(r: Row): string {
  return r.kind === "BUSINESS" && r.company_name
    ? r.company_name
    : [r.first_name, r.last_name].filter(Boolean).join(" ") || r.customer_number;
}

/** Groups rows by customer_id, keeping their order. */
function byCustomer(list: Row[]): Map<number, Row[]> {
  const map = new Map<number, Row[]>();
  for (const row of list) {
    const key = Number(row.customer_id);
    let group = map.get(key);
    if (!group) map.set(key, (group = []));
    group.push(row);
  }
  return map;
}

// ---- Dashboard: 5 statements (customer, then contacts, products, invoices, verifications at once).

async function dashboard(sql: Sql, variables: Record<string, unknown>): Promise<unknown> {
  const id = idOf(variables.id, "Customer");
  const [c] = await sql.rows(
    `SELECT id, customer_number, kind, company_name, first_name, last_name, email, phone, status, locale,
            street, postal_code, city, country_code,
            billing_name, billing_street, billing_postal_code, billing_city, billing_country_code,
            payment_method, sepa_iban, sepa_bic, sepa_account_holder, sepa_mandate_reference, sepa_scheme
       FROM customers WHERE id = ?`,
    [id],
  );
  if (!c) return { data: { customer: null } };

  const [contacts, products, invoices, verifications] = await Promise.all([
    sql.rows(
      `SELECT id, types, first_name, last_name, email, email_confirmed_at IS NOT NULL AS email_confirmed, phone, receives_invoices
         FROM contacts WHERE customer_id = ? ORDER BY id`,
      [c.id],
    ),
    sql.rows(
      `SELECT id, type, plan, identifier, status, price_amount, price_currency, start_date, COUNT(*) OVER () AS total
         FROM products WHERE customer_id = ? ORDER BY id LIMIT ?`,
      [c.id, DASHBOARD_PRODUCTS_FIRST],
    ),
    sql.rows(
      `SELECT id, number, status, issue_date, due_date, gross_amount, currency, COUNT(*) OVER () AS total
         FROM invoices WHERE customer_id = ? ORDER BY issue_date DESC, id DESC LIMIT ?`,
      [c.id, DASHBOARD_INVOICES_FIRST],
    ),
    sql.rows(
      `SELECT id, purpose, new_email, status, expires_at
         FROM email_verifications WHERE customer_id = ? AND status = 'PENDING' AND expires_at > ? ORDER BY id`,
      [c.id, new Date()],
    ),
  ]);

  const name = displayName(c);
  const today = todayUtc();
  const now = Date.now();
  // Keys in the order of the selection set: GraphQL responses follow it.
  return {
    data: {
      customer: {
        id: globalId("Customer", c.id),
        customerNumber: c.customer_number,
        displayName: name,
        email: c.email,
        phone: c.phone,
        status: c.status,
        locale: c.locale,
        address: { street: c.street, postalCode: c.postal_code, city: c.city, countryCode: c.country_code },
        billingAddress: c.billing_street
          ? {
              name: c.billing_name ?? name,
              street: c.billing_street,
              postalCode: c.billing_postal_code,
              city: c.billing_city,
              countryCode: c.billing_country_code,
            }
          : null,
        payment: {
          method: c.payment_method,
          sepa:
            c.payment_method === "SEPA_DIRECT_DEBIT" && c.sepa_iban
              ? {
                  // In full: the bench signs in to Konto as staff, who see the whole IBAN (rule fullIban).
                  iban: c.sepa_iban,
                  bic: c.sepa_bic,
                  accountHolder: c.sepa_account_holder ?? "",
                  mandateReference: c.sepa_mandate_reference,
                  scheme: c.sepa_scheme ?? "CORE",
                }
              : null,
        },
        contacts: contacts.map((r) => ({
          id: globalId("Contact", r.id),
          types: setColumn(r.types),
          firstName: r.first_name,
          lastName: r.last_name,
          email: r.email,
          emailConfirmed: boolColumn(r.email_confirmed),
          phone: r.phone,
          receivesInvoices: boolColumn(r.receives_invoices),
        })),
        products: {
          totalCount: products.length ? Number(products[0].total) : 0,
          nodes: products.map((r) => ({
            id: globalId("Product", r.id),
            type: r.type,
            plan: r.plan,
            identifier: r.identifier,
            status: r.status,
            price: { amount: r.price_amount, currency: r.price_currency },
            startDate: r.start_date,
          })),
        },
        invoices: {
          totalCount: invoices.length ? Number(invoices[0].total) : 0,
          nodes: invoices.map((r) => ({
            id: globalId("Invoice", r.id),
            number: r.number,
            // OVERDUE is derived: an OPEN invoice past its due date (UTC calendar day).
            status: r.status === "OPEN" && r.due_date < today ? "OVERDUE" : r.status,
            issueDate: r.issue_date,
            dueDate: r.due_date,
            gross: { amount: r.gross_amount, currency: r.currency },
          })),
        },
        pendingEmailVerifications: verifications.map((r) => ({
          id: globalId("EmailVerification", r.id),
          purpose: r.purpose,
          newEmail: r.new_email,
          status: r.status === "PENDING" && r.expires_at.getTime() <= now ? "EXPIRED" : r.status,
        })),
      },
    },
  };
}

// ---- ResellerPage: 4 statements (reseller, its customer page, then contacts and products at once).

async function resellerPage(sql: Sql, variables: Record<string, unknown>): Promise<unknown> {
  const resellerId = idOf(variables.id, "Reseller");
  const after = afterId(variables.after);
  const [reseller] = await sql.rows("SELECT id, name FROM resellers WHERE id = ?", [resellerId]);
  if (!reseller) return { data: { node: null } };

  const page = await sql.rows(
    `SELECT id, customer_number, kind, company_name, first_name, last_name, email
       FROM customers WHERE reseller_id = ?${after === undefined ? "" : " AND id > ?"} ORDER BY id LIMIT ?`,
    after === undefined ? [reseller.id, RESELLER_CUSTOMERS_FIRST + 1] : [reseller.id, after, RESELLER_CUSTOMERS_FIRST + 1],
  );
  const customers = page.slice(0, RESELLER_CUSTOMERS_FIRST);
  const ids = customers.map((c) => c.id);

  const [contacts, products] = ids.length
    ? await Promise.all([
        sql.rows(
          "SELECT customer_id, id, types, first_name, last_name, email FROM contacts WHERE customer_id IN (?) ORDER BY customer_id, id",
          [ids],
        ),
        sql.rows(
          `SELECT customer_id, id, type, plan, identifier, status, total FROM (
             SELECT customer_id, id, type, plan, identifier, status,
                    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS rn,
                    COUNT(*) OVER (PARTITION BY customer_id) AS total
               FROM products WHERE customer_id IN (?)
           ) p WHERE rn <= ? ORDER BY customer_id, rn`,
          [ids, RESELLER_PRODUCTS_FIRST],
        ),
      ])
    : [[], []];
  const contactsOf = byCustomer(contacts);
  const productsOf = byCustomer(products);

  return {
    data: {
      node: {
        name: reseller.name,
        customers: {
          pageInfo: {
            hasNextPage: page.length > RESELLER_CUSTOMERS_FIRST,
            endCursor: customers.length ? cursorOf([customers[customers.length - 1].id]) : null,
          },
          nodes: customers.map((c) => {
            const own = productsOf.get(c.id) ?? [];
            return {
              id: globalId("Customer", c.id),
              customerNumber: c.customer_number,
              displayName: displayName(c),
              email: c.email,
              contacts: (contactsOf.get(c.id) ?? []).map((r) => ({
                id: globalId("Contact", r.id),
                types: setColumn(r.types),
                firstName: r.first_name,
                lastName: r.last_name,
                email: r.email,
              })),
              products: {
                totalCount: own.length ? Number(own[0].total) : 0,
                nodes: own.map((r) => ({
                  id: globalId("Product", r.id),
                  type: r.type,
                  plan: r.plan,
                  identifier: r.identifier,
                  status: r.status,
                })),
              },
            };
          }),
        },
      },
    },
  };
}

// ---- HTTP

const HANDLERS: Record<string, (sql: Sql, variables: Record<string, unknown>) => Promise<unknown>> = {
  [DASHBOARD]: dashboard,
  [RESELLER_PAGE]: resellerPage,
};

async function handle(raw: Buffer, sql: Sql): Promise<{ status: number; body: string }> {
  let request: { operationName?: unknown; variables?: unknown };
  try {
    request = JSON.parse(raw.toString("utf8"));
  } catch {
    return { status: 400, body: JSON.stringify({ errors: [{ message: "body is not JSON" }] }) + "\n" };
  }
  const handler = typeof request.operationName === "string" ? HANDLERS[request.operationName] : undefined;
  if (!handler) return { status: 400, body: JSON.stringify({ errors: [{ message: "unknown operation" }] }) + "\n" };
  try {
    const variables = (request.variables && typeof request.variables === "object" ? request.variables : {}) as Record<string, unknown>;
    // Konto writes an operation's answer as JSON.stringify(result) (stringifyResult); so does the floor.
    return { status: 200, body: JSON.stringify(await handler(sql, variables)) };
  } catch (error) {
    if (error instanceof BadRequest) return { status: 400, body: JSON.stringify({ errors: [{ message: error.message }] }) + "\n" };
    console.error(error);
    return { status: 500, body: JSON.stringify({ errors: [{ message: "internal error" }] }) + "\n" };
  }
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/graphql") {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const sql = new Sql();
    void handle(Buffer.concat(chunks), sql).then(({ status, body }) => {
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "x-sql-statements": String(sql.statements),
      });
      res.end(body);
    });
  });
});
// Fastify's default, so that neither server closes the benchmark's keep-alive sockets.
server.keepAliveTimeout = 72_000;

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "floor listening", url: `http://127.0.0.1:${port}/graphql` }));
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
