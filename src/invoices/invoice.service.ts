import { DataSource } from "typeorm";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childPageLoader, childrenLoader, rowLoader, rowSource } from "../platform/loaders";
import { money } from "../platform/money";
import { Page } from "../platform/pagination";
import { columnsFor } from "../platform/projection";
import { jsonColumn, Row } from "../platform/rows";
import type { PaymentTerms } from "./invoice-pdf";
import { InvoiceKind, StoredInvoiceStatus } from "./invoice.enums";
import { InvoiceLineNode, InvoiceNode, InvoiceStatus } from "./invoice.types";

import { today } from "../platform/local-date";
export { today };

/** OVERDUE is not stored: an OPEN invoice is overdue once its due date has passed. */
export function invoiceStatus(stored: StoredInvoiceStatus, dueDate: string, asOf = today()): InvoiceStatus {
  if (stored === StoredInvoiceStatus.OPEN && dueDate < asOf) return InvoiceStatus.OVERDUE;
  return stored as unknown as InvoiceStatus;
}

export function invoiceFromRow(r: Row): InvoiceNode {
  return {
    __typename: "Invoice",
    id: toGlobalId("Invoice", r.id),
    dbId: r.id,
    customerId: r.customer_id,
    originalInvoiceId: r.original_invoice_id,
    number: r.number,
    kind: r.kind as InvoiceKind,
    status: invoiceStatus(r.status, r.due_date),
    issueDate: r.issue_date,
    dueDate: r.due_date,
    periodStart: r.period_start ?? undefined,
    periodEnd: r.period_end ?? undefined,
    net: money(r.net_amount, r.currency),
    vat: money(r.vat_amount, r.currency),
    gross: money(r.gross_amount, r.currency),
    billingAddress: {
      name: r.billing_name,
      street: r.billing_street,
      postalCode: r.billing_postal_code,
      city: r.billing_city,
      countryCode: r.billing_country_code,
      addressees: jsonColumn<string[]>(r.billing_addressees) ?? [],
    },
    paidAt: r.paid_at ?? undefined,
    createdAt: r.created_at,
    breakdown: breakdownOf(r),
    terms: jsonColumn<PaymentTerms>(r.payment_terms),
  };
}

/** Net and VAT per rate as issued; invoices imported without it had one rate, derived from their totals. */
export function breakdownOf(r: Row): { rate: string; net: number; vat: number }[] {
  const stored = jsonColumn<{ rate: string; net: number; vat: number }[]>(r.vat_breakdown);
  if (stored) return stored;
  const rate = r.net_amount ? (Math.round((r.vat_amount * 10_000) / r.net_amount) / 100).toFixed(2) : "0.00";
  return [{ rate, net: r.net_amount, vat: r.vat_amount }];
}

export function invoiceLineFromRow(r: Row): InvoiceLineNode {
  // invoice_lines has no currency column: InvoiceService.lines gives a line its invoice's.
  const currency = "EUR";
  return {
    invoiceId: r.invoice_id,
    productId: r.product_id,
    currency,
    position: r.position,
    description: r.description,
    quantity: Number(r.quantity),
    unitPrice: money(r.unit_price_amount, currency),
    vatRate: Number(r.vat_rate),
    net: money(r.net_amount, currency),
  };
}

/** SQL for a status filter, translating the derived OVERDUE against today's date. */
function statusFilter(statuses: InvoiceStatus[] | undefined): { sql: string; params: unknown[] } | undefined {
  if (!statuses?.length) return undefined;
  const asOf = today();
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const status of new Set(statuses)) {
    if (status === InvoiceStatus.OVERDUE) {
      parts.push("(status = 'OPEN' AND due_date < ?)");
      params.push(asOf);
    } else if (status === InvoiceStatus.OPEN) {
      parts.push("(status = 'OPEN' AND due_date >= ?)");
      params.push(asOf);
    } else {
      parts.push("status = ?");
      params.push(status);
    }
  }
  return { sql: parts.join(" OR "), params };
}

export const INVOICES = rowSource({
  table: "invoices",
  // issue_date and id order the pages: their cursors are made of them.
  always: ["id", "customer_id", "issue_date"],
  fields: {
    id: [],
    customer: [],
    deliveries: [],
    pdfUrl: [],
    lines: ["currency"],
    originalInvoice: ["original_invoice_id"],
    number: ["number"],
    kind: ["kind"],
    status: ["status", "due_date"],
    issueDate: [],
    dueDate: ["due_date"],
    periodStart: ["period_start"],
    periodEnd: ["period_end"],
    net: ["net_amount", "currency"],
    vat: ["vat_amount", "currency"],
    gross: ["gross_amount", "currency"],
    paidAt: ["paid_at"],
    createdAt: ["created_at"],
    billingAddress: ["billing_name", "billing_street", "billing_postal_code", "billing_city", "billing_country_code", "billing_addressees"],
    vatBreakdown: ["vat_breakdown", "net_amount", "vat_amount", "currency"],
    paymentTerms: ["payment_terms", "number"],
  },
  map: invoiceFromRow,
});
const INVOICE_LINES = rowSource({
  table: "invoice_lines",
  always: ["invoice_id", "product_id", "position", "description", "quantity", "unit_price_amount", "vat_rate", "net_amount"],
  map: invoiceLineFromRow,
});

export const invoiceById = (db: DataSource) => rowLoader(db, INVOICES, "id");
export const invoicePagesByCustomer = (db: DataSource, columns?: readonly string[]) =>
  childPageLoader(
    db,
    INVOICES,
    "customer_id",
    [
      { column: "issue_date", desc: true },
      { column: "id", desc: true },
    ],
    columns,
  );
export const linesByInvoice = (db: DataSource) => childrenLoader(db, INVOICE_LINES, "invoice_id", [{ column: "position" }]);

export const InvoiceService = {
  /** An invoice as the target of a mutation (see mutate), with the customer it belongs to. */
  async target(ctx: Context, invoiceGid: string): Promise<{ invoice: InvoiceNode; customer: CustomerNode | null } | null> {
    const invoice = await InvoiceService.byId(ctx, idOfType(invoiceGid, "Invoice", "invoiceId"));
    return invoice && { invoice, customer: await CustomerService.byId(ctx, invoice.customerId) };
  },

  byId(ctx: Context, id: number): Promise<InvoiceNode | null> {
    return ctx.loaders.get(invoiceById).load(id);
  },

  pageOfCustomer(
    ctx: Context,
    customerId: number,
    args: { first: number; after?: string; status?: InvoiceStatus[] },
    fields?: ReadonlySet<string>,
  ): Promise<Page<InvoiceNode>> {
    const columns = columnsFor(ctx, INVOICES, fields);
    return ctx.loaders
      .get(invoicePagesByCustomer, columns)
      .load({ parentId: customerId, args: { first: args.first, after: args.after, filter: statusFilter(args.status) } });
  },

  async lines(ctx: Context, invoice: InvoiceNode): Promise<InvoiceLineNode[]> {
    const lines = await ctx.loaders.get(linesByInvoice).load(invoice.dbId);
    return lines.map((line) => ({
      ...line,
      unitPrice: money(line.unitPrice.amount, invoice.gross.currency),
      net: money(line.net.amount, invoice.gross.currency),
    }));
  },
};
