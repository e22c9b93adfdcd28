import { DataSource } from "typeorm";
import { may } from "../access/access";
import { CustomerRule } from "../access/access";
import { ChangeRequestService } from "../change-requests/change-request.service";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, RowSource } from "../platform/loaders";
import { Row } from "../platform/rows";
import { SupportRequestService } from "../support-requests/support-request.service";
import { auditAccess, mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { AttachmentNode } from "./attachment.types";
import { fileStoreOf } from "./file-store";
import { checkUpload, safeFilename } from "./upload-checks";

function attachmentFromRow(r: Row): AttachmentNode {
  const id = toGlobalId("Attachment", r.id);
  return {
    dbId: r.id,
    customerId: r.customer_id,
    changeRequestId: r.change_request_id ?? null,
    supportRequestId: r.support_request_id ?? null,
    id,
    filename: r.filename,
    file: { contentType: r.content_type, size: Number(r.size), sha256: Buffer.from(r.file_sha256).toString("hex") },
    createdAt: r.created_at,
    downloadUrl: `/attachments/${id}`,
  };
}

const ATTACHMENTS: RowSource<AttachmentNode> = {
  table: "request_attachments",
  columns: [
    "id",
    "customer_id",
    "change_request_id",
    "support_request_id",
    "file_sha256",
    "filename",
    "created_at",
    "(SELECT f.size FROM stored_files f WHERE f.sha256 = request_attachments.file_sha256) AS size",
    "(SELECT f.content_type FROM stored_files f WHERE f.sha256 = request_attachments.file_sha256) AS content_type",
  ],
  map: attachmentFromRow,
};
const attachmentById = (db: DataSource) => rowLoader(db, ATTACHMENTS, "id");
const attachmentsOfChangeRequest = (db: DataSource) => childrenLoader(db, ATTACHMENTS, "change_request_id", [{ column: "id" }]);
const attachmentsOfSupportRequest = (db: DataSource) => childrenLoader(db, ATTACHMENTS, "support_request_id", [{ column: "id" }]);

/** What an attachment belongs to, and the rule on its customer that uploading and downloading it need. */
export type AttachmentParent = "ChangeRequest" | "SupportRequest";
const RULE_OF: Record<AttachmentParent, CustomerRule> = {
  // Whoever may ask for a change of legal data may attach its proof; support requests are the customer's users'.
  ChangeRequest: "editMaster",
  SupportRequest: "read",
};

/** Files attached to change and support requests, with the checks and the store of the document library. Owns request_attachments. */
export const AttachmentService = {
  byId(ctx: Context, id: number): Promise<AttachmentNode | null> {
    return ctx.loaders.get(attachmentById).load(id);
  },

  ofChangeRequest(ctx: Context, changeRequestId: number): Promise<AttachmentNode[]> {
    return ctx.loaders.get(attachmentsOfChangeRequest).load(changeRequestId);
  },

  ofSupportRequest(ctx: Context, supportRequestId: number): Promise<AttachmentNode[]> {
    return ctx.loaders.get(attachmentsOfSupportRequest).load(supportRequestId);
  },

  /** Attaches an uploaded file to a request of a customer the caller may act for (FORBIDDEN alike for unknown and foreign requests). */
  attach(
    ctx: Context,
    parent: AttachmentParent,
    requestGid: string,
    upload: { bytes: Buffer; filename?: string },
  ): Promise<Outcome<{ attachment?: AttachmentNode }>> {
    const requestId = idOfType(requestGid, parent, "requestId");
    const load = (async () => {
      const request =
        parent === "ChangeRequest" ? await ChangeRequestService.byId(ctx, requestId) : await SupportRequestService.byId(ctx, requestId);
      return { customer: request ? await CustomerService.byId(ctx, request.customerId) : null };
    })();
    return mutate(
      ctx,
      { rule: RULE_OF[parent], load },
      {
        prepare: () => checkUpload(upload.bytes),
        write: async (uow, { customer }, file) => {
          const sha256 = await fileStoreOf(ctx.config).put(uow.tx, file);
          const filename = safeFilename(upload.filename, file.contentType);
          const result = await uow.tx.query(
            "INSERT INTO request_attachments (customer_id, change_request_id, support_request_id, file_sha256, filename, uploaded_by) VALUES (?, ?, ?, ?, ?, ?)",
            [
              customer.dbId,
              parent === "ChangeRequest" ? requestId : null,
              parent === "SupportRequest" ? requestId : null,
              sha256,
              filename,
              principalLabel(ctx.principal),
            ],
          );
          const id = Number(result.insertId);
          await uow.audit("attachment.uploaded", {
            [parent === "ChangeRequest" ? "changeRequestId" : "supportRequestId"]: requestGid,
            filename,
          });
          return id;
        },
        reply: async (id) => ({ attachment: (await AttachmentService.byId(ctx, id)) ?? undefined }),
      },
    );
  },

  /** Whether the caller may download this attachment: the same rule as attaching it, on its customer. */
  async mayDownload(ctx: Context, attachment: AttachmentNode): Promise<boolean> {
    const customer = await CustomerService.byId(ctx, attachment.customerId);
    const parent: AttachmentParent = attachment.changeRequestId !== null ? "ChangeRequest" : "SupportRequest";
    return !!customer && may(ctx.principal, RULE_OF[parent], customer);
  },

  /** Audits a download before it is served, for the attachment's customer. */
  async recordDownload(ctx: Context, attachment: AttachmentNode): Promise<void> {
    const customer = await CustomerService.byId(ctx, attachment.customerId);
    const parent =
      attachment.changeRequestId !== null
        ? { changeRequestId: toGlobalId("ChangeRequest", attachment.changeRequestId) }
        : { supportRequestId: toGlobalId("SupportRequest", attachment.supportRequestId ?? 0) };
    await auditAccess(
      ctx,
      "attachment.downloaded",
      { attachmentId: toGlobalId("Attachment", attachment.dbId), ...parent, filename: attachment.filename },
      customer,
    );
  },

  content(ctx: Context, attachment: AttachmentNode): Promise<Buffer | null> {
    return fileStoreOf(ctx.config).get(ctx.db, Buffer.from(attachment.file.sha256, "hex"));
  },

  /** A closed customer's attachments go (account closure): the rows, and each file nothing else refers to. */
  async eraseOfCustomer(uow: UnitOfWork, config: Context["config"], customerId: number): Promise<void> {
    const rows: Row[] = await uow.tx.query("SELECT DISTINCT file_sha256 FROM request_attachments WHERE customer_id = ?", [customerId]);
    await uow.tx.query("DELETE FROM request_attachments WHERE customer_id = ?", [customerId]);
    const store = fileStoreOf(config);
    for (const row of rows) await store.release(uow.tx, Buffer.from(row.file_sha256), uow.afterCommit);
  },
};
