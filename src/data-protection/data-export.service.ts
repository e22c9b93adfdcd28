import { DataSource } from "typeorm";
import { linkToken, newLinkSecret, sha256 } from "../access/tokens";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { fileStoreOf } from "../documents/file-store";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderDataExportReady } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { ANONYMOUS, Context, principalLabel } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { childPageLoader, rowLoader, RowSource } from "../platform/loaders";
import { Page, PageArgs } from "../platform/pagination";
import { Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { auditAccess, mutate, Outcome, unitOfWork, UnitOfWork } from "../unit-of-work/unit-of-work";
import { DataExportStatus } from "./data-protection.enums";
import { DataExportNode } from "./data-protection.types";
import { buildExportArchive } from "./export-archive";

/** How long the emailed link works. */
export const EXPORT_LINK_DAYS = 7;

function exportFromRow(r: Row): DataExportNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("DataExport", r.id),
    status: r.status,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    readyAt: r.ready_at ?? null,
    expiresAt: r.expires_at ?? null,
  };
}

const EXPORTS: RowSource<DataExportNode> = {
  table: "data_exports",
  columns: ["id", "customer_id", "status", "requested_by", "created_at", "ready_at", "expires_at"],
  map: exportFromRow,
};
const exportById = (db: DataSource) => rowLoader(db, EXPORTS, "id");
const exportPagesByCustomer = (db: DataSource) => childPageLoader(db, EXPORTS, "customer_id", [{ column: "id", desc: true }]);

/** Exports of all of a customer's data (GDPR Art. 15/20): asked for by its ADMIN, built by a worker, fetched by an emailed link. Owns data_exports. */
export const DataExportService = {
  byId(ctx: Context, id: number): Promise<DataExportNode | null> {
    return ctx.loaders.get(exportById).load(id);
  },

  ofCustomer(ctx: Context, customer: CustomerNode, args: PageArgs): Promise<Page<DataExportNode>> {
    return ctx.loaders.get(exportPagesByCustomer).load({ parentId: customer.dbId, args: { first: args.first, after: args.after } });
  },

  /** The customer's ADMIN asks for an export (a recent sign-in: it is all of the customer's data); one is built at a time. */
  request(ctx: Context, customerGid: string): Promise<Outcome<{ dataExport?: DataExportNode }>> {
    return mutate(
      ctx,
      { rule: "dataProtectionAdmin", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          // The customer's row serialises requests; the unique key on building_customer_id backs it.
          await uow.tx.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [customer.dbId]);
          const [building] = await uow.tx.query("SELECT id FROM data_exports WHERE customer_id = ? AND status = 'BUILDING'", [
            customer.dbId,
          ]);
          if (building)
            refuse(UserErrorCode.CONFLICT, "An export of this customer is being built; its link comes by email", ["customerId"]);
          const userId = ctx.principal.kind === "customer" ? ctx.principal.userId : null;
          const result = await uow.tx.query("INSERT INTO data_exports (customer_id, requested_by_user_id, requested_by) VALUES (?, ?, ?)", [
            customer.dbId,
            userId,
            principalLabel(ctx.principal),
          ]);
          const id = Number(result.insertId);
          await uow.emit("data-export", { exportId: id });
          await uow.audit("dataExport.requested", { dataExportId: toGlobalId("DataExport", id) });
          return id;
        },
        reply: async (id) => ({ dataExport: (await DataExportService.byId(ctx, id)) ?? undefined }),
      },
    );
  },

  /**
   * The ZIP of a download link that is valid now, or null (unknown, expired, not built): one answer
   * for all. A download is audited for the customer before the bytes go out; the caller is whoever
   * holds the emailed link, so the entry names no one.
   */
  async byLink(ctx: Context, exportId: number, token: string): Promise<Buffer | null> {
    const [row] = await ctx.db.query(
      "SELECT customer_id, file_sha256 FROM data_exports WHERE id = ? AND token_hash = ? AND status = 'READY' AND expires_at > CURRENT_TIMESTAMP(3)",
      [exportId, sha256(token)],
    );
    if (!row) return null;
    const bytes = await fileStoreOf(ctx.config).get(ctx.db, Buffer.from(row.file_sha256));
    if (!bytes) return null;
    const customer = await CustomerService.byId(ctx, Number(row.customer_id));
    await auditAccess(ctx, "dataExport.downloaded", { dataExportId: toGlobalId("DataExport", exportId) }, customer);
    return bytes;
  },

  /** Housekeeping: exports past their link's validity lose their file. */
  async expireDue(db: DataSource, relay: NotificationDeps["relay"], config: Context["config"]): Promise<number> {
    const due: Row[] = await db.query(
      "SELECT id FROM data_exports WHERE status = 'READY' AND expires_at <= CURRENT_TIMESTAMP(3) LIMIT 100",
    );
    for (const { id } of due) {
      await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
        const [row] = await uow.tx.query("SELECT file_sha256 FROM data_exports WHERE id = ? AND status = 'READY' FOR UPDATE", [id]);
        if (!row) return;
        await uow.tx.query(
          "UPDATE data_exports SET status = 'EXPIRED', file_sha256 = NULL, token_hash = NULL, token_seed = NULL WHERE id = ?",
          [id],
        );
        if (row.file_sha256) await fileStoreOf(config).release(uow.tx, Buffer.from(row.file_sha256), uow.afterCommit);
      });
    }
    return due.length;
  },

  /** A closed customer's exports go with their files. */
  async eraseOfCustomer(uow: UnitOfWork, config: Context["config"], customerId: number): Promise<void> {
    const rows: Row[] = await uow.tx.query("SELECT file_sha256 FROM data_exports WHERE customer_id = ? AND file_sha256 IS NOT NULL", [
      customerId,
    ]);
    await uow.tx.query("DELETE FROM data_exports WHERE customer_id = ?", [customerId]);
    for (const row of rows) await fileStoreOf(config).release(uow.tx, Buffer.from(row.file_sha256), uow.afterCommit);
  },
};

