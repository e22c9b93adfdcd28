import { Context } from "../platform/context";
import { parseGlobalId, toGlobalId } from "../platform/global-id";
import { StaffRole } from "../platform/principal";
import { jsonColumn, Row } from "../platform/rows";
import { Refusal, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome, unitOfWork } from "../unit-of-work/unit-of-work";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { issueInvoice } from "./billing.service";
import { InvoiceRunFailure, InvoiceRunNode, InvoiceRunStartInput, InvoiceRunStatus } from "./billing-operations.types";
import { InvoiceLineInput } from "./invoice.types";

/** Items per worker job: a job issues them one transaction each. */
const BATCH_SIZE = 50;

/**
 * The monthly run: staff hand in up to 500 invoices per call; the call records them as items of
 * a run and one job per batch, in one transaction, and answers with the run at once. Workers
 * issue each item in a transaction of its own (the invoice, its email work and the item's ISSUED
 * mark commit together), so a retried job skips what was issued. A customer and period is billed
 * once across all runs (a unique key): a repeat is counted as skipped, not issued again. An item
 * whose lines are refused is FAILED with the reason, visible on the run; handed in again, it is tried again.
 */
export const InvoiceRunService = {
  start(
    ctx: Context,
    input: InvoiceRunStartInput,
    idempotencyKey?: string | null,
  ): Promise<Outcome<{ run?: InvoiceRunNode; skipped?: number }>> {
    return mutateUntargeted(ctx, {
      idempotency: { key: idempotencyKey, operation: "invoiceRunStart", input },
      write: async (uow) => {
        if (ctx.principal.kind !== "staff") throw new Error("invoice runs are for staff");
        const errors: UserError[] = [];
        const seen = new Set<string>();
        const items = input.invoices.map((item, i) => {
          const field = ["input", "invoices", String(i)];
          const parsed = parseGlobalId(item.customerId);
          if (parsed?.type !== "Customer")
            errors.push(userError(UserErrorCode.INVALID_INPUT, "Not a customer id", [...field, "customerId"]));
          if (item.periodStart > item.periodEnd)
            errors.push(userError(UserErrorCode.INVALID_INPUT, "A period ends after it starts", [...field, "periodEnd"]));
          const key = `${parsed?.id}:${item.periodStart}:${item.periodEnd}`;
          if (seen.has(key)) errors.push(userError(UserErrorCode.INVALID_INPUT, "This customer and period are in this call twice", field));
          seen.add(key);
          return { customerId: parsed?.id ?? 0, item, field };
        });
        refuseAny(errors);
        const known: Row[] = await uow.tx.query("SELECT id FROM customers WHERE id IN (?)", [[...new Set(items.map((i) => i.customerId))]]);
        const knownIds = new Set(known.map((r) => r.id as number));
        refuseAny(
          items
            .filter((i) => !knownIds.has(i.customerId))
            .map((i) => userError(UserErrorCode.NOT_FOUND, "No such customer", [...i.field, "customerId"])),
        );
        const run = await uow.tx.query("INSERT INTO invoice_runs (started_by_user_id, started_by, due_in_days) VALUES (?, ?, ?)", [
          ctx.principal.userId,
          ctx.principal.label.slice(0, 300),
          input.dueInDays,
        ]);
        const runId = Number(run.insertId);
        // An invoice that failed in an earlier run is tried again when it is handed in again.
        await uow.tx.query("DELETE FROM invoice_run_items WHERE status = 'FAILED' AND (customer_id, period_start, period_end) IN (?)", [
          items.map(({ customerId, item }) => [customerId, item.periodStart, item.periodEnd]),
        ]);
        const added = await uow.tx.query(
          "INSERT IGNORE INTO invoice_run_items (run_id, customer_id, period_start, period_end, `lines`) VALUES ?",
          [items.map(({ customerId, item }) => [runId, customerId, item.periodStart, item.periodEnd, JSON.stringify(item.lines)])],
        );
        const ids: Row[] = await uow.tx.query("SELECT id FROM invoice_run_items WHERE run_id = ? ORDER BY id", [runId]);
        for (let i = 0; i < ids.length; i += BATCH_SIZE) {
          await uow.emit("invoice-run-batch", { runId, itemIds: ids.slice(i, i + BATCH_SIZE).map((r) => Number(r.id)) });
        }
        await uow.audit("invoice.run.started", { runId, invoices: ids.length }, null);
        return { runId, skipped: items.length - Number(added.affectedRows) };
      },
      reply: async ({ runId, skipped }) => ({ run: (await InvoiceRunService.byId(ctx, runId)) ?? undefined, skipped }),
    });
  },

  /** A run with its progress, counted from its items and the delivery ledger. */
  async byId(ctx: Pick<Context, "db">, runId: number): Promise<InvoiceRunNode | null> {
    const [run] = await ctx.db.query(
      `SELECT r.id, r.started_by, r.created_at, COUNT(i.id) AS total, COALESCE(SUM(i.status = 'PENDING'), 0) AS pending,
         COALESCE(SUM(i.status = 'ISSUED'), 0) AS issued, COALESCE(SUM(i.status = 'FAILED'), 0) AS failed,
         (SELECT COUNT(*) FROM invoice_run_items e WHERE e.run_id = r.id AND e.status = 'ISSUED'
            AND EXISTS (SELECT 1 FROM mail_deliveries d WHERE d.invoice_id = e.invoice_id AND d.status = 'SENT')) AS emailed
       FROM invoice_runs r LEFT JOIN invoice_run_items i ON i.run_id = r.id WHERE r.id = ? GROUP BY r.id`,
      [runId],
    );
    if (!run) return null;
    const [pending, failed] = [Number(run.pending), Number(run.failed)];
    return {
      dbId: run.id,
      id: toGlobalId("InvoiceRun", run.id),
      status: pending ? InvoiceRunStatus.RUNNING : failed ? InvoiceRunStatus.COMPLETED_WITH_FAILURES : InvoiceRunStatus.COMPLETED,
      total: Number(run.total),
      pending,
      issued: Number(run.issued),
      failed,
      emailed: Number(run.emailed),
      createdAt: run.created_at,
      startedBy: run.started_by,
    };
  },

  async failures(ctx: Pick<Context, "db">, runId: number, first: number): Promise<InvoiceRunFailure[]> {
    const rows: Row[] = await ctx.db.query(
      `SELECT c.customer_number, i.period_start, i.error FROM invoice_run_items i JOIN customers c ON c.id = i.customer_id
       WHERE i.run_id = ? AND i.status = 'FAILED' ORDER BY i.id LIMIT ?`,
      [runId, first],
    );
    return rows.map((r) => ({ customerNumber: r.customer_number, periodStart: r.period_start, error: r.error ?? "" }));
  },
};

