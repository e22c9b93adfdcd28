import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { Row } from "../platform/rows";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome } from "../unit-of-work/unit-of-work";
import { totalsOf } from "./amounts";
import { InvoiceLine, writeCreditNote } from "./billing.service";
import { InvoiceCreditInput } from "./billing-operations.types";
import { InvoiceKind, StoredInvoiceStatus } from "./invoice.enums";
import { InvoiceService } from "./invoice.service";
import { InvoiceNode } from "./invoice.types";
import { VatCategory } from "./vat";

/** What is left of an invoice to credit: its gross plus its credit notes (negative), and each line's quantity not yet credited. */
async function creditable(tx: Transaction, invoiceId: number) {
  const lines: Row[] = await tx.query(
    `SELECT position, description, product_id, quantity, unit_price_amount, vat_rate, vat_category, vat_exemption_reason
     FROM invoice_lines WHERE invoice_id = ? ORDER BY position`,
    [invoiceId],
  );
  const credited: Row[] = await tx.query(
    `SELECT l.credited_position, SUM(l.quantity) AS quantity FROM invoices c JOIN invoice_lines l ON l.invoice_id = c.id
     WHERE c.original_invoice_id = ? AND c.kind = 'CREDIT_NOTE' AND l.credited_position IS NOT NULL GROUP BY l.credited_position`,
    [invoiceId],
  );
  const [{ creditedGross }] = await tx.query(
    "SELECT COALESCE(SUM(gross_amount), 0) AS creditedGross FROM invoices WHERE original_invoice_id = ? AND kind = 'CREDIT_NOTE'",
    [invoiceId],
  );
  const creditedMilli = new Map(credited.map((c) => [c.credited_position as number, Math.round(Number(c.quantity) * 1000)]));
  return {
    lines: lines.map((l): Row => ({ ...l, leftMilli: Math.round(Number(l.quantity) * 1000) - (creditedMilli.get(l.position) ?? 0) })),
    creditedGross: Number(creditedGross),
  };
}

/** The credit note's lines (negative prices) from the input, with every problem refused together. */
function creditLines(
  original: InvoiceNode,
  input: InvoiceCreditInput,
  left: Awaited<ReturnType<typeof creditable>>,
): (InvoiceLine & { creditedPosition: number | null })[] {
  const errors: UserError[] = [];
  if (!input.lines?.length && !input.amounts?.length) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "Name lines or amounts to credit", ["input", "lines"]));
  }
  const seen = new Set<number>();
  const lines = (input.lines ?? []).flatMap((wanted, i) => {
    const field = ["input", "lines", String(i)];
    const line = left.lines.find((l) => l.position === wanted.position);
    if (!line || seen.has(wanted.position)) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "Not a line of this invoice, or named twice", [...field, "position"]));
      return [];
    }
    seen.add(wanted.position);
    const quantityMilli = wanted.quantity === undefined || wanted.quantity === null ? line.leftMilli : Math.round(wanted.quantity * 1000);
    if (wanted.quantity !== undefined && wanted.quantity !== null && Math.abs(quantityMilli - wanted.quantity * 1000) > 1e-6) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "A quantity has at most three decimals", [...field, "quantity"]));
    }
    if (quantityMilli <= 0 || quantityMilli > line.leftMilli) {
      errors.push(
        userError(UserErrorCode.INVALID_INPUT, `At most ${(line.leftMilli / 1000).toString()} of this line is left to credit`, [
          ...field,
          "quantity",
        ]),
      );
    }
    return [
      {
        description: `Gutschrift zu ${original.number}: ${line.description}`.slice(0, 500),
        productId: line.product_id,
        quantityMilli,
        unitPriceCents: -line.unit_price_amount,
        vatRate: line.vat_rate,
        vatCategory: line.vat_category as VatCategory,
        vatExemptionReason: line.vat_exemption_reason,
        creditedPosition: line.position,
      },
    ];
  });
  const rates = new Set(original.breakdown.map((b) => Number(b.rate)));
  const amounts = (input.amounts ?? []).map((amount, i) => {
    // An amount is credited in the category the invoice taxed that rate with (e.g. a reverse charge).
    const part = original.breakdown.find((b) => Number(b.rate) === amount.vatRate);
    if (!rates.has(amount.vatRate)) {
      errors.push(
        userError(UserErrorCode.INVALID_INPUT, "Credit at one of the invoice's VAT rates", ["input", "amounts", String(i), "vatRate"]),
      );
    }
    return {
      description: `Gutschrift zu ${original.number}: ${amount.description.trim()}`.slice(0, 500),
      productId: null,
      quantityMilli: 1000,
      unitPriceCents: -amount.netAmount,
      vatRate: amount.vatRate.toFixed(2),
      vatCategory: (part?.category ?? VatCategory.STANDARD) as VatCategory,
      vatExemptionReason: part?.exemptionReason ?? null,
      creditedPosition: null,
    };
  });
  const all = [...lines, ...amounts];
  if (!errors.length && -totalsOf(all).gross > original.gross.amount + left.creditedGross) {
    errors.push(
      userError(UserErrorCode.INVALID_INPUT, "A credit note cannot credit more than is left of the invoice", ["input", "amounts"]),
    );
  }
  refuseAny(errors);
  return all;
}