/** The worker side: building the ZIP, and emailing its link. */
export function dataExportHandlers(deps: NotificationDeps): Pick<Handlers, "data-export" | "data-export-ready"> {
  const { db, config, relay, ledger } = deps;
  return {
    async "data-export"({ payload, final, doneIn }) {
      const [row] = await db.query("SELECT customer_id, status FROM data_exports WHERE id = ?", [payload.exportId]);
      if (!row || row.status !== DataExportStatus.BUILDING) return { skipped: 1 };
      let archive: Buffer;
      try {
        archive = await buildExportArchive(db, config, row.customer_id);
      } catch (error) {
        // Out of attempts: FAILED, so that the customer can ask again (one build at a time).
        if (final) await db.query("UPDATE data_exports SET status = 'FAILED' WHERE id = ? AND status = 'BUILDING'", [payload.exportId]);
        throw error;
      }
      await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async (uow) => {
        const [still] = await uow.tx.query("SELECT status FROM data_exports WHERE id = ? FOR UPDATE", [payload.exportId]);
        if (still?.status !== DataExportStatus.BUILDING) return;
        const file = await fileStoreOf(config).put(uow.tx, { bytes: archive, contentType: "application/zip" });
        const link = newLinkSecret(config.linkTokenKeys);
        await uow.tx.query(
          `UPDATE data_exports SET status = 'READY', file_sha256 = ?, token_seed = ?, token_key_id = ?, token_hash = ?,
             ready_at = CURRENT_TIMESTAMP(3), expires_at = CURRENT_TIMESTAMP(3) + INTERVAL ${EXPORT_LINK_DAYS} DAY WHERE id = ?`,
          [file, link.seed, link.keyId, link.hash, payload.exportId],
        );
        await uow.emit("data-export-ready", { exportId: payload.exportId });
        // Done together with the row it made READY: a second run finds nothing to build.
        await doneIn(uow.tx);
      });
      return { built: 1, bytes: archive.length };
    },

    async "data-export-ready"({ outboxId, payload, final }) {
      const [r] = await db.query(
        `SELECT e.id, e.token_seed, e.token_key_id, e.expires_at, e.status, c.customer_number, c.email AS customer_email, c.locale, u.email AS user_email
         FROM data_exports e JOIN customers c ON c.id = e.customer_id LEFT JOIN users u ON u.id = e.requested_by_user_id WHERE e.id = ?`,
        [payload.exportId],
      );
      if (!r || r.status !== DataExportStatus.READY || !r.token_seed) return { skipped: 1 };
      const token = linkToken(config.linkTokenKeys, r.token_seed, r.token_key_id);
      if (!token) return { skipped: 1 };
      const to: string = r.user_email ?? r.customer_email;
      const link = `${config.publicUrl}/exports/${toGlobalId("DataExport", r.id)}.zip?token=${encodeURIComponent(token)}`;
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`data-export:${r.id}`, to),
            to,
            render: () => renderDataExportReady({ customerNumber: r.customer_number, link, expiresAt: r.expires_at }, localeOf(r.locale)),
          },
        ],
        final,
      );
    },
  };
}
