import { Transaction } from "../platform/transactions";
import { ContactType } from "../contacts/contact.enums";
import { PaymentMethod } from "../customers/customer.enums";
import { CUSTOMERS, CustomerService, maskIban } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { money } from "../platform/money";
import { Row, setColumn } from "../platform/rows";
import { nextInSeries } from "../platform/sequences";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { AuditedCustomer, mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { totalsOf } from "./amounts";
import { InvoiceFormat } from "../customers/customer.enums";
import type { Seller } from "../config";
import { needsReason, proposeVat, rateProblem, STANDARD_RATES, VatCategory } from "./vat";
import { InvoiceKind, StoredInvoiceStatus } from "./invoice.enums";
import { PaymentTerms } from "./invoice-pdf";
import { InvoiceService, today as todayUtc } from "./invoice.service";
import { InvoiceIssueInput, InvoiceNode, PaymentNode, PaymentRecordInput, StatementEntry, StatementEntryKind } from "./invoice.types";

type InvoiceOutcome = Outcome<{ invoice?: InvoiceNode }>;
/** Who issues, and with which configuration: the seller, and whether the caller is staff (who may override VAT categories). */
export type IssueContext = Pick<Context, "config" | "principal">;
export type InvoiceLine = {
  description: string;
  productId: number | null;
  quantityMilli: number;
  unitPriceCents: number;
  vatRate: string;
  vatCategory: VatCategory;
  vatExemptionReason: string | null;
};

export const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The next number of a gapless yearly series, e.g. "2026-000042" or "GS-2026-000003". */
async function nextNumber(tx: Transaction, kind: InvoiceKind, year: string): Promise<string> {
  const prefix = kind === InvoiceKind.CREDIT_NOTE ? `GS-${year}-` : `${year}-`;
  const n = await nextInSeries(tx, `${kind === InvoiceKind.CREDIT_NOTE ? "credit" : "invoice"}:${year}`, async () => {
    // The first use of a series continues after numbers issued before it existed (imports, demo data).
    const [row] = await tx.query("SELECT MAX(CAST(SUBSTRING(number, ?) AS UNSIGNED)) AS max FROM invoices WHERE number LIKE ?", [
      prefix.length + 1,
      `${prefix}%`,
    ]);
    return Number(row.max ?? 0) + 1;
  });
  return `${prefix}${String(n).padStart(6, "0")}`;
}

/** The billing address and addressees as they are now: BILLING contacts, else STANDARD ones. */
async function billingSnapshot(tx: Transaction, customer: Row) {
  const contacts: Row[] = await tx.query("SELECT types, first_name, last_name FROM contacts WHERE customer_id = ? ORDER BY id", [
    customer.id,
  ]);
  const named = (type: ContactType) =>
    contacts.filter((c) => setColumn<ContactType>(c.types).includes(type)).map((c) => `${c.first_name} ${c.last_name}`);
  const addressees = named(ContactType.BILLING).length ? named(ContactType.BILLING) : named(ContactType.STANDARD);
  const display = customer.company_name ?? [customer.first_name, customer.last_name].filter(Boolean).join(" ");
  return customer.billing_street
    ? {
        name: customer.billing_name ?? display,
        street: customer.billing_street,
        postalCode: customer.billing_postal_code,
        city: customer.billing_city,
        countryCode: customer.billing_country_code,
        addressees,
      }
    : {
        name: display,
        street: customer.street,
        postalCode: customer.postal_code,
        city: customer.city,
        countryCode: customer.country_code,
        addressees,
      };
}

/**
 * What else an invoice keeps as it was at issue: the customer's invoice format, buyer reference
 * and language, its VAT id, its electronic address (BT-49: the online-invoice address while that
 * is on, else the main email) and the seller.
 */
function buyerSnapshot(customer: Row, seller: Seller) {
  return {
    format: customer.invoice_format as InvoiceFormat,
    buyerReference: customer.buyer_reference ?? null,
    locale: customer.locale,
    vatId: customer.vat_id ?? null,
    email: (customer.online_invoice_enabled && customer.online_invoice_email) || customer.email,
    seller,
  };
}

function paymentTerms(customer: Row, number: string, dueDate: string, ctx: Pick<Context, "config">): PaymentTerms {
  if (customer.payment_method === PaymentMethod.SEPA_DIRECT_DEBIT && customer.sepa_iban) {
    return {
      method: "SEPA_DIRECT_DEBIT",
      mandateReference: customer.sepa_mandate_reference ?? "",
      mandateDate: customer.sepa_mandate_date,
      debitDate: dueDate,
      ibanMasked: maskIban(customer.sepa_iban),
    };
  }
  return { method: "BANK_TRANSFER", iban: ctx.config.provider.iban, bic: ctx.config.provider.bic, paymentReference: number };
}

/**
 * A credit note of `original` with these (negative) lines: issued today in the credit-note series,
 * paid by its nature, for the original's period, and emailed like an invoice.
 */
export async function writeCreditNote(
  uow: UnitOfWork,
  ctx: Pick<Context, "config">,
  original: InvoiceNode,
  customerId: number,
  lines: InvoiceLine[],
): Promise<number> {
  const issueDate = todayUtc();
  const creditNoteId = await writeInvoice(uow.tx, ctx, await customerRow(uow.tx, customerId), {
    kind: InvoiceKind.CREDIT_NOTE,
    originalId: original.dbId,
    issueDate,
    dueDate: issueDate,
    periodStart: original.periodStart ?? null,
    periodEnd: original.periodEnd ?? null,
    deliveryDate: original.deliveryDate ?? null,
    status: StoredInvoiceStatus.PAID,
    lines,
  });
  await uow.emit("invoice-email", { invoiceId: creditNoteId, kind: "issue" });
  return creditNoteId;
}

/** Writes an invoice or credit note with its lines; the caller's transaction holds the number. */
export async function writeInvoice(
  tx: Transaction,
  ctx: Pick<Context, "config">,
  customer: Row,
  doc: {
    kind: InvoiceKind;
    originalId: number | null;
    issueDate: string;
    dueDate: string;
    periodStart: string | null;
    periodEnd: string | null;
    /** When there is no period; null means the issue date. */
    deliveryDate: string | null;
    status: StoredInvoiceStatus;
    lines: InvoiceLine[];
  },
): Promise<number> {
  const number = await nextNumber(tx, doc.kind, doc.issueDate.slice(0, 4));
  const totals = totalsOf(doc.lines);
  const billing = await billingSnapshot(tx, customer);
  const buyer = buyerSnapshot(customer, ctx.config.provider);
  const result = await tx.query(
    `INSERT INTO invoices (customer_id, number, kind, original_invoice_id, issue_date, due_date, period_start, period_end, delivery_date, status,
       net_amount, vat_amount, gross_amount, vat_breakdown, currency, invoice_format, buyer_reference, locale, billing_name, billing_street,
       billing_postal_code, billing_city, billing_country_code, billing_addressees, buyer_vat_id, buyer_email, seller, payment_terms, paid_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      customer.id,
      number,
      doc.kind,
      doc.originalId,
      doc.issueDate,
      doc.dueDate,
      doc.periodStart,
      doc.periodEnd,
      // Every invoice states when it was supplied: its period, else the delivery date (the issue date by default).
      doc.periodStart ? null : (doc.deliveryDate ?? doc.issueDate),
      doc.status,
      totals.net,
      totals.vat,
      totals.gross,
      JSON.stringify(totals.breakdown),
      buyer.format,
      buyer.buyerReference,
      buyer.locale,
      billing.name,
      billing.street,
      billing.postalCode,
      billing.city,
      billing.countryCode,
      JSON.stringify(billing.addressees),
      buyer.vatId,
      buyer.email,
      JSON.stringify(buyer.seller),
      JSON.stringify(paymentTerms(customer, number, doc.dueDate, ctx)),
      doc.status === StoredInvoiceStatus.PAID ? new Date() : null,
    ],
  );
  const invoiceId = Number(result.insertId);
  await tx.query(
    `INSERT INTO invoice_lines (invoice_id, position, description, product_id, quantity, unit_price_amount, vat_rate, vat_category,
       vat_exemption_reason, net_amount) VALUES ?`,
    [
      doc.lines.map((l, i) => [
        invoiceId,
        i + 1,
        l.description,
        l.productId,
        (l.quantityMilli / 1000).toFixed(3),
        l.unitPriceCents,
        l.vatRate,
        l.vatCategory,
        l.vatExemptionReason,
        totals.lineNets[i],
      ]),
    ],
  );
  return invoiceId;
}

/** The invoice a payment is for, locked: concurrent payments of one invoice settle it once. */
async function lockedInvoiceOf(tx: Transaction, customerId: number, invoiceGid: string): Promise<Row> {
  const parsed = parseGlobalId(invoiceGid);
  if (parsed?.type !== "Invoice") refuse(UserErrorCode.INVALID_INPUT, "Not an invoice id", ["input", "invoiceId"]);
  const [invoice] = await tx.query("SELECT id, customer_id, gross_amount, status FROM invoices WHERE id = ? FOR UPDATE", [parsed.id]);
  if (!invoice || invoice.customer_id !== customerId)
    refuse(UserErrorCode.NOT_FOUND, "This invoice is not the customer's", ["input", "invoiceId"]);
  return invoice;
}

export async function customerRow(tx: Transaction, customerId: number): Promise<Row> {
  // The customer row as its module reads it: never the secrets (password hash, PIN).
  const [row] = await tx.query(`SELECT ${CUSTOMERS.columns.join(", ")} FROM customers WHERE id = ?`, [customerId]);
  return row;
}

/**
 * The VAT category and rate of one line: Konto's proposal for the customer unless the caller
 * gives them. Only staff may choose another category than the proposal; a rate must fit its
 * category, an exempt line needs its reason, a reverse charge the customer's VAT id.
 */
function lineVat(ctx: IssueContext, customer: Row, line: InvoiceIssueInput["lines"][number], field: string[], errors: UserError[]) {
  const proposal = proposeVat(ctx.config.provider.countryCode, {
    kind: customer.kind,
    countryCode: customer.country_code,
    vatId: customer.vat_id,
  });
  const category = line.vatCategory ?? proposal.category;
  if (category !== proposal.category && ctx.principal.kind !== "staff") {
    errors.push(
      userError(
        UserErrorCode.INVALID_INPUT,
        `Konto proposes ${proposal.category} for this customer; only staff may choose another category`,
        [...field, "vatCategory"],
      ),
    );
  }
  const rate =
    line.vatRate ??
    Number(
      category === proposal.category
        ? proposal.rate
        : category === VatCategory.STANDARD
          ? (STANDARD_RATES[ctx.config.provider.countryCode] ?? 0)
          : 0,
    );
  if (Math.round(rate * 100) !== rate * 100) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "A VAT rate has at most two decimals", [...field, "vatRate"]));
  }
  const misfit = rateProblem(category, rate);
  if (misfit) errors.push(userError(UserErrorCode.INVALID_INPUT, misfit, [...field, "vatRate"]));
  const reason = line.vatExemptionReason?.trim() || null;
  if (needsReason(category) && !reason) {
    errors.push(
      userError(UserErrorCode.INVALID_INPUT, "An exempt or non-taxable line needs its reason (the legal basis)", [
        ...field,
        "vatExemptionReason",
      ]),
    );
  }
  if (!needsReason(category) && reason) {
    errors.push(
      userError(UserErrorCode.INVALID_INPUT, "Only an exempt or non-taxable line has a reason", [...field, "vatExemptionReason"]),
    );
  }
  if (category === VatCategory.REVERSE_CHARGE && !customer.vat_id) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "A reverse charge needs the customer's VAT id", [...field, "vatCategory"]));
  }
  return { vatCategory: category, vatRate: rate.toFixed(2), vatExemptionReason: needsReason(category) ? reason : null };
}

/**
 * The lines of a new invoice as stored. Every rule on the input is refused together; a product
 * must be one of the customer's.
 */
async function checkedLines(
  tx: Transaction,
  ctx: IssueContext,
  customer: Row,
  input: Omit<InvoiceIssueInput, "customerId">,
): Promise<InvoiceLine[]> {
  const customerId: number = customer.id;
  const errors: UserError[] = [];
  const lines = input.lines.map((line, i) => {
    const field = ["input", "lines", String(i)];
    const quantityMilli = Math.round(line.quantity * 1000);
    if (Math.abs(quantityMilli - line.quantity * 1000) > 1e-6) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "A quantity has at most three decimals", [...field, "quantity"]));
    }
    const vat = lineVat(ctx, customer, line, field, errors);
    let productId: number | null = null;
    if (line.productId) {
      const parsed = parseGlobalId(line.productId);
      if (parsed?.type === "Product") productId = parsed.id;
      else errors.push(userError(UserErrorCode.INVALID_INPUT, "Not a product id", [...field, "productId"]));
    }
    return {
      description: line.description.trim(),
      productId,
      quantityMilli,
      unitPriceCents: line.unitPriceAmount,
      ...vat,
    };
  });
  // EN 16931 has one VAT breakdown per category and rate, with one reason; a non-taxable line stands alone (BR-O-11).
  for (const category of [VatCategory.EXEMPT, VatCategory.NOT_SUBJECT]) {
    if (new Set(lines.filter((l) => l.vatCategory === category).map((l) => l.vatExemptionReason)).size > 1) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, `All ${category} lines of an invoice share one reason`, ["input", "lines"]));
    }
  }
  if (lines.some((l) => l.vatCategory === VatCategory.NOT_SUBJECT) && lines.some((l) => l.vatCategory !== VatCategory.NOT_SUBJECT)) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "Non-taxable lines go on an invoice of their own", ["input", "lines"]));
  }
  const productIds = lines.map((l) => l.productId).filter((id): id is number => id !== null);
  if (productIds.length) {
    const own: Row[] = await tx.query("SELECT id FROM products WHERE id IN (?) AND customer_id = ?", [productIds, customerId]);
    lines.forEach((l, i) => {
      if (l.productId !== null && !own.some((p) => p.id === l.productId)) {
        errors.push(userError(UserErrorCode.NOT_FOUND, "This product is not the customer's", ["input", "lines", String(i), "productId"]));
      }
    });
  }
  if (
    (input.periodStart && !input.periodEnd) ||
    (!input.periodStart && input.periodEnd) ||
    (input.periodStart && input.periodEnd && input.periodStart > input.periodEnd)
  ) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "A period needs a start and an end, in that order", ["input", "periodEnd"]));
  }
  if (input.deliveryDate && input.periodStart) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "Give a service period or a delivery date, not both", ["input", "deliveryDate"]));
  }
  if (totalsOf(lines).gross < 0) {
    errors.push(
      userError(UserErrorCode.INVALID_INPUT, "An invoice cannot total less than zero; cancel with a credit note", ["input", "lines"]),
    );
  }
  refuseAny(errors);
  return lines;
}

/**
 * Issues one invoice in the caller's unit of work: checked lines, number, totals and snapshots,
 * the audit entry and the email work. invoiceIssue and the invoice run both issue through it.
 */
export async function issueInvoice(
  uow: UnitOfWork,
  ctx: IssueContext,
  customer: AuditedCustomer,
  input: Omit<InvoiceIssueInput, "customerId">,
): Promise<number> {
  const buyer = await customerRow(uow.tx, customer.dbId);
  const lines = await checkedLines(uow.tx, ctx, buyer, input);
  const issueDate = todayUtc();
  const invoiceId = await writeInvoice(uow.tx, ctx, buyer, {
    kind: InvoiceKind.INVOICE,
    originalId: null,
    issueDate,
    dueDate: addDays(issueDate, input.dueInDays),
    periodStart: input.periodStart ?? null,
    periodEnd: input.periodEnd ?? null,
    deliveryDate: input.deliveryDate ?? null,
    status: StoredInvoiceStatus.OPEN,
    lines,
  });
  await uow.audit("invoice.issued", { invoiceId }, customer);
  await uow.emit("invoice-email", { invoiceId, kind: "issue" });
  return invoiceId;
}

const CANCEL_REASON_MAX = 500;

export const BillingService = {
  /** Issues an invoice: number, totals and snapshots in one transaction; the email job goes to the outbox with it. */
  issue(ctx: Context, input: InvoiceIssueInput, idempotencyKey?: string | null): Promise<InvoiceOutcome> {
    return mutate(
      ctx,
      { rule: "issueInvoices", load: CustomerService.target(ctx, input.customerId) },
      {
        idempotency: { key: idempotencyKey, operation: "invoiceIssue", input },
        write: (uow, { customer }) => issueInvoice(uow, ctx, customer, input),
        reply: async (invoiceId) => ({ invoice: (await InvoiceService.byId(ctx, invoiceId)) ?? undefined }),
      },
    );
  },

  /** Cancels an invoice with a credit note of its own number series that refers to it; the payload is the credit note. */
  cancel(ctx: Context, invoiceGid: string, reason: string, idempotencyKey?: string | null): Promise<InvoiceOutcome> {
    return mutate(
      ctx,
      { rule: "issueInvoices", load: InvoiceService.target(ctx, invoiceGid) },
      {
        idempotency: { key: idempotencyKey, operation: "invoiceCancel", input: { invoiceGid, reason } },
        write: async (uow, { invoice: original, customer }) => {
          if (reason.length > CANCEL_REASON_MAX) {
            refuse(UserErrorCode.INVALID_INPUT, `A reason has at most ${CANCEL_REASON_MAX} characters`, ["reason"]);
          }
          if (original.kind !== InvoiceKind.INVOICE)
            refuse(UserErrorCode.INVALID_INPUT, "A credit note cannot be cancelled", ["invoiceId"]);
          // Under the lock: two cancellations of one invoice cannot both write a credit note.
          const [locked] = await uow.tx.query("SELECT status FROM invoices WHERE id = ? FOR UPDATE", [original.dbId]);
          if (locked.status === StoredInvoiceStatus.CANCELLED)
            refuse(UserErrorCode.NOT_PENDING, "This invoice is cancelled already", ["invoiceId"]);
          const [partly] = await uow.tx.query(
            "SELECT 1 AS credited FROM invoices WHERE original_invoice_id = ? AND kind = 'CREDIT_NOTE' LIMIT 1",
            [original.dbId],
          );
          // A full cancellation would credit again what a partial credit note credited already.
          if (partly)
            refuse(UserErrorCode.CONFLICT, "This invoice has partial credit notes: credit what is left with invoiceCredit", ["invoiceId"]);
          const lines: Row[] = await uow.tx.query(
            `SELECT description, product_id, quantity, unit_price_amount, vat_rate, vat_category, vat_exemption_reason
             FROM invoice_lines WHERE invoice_id = ? ORDER BY position`,
            [original.dbId],
          );
          const creditNoteId = await writeCreditNote(
            uow,
            ctx,
            original,
            customer.dbId,
            lines.map((l) => ({
              description: `Storno ${original.number}: ${l.description}`.slice(0, 500),
              productId: l.product_id,
              quantityMilli: Math.round(Number(l.quantity) * 1000),
              unitPriceCents: -l.unit_price_amount,
              vatRate: l.vat_rate,
              vatCategory: l.vat_category,
              vatExemptionReason: l.vat_exemption_reason,
            })),
          );
          await uow.tx.query("UPDATE invoices SET status = 'CANCELLED', cancel_reason = ? WHERE id = ?", [reason, original.dbId]);
          await uow.audit("invoice.cancelled", { invoiceId: original.id, creditNoteId, reason });
          return creditNoteId;
        },
        reply: async (creditNoteId) => ({ invoice: (await InvoiceService.byId(ctx, creditNoteId)) ?? undefined }),
      },
    );
  },

  /**
   * Staff or a bank import record money received; an invoice paid in full becomes PAID. The
   * resolver admits staff only; the rule finds the customer (FORBIDDEN for an unknown one).
   */
  recordPayment(ctx: Context, input: PaymentRecordInput, idempotencyKey?: string | null): Promise<Outcome<{ payment?: PaymentNode }>> {
    return mutate(
      ctx,
      { rule: "editBilling", load: CustomerService.target(ctx, input.customerId) },
      {
        idempotency: { key: idempotencyKey, operation: "paymentRecord", input },
        write: async (uow, { customer }) => {
          const invoice = input.invoiceId ? await lockedInvoiceOf(uow.tx, customer.dbId, input.invoiceId) : null;
          await uow.tx.query(
            "INSERT INTO payments (customer_id, invoice_id, amount, received_on, reference, source) VALUES (?, ?, ?, ?, ?, ?)",
            [customer.dbId, invoice?.id ?? null, input.amount, input.receivedOn, input.reference, input.source],
          );
          if (invoice) {
            // Paid in full: the gross less what credit notes credited of it.
            const [{ paid, credited }] = await uow.tx.query(
              `SELECT (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE invoice_id = ?) AS paid,
                 (SELECT COALESCE(SUM(gross_amount), 0) FROM invoices WHERE original_invoice_id = ? AND kind = 'CREDIT_NOTE') AS credited`,
              [invoice.id, invoice.id],
            );
            if (invoice.status === StoredInvoiceStatus.OPEN && Number(paid) >= invoice.gross_amount + Number(credited)) {
              await uow.tx.query("UPDATE invoices SET status = 'PAID', paid_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [invoice.id]);
            }
          }
          await uow.audit("payment.recorded", { amount: input.amount, invoiceId: input.invoiceId ?? null, reference: input.reference });
          return {
            payment: { amount: money(input.amount, "EUR"), receivedOn: input.receivedOn, reference: input.reference, source: input.source },
          };
        },
      },
    );
  },

  /** Invoices and credit notes minus payments, in cents. */
  async balance(ctx: Context, customer: CustomerNode): Promise<number> {
    const [row] = await ctx.db.query(
      `SELECT (SELECT COALESCE(SUM(gross_amount), 0) FROM invoices WHERE customer_id = ?) - (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE customer_id = ?) AS balance`,
      [customer.dbId, customer.dbId],
    );
    return Number(row.balance);
  },

  /** Invoices, credit notes and payments between two dates in date order, with the running balance. */
  async statement(ctx: Context, customer: CustomerNode, from: string, to: string): Promise<StatementEntry[]> {
    const rows: Row[] = await ctx.db.query(
      `SELECT * FROM (
         SELECT issue_date AS date, kind, number AS reference, gross_amount AS amount, id, 0 AS ord FROM invoices WHERE customer_id = ? AND issue_date <= ?
         UNION ALL
         SELECT received_on AS date, 'PAYMENT' AS kind, reference, -amount AS amount, id, 1 AS ord FROM payments WHERE customer_id = ? AND received_on <= ?
       ) e ORDER BY date, ord, id`,
      [customer.dbId, to, customer.dbId, to],
    );
    let balance = 0;
    const entries: StatementEntry[] = [];
    for (const r of rows) {
      balance += Number(r.amount);
      if (r.date < from) continue; // earlier entries only carry the balance forward
      entries.push({
        date: r.date,
        kind: r.kind as StatementEntryKind,
        reference: r.reference,
        amount: money(Number(r.amount), "EUR"),
        balance: money(balance, "EUR"),
      });
    }
    return entries;
  },

  /** Sends an invoice again to one confirmed address of the customer. */
  resend(ctx: Context, invoiceGid: string, email: string): Promise<InvoiceOutcome> {
    return mutate(
      ctx,
      { rule: "editBilling", load: InvoiceService.target(ctx, invoiceGid) },
      {
        write: async (uow, { invoice, customer }) => {
          const address = email.trim().toLowerCase();
          const [confirmed] = await uow.tx.query(
            `SELECT 1 AS ok FROM customers WHERE id = ? AND (LOWER(email) = ? OR (online_invoice_enabled = 1 AND LOWER(online_invoice_email) = ?))
             UNION SELECT 1 FROM contacts WHERE customer_id = ? AND LOWER(email) = ? AND email_confirmed_at IS NOT NULL`,
            [customer.dbId, address, address, customer.dbId, address],
          );
          if (!confirmed) refuse(UserErrorCode.INVALID_INPUT, "Invoices are sent only to confirmed addresses of the customer", ["email"]);
          await uow.emit("invoice-email", { invoiceId: invoice.dbId, kind: "resend", to: email.trim() });
          await uow.audit("invoice.resent", { invoiceId: invoice.id, to: email.trim() });
        },
        reply: async (_, { invoice }) => ({ invoice: (await InvoiceService.byId(ctx, invoice.dbId)) ?? undefined }),
      },
    );
  },
};