/**
 * Partial credit notes: some lines (or part of their quantity) or amounts of an invoice, as a
 * credit note of the credit-note series (GS-…, gapless) that refers to the invoice. The balance
 * and the statement count it like any credit note. An invoice credited in full is CANCELLED; one
 * whose payments cover what is left after credits is PAID.
 */
export const CreditNoteService = {
  issue(
    ctx: Context,
    invoiceGid: string,
    input: InvoiceCreditInput,
    idempotencyKey?: string | null,
  ): Promise<Outcome<{ invoice?: InvoiceNode }>> {
    return mutate(
      ctx,
      { rule: "issueInvoices", load: InvoiceService.target(ctx, invoiceGid) },
      {
        idempotency: { key: idempotencyKey, operation: "invoiceCredit", input: { invoiceGid, input } },
        write: async (uow, { invoice: original, customer }) => {
          if (original.kind !== InvoiceKind.INVOICE) refuse(UserErrorCode.INVALID_INPUT, "A credit note cannot be credited", ["invoiceId"]);
          // Under the invoice's lock: two credit notes of one invoice cannot both credit what is left.
          const [locked] = await uow.tx.query("SELECT status FROM invoices WHERE id = ? FOR UPDATE", [original.dbId]);
          if (locked.status === StoredInvoiceStatus.CANCELLED)
            refuse(UserErrorCode.NOT_PENDING, "This invoice is cancelled", ["invoiceId"]);
          const left = await creditable(uow.tx, original.dbId);
          const lines = creditLines(original, input, left);
          const creditNoteId = await writeCreditNote(uow, ctx, original, customer.dbId, lines);
          const credited = lines.map((l, i) => [l.creditedPosition, creditNoteId, i + 1]).filter(([position]) => position !== null);
          for (const [position, invoiceId, at] of credited) {
            await uow.tx.query("UPDATE invoice_lines SET credited_position = ? WHERE invoice_id = ? AND position = ?", [
              position,
              invoiceId,
              at,
            ]);
          }
          const remaining = original.gross.amount + left.creditedGross + totalsOf(lines).gross;
          const [{ paid }] = await uow.tx.query("SELECT COALESCE(SUM(amount), 0) AS paid FROM payments WHERE invoice_id = ?", [
            original.dbId,
          ]);
          if (remaining <= 0) {
            await uow.tx.query("UPDATE invoices SET status = 'CANCELLED', cancel_reason = ? WHERE id = ?", [input.reason, original.dbId]);
          } else if (locked.status === StoredInvoiceStatus.OPEN && Number(paid) >= remaining) {
            await uow.tx.query("UPDATE invoices SET status = 'PAID', paid_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [original.dbId]);
          }
          await uow.audit("invoice.credited", { invoiceId: original.id, creditNoteId, reason: input.reason });
          return creditNoteId;
        },
        reply: async (creditNoteId) => ({ invoice: (await InvoiceService.byId(ctx, creditNoteId)) ?? undefined }),
      },
    );
  },
};