/** The worker side: issues a batch of a run's items, each in its own unit of work, as the staff member who started the run. */
export function invoiceRunHandlers(deps: NotificationDeps): Pick<Handlers, "invoice-run-batch"> {
  const { db, config, relay } = deps;
  return {
    async "invoice-run-batch"({ payload }) {
      const items: Row[] = await db.query(
        `SELECT i.id, i.customer_id, i.period_start, i.period_end, i.lines, i.status, r.due_in_days, r.started_by_user_id, r.started_by,
           c.customer_number, c.reseller_id
         FROM invoice_run_items i JOIN invoice_runs r ON r.id = i.run_id JOIN customers c ON c.id = i.customer_id
         WHERE i.id IN (?) AND i.run_id = ? ORDER BY i.id`,
        [payload.itemIds, payload.runId],
      );
      let issued = 0;
      let failed = 0;
      for (const item of items) {
        if (item.status !== "PENDING") continue;
        const principal = {
          kind: "staff" as const,
          userId: item.started_by_user_id,
          role: StaffRole.ADMIN,
          label: item.started_by,
          sessionId: null,
        };
        const customer = { dbId: item.customer_id, resellerId: item.reseller_id, customerNumber: item.customer_number };
        try {
          const done = await unitOfWork(
            { db, outbox: relay, principal },
            async (uow) => {
              const [locked] = await uow.tx.query("SELECT status FROM invoice_run_items WHERE id = ? FOR UPDATE", [item.id]);
              if (locked.status !== "PENDING") return false;
              const invoiceId = await issueInvoice(uow, { config }, item.customer_id, {
                lines: jsonColumn<InvoiceLineInput[]>(item.lines) ?? [],
                periodStart: item.period_start,
                periodEnd: item.period_end,
                dueInDays: item.due_in_days,
              });
              await uow.tx.query("UPDATE invoice_run_items SET status = 'ISSUED', invoice_id = ? WHERE id = ?", [invoiceId, item.id]);
              return true;
            },
            customer,
          );
          if (done) issued++;
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          const reason = error.userErrors.map((e) => `${e.field.slice(1).join(".")}: ${e.message}`).join("; ");
          await db.query("UPDATE invoice_run_items SET status = 'FAILED', error = ? WHERE id = ? AND status = 'PENDING'", [
            reason.slice(0, 1000),
            item.id,
          ]);
          failed++;
        }
      }
      return { issued, failed };
    },
  };
}
