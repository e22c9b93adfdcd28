// The two benchmark operations, defined once: the load, the parity check and the SQL-count probe
// all send exactly these documents, to Konto and to the hand-written floor server alike. The
// floor recognises them by operationName and answers from its own SQL.

export const DASHBOARD = "Dashboard";
export const RESELLER_PAGE = "ResellerPage";
export type OperationName = typeof DASHBOARD | typeof RESELLER_PAGE;

/** One customer with every nested list, as a customer-portal start page would load it. */
export const DASHBOARD_QUERY = `query Dashboard($id: ID!) {
  customer(id: $id) {
    id customerNumber displayName email phone status locale
    address { street postalCode city countryCode }
    billingAddress { name street postalCode city countryCode }
    payment { method sepa { iban bic accountHolder mandateReference scheme } }
    contacts { id types firstName lastName email emailConfirmed phone receivesInvoices }
    products(first: 20) { totalCount nodes { id type plan identifier status price { amount currency } startDate } }
    invoices(first: 12) { totalCount nodes { id number status issueDate dueDate gross { amount currency } } }
    pendingEmailVerifications { id purpose newEmail status }
  }
}`;

/** A reseller's page of 50 customers with their contacts and first products. */
export const RESELLER_PAGE_QUERY = `query ResellerPage($id: ID!, $after: String) {
  node(id: $id) {
    ... on Reseller {
      name
      customers(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id customerNumber displayName email
          contacts { id types firstName lastName email }
          products(first: 10) { totalCount nodes { id type plan identifier status } }
        }
      }
    }
  }
}`;

/** Page sizes the floor must use; they are part of the documents above. */
export const DASHBOARD_PRODUCTS_FIRST = 20;
export const DASHBOARD_INVOICES_FIRST = 12;
export const RESELLER_CUSTOMERS_FIRST = 50;
export const RESELLER_PRODUCTS_FIRST = 10;

export interface DashboardVariables {
  id: string;
}

export interface ResellerPageVariables {
  id: string;
  after: string | null;
}

export type Variables = DashboardVariables | ResellerPageVariables;

export const QUERIES: Record<OperationName, string> = {
  [DASHBOARD]: DASHBOARD_QUERY,
  [RESELLER_PAGE]: RESELLER_PAGE_QUERY,
};

/** The POST body for one request. */
export function requestBody(operationName: OperationName, variables: Variables): string {
  return JSON.stringify({ operationName, query: QUERIES[operationName], variables });
}

/** Global ids as Konto makes them (src/platform/global-id.ts): base64url("Type:id"). */
export function globalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`, "utf8").toString("base64url");
}

/** Keyset cursors as Konto makes them (src/platform/pagination.ts): base64url(JSON of the key). */
export function cursorOf(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}
