import { DataSource } from "typeorm";
import { customerScope, forbidden, soleCustomerOf } from "../access/access";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { Context, principalLabel } from "../platform/context";
import { idOfType, parseGlobalId, toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, RowSource } from "../platform/loaders";
import { readQuery } from "../platform/db";
import { decodeCursor, keysetCondition, OrderColumn, Page, PageArgs } from "../platform/pagination";
import { Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { auditAccess, mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { DocumentVisibility } from "./document.enums";
import { DocumentCreateInput, DocumentNode, DocumentVersionNode } from "./document.types";
import { fileStoreOf } from "./file-store";
import { checkUpload, safeFilename } from "./upload-checks";

function documentFromRow(r: Row): DocumentNode {
  return {
    dbId: r.id,
    id: toGlobalId("Document", r.id),
    customerId: r.customer_id ?? null,
    currentVersionId: r.current_version_id ?? null,
    titleDe: r.title_de,
    titleEn: r.title_en,
    category: r.category,
    visibility: r.visibility,
    productType: r.product_type ?? null,
    createdAt: r.created_at,
  };
}

function versionFromRow(r: Row): DocumentVersionNode {
  const id = toGlobalId("DocumentVersion", r.id);
  return {
    dbId: r.id,
    documentId: r.document_id,
    id,
    version: r.version,
    filename: r.filename,
    file: { contentType: r.content_type, size: Number(r.size), sha256: Buffer.from(r.file_sha256).toString("hex") },
    current: r.id === r.current_version_id,
    createdAt: r.created_at,
    downloadUrl: `/documents/${id}`,
  };
}

const DOCUMENTS: RowSource<DocumentNode> = {
  table: "documents",
  columns: ["id", "customer_id", "current_version_id", "title_de", "title_en", "category", "visibility", "product_type", "created_at"],
  map: documentFromRow,
};
const VERSIONS: RowSource<DocumentVersionNode> = {
  table: "document_versions",
  columns: [
    "id",
    "document_id",
    "version",
    "filename",
    "file_sha256",
    "created_at",
    "(SELECT f.size FROM stored_files f WHERE f.sha256 = document_versions.file_sha256) AS size",
    "(SELECT f.content_type FROM stored_files f WHERE f.sha256 = document_versions.file_sha256) AS content_type",
    "(SELECT d.current_version_id FROM documents d WHERE d.id = document_versions.document_id) AS current_version_id",
  ],
  map: versionFromRow,
};
const documentById = (db: DataSource) => rowLoader(db, DOCUMENTS, "id");
const versionById = (db: DataSource) => rowLoader(db, VERSIONS, "id");
const versionsByDocument = (db: DataSource) => childrenLoader(db, VERSIONS, "document_id", [{ column: "version", desc: true }]);

const NEWEST_FIRST: OrderColumn[] = [{ column: "id", desc: true }];

/**
 * The documents a customer sees, as SQL over `documents` (alias d): published (a current version),
 * and for every customer, for this one, or for a type of product it has (not cancelled).
 */
function visibleToCustomer(customerId: number): { sql: string; params: unknown[] } {
  return {
    sql: `d.current_version_id IS NOT NULL AND (d.visibility = 'ALL_CUSTOMERS'
      OR (d.visibility = 'CUSTOMER' AND d.customer_id = ?)
      OR (d.visibility = 'PRODUCT_TYPE' AND EXISTS (SELECT 1 FROM products p WHERE p.customer_id = ? AND p.type = d.product_type AND p.status <> 'CANCELLED')))`,
    params: [customerId, customerId],
  };
}

async function documentPage(db: DataSource, where: { sql: string; params: unknown[] }, args: PageArgs): Promise<Page<DocumentNode>> {
  const after = args.after ? keysetCondition(NEWEST_FIRST, decodeCursor(args.after, NEWEST_FIRST), "d.") : null;
  const rows = await readQuery<Row[]>(
    db,
    `SELECT ${DOCUMENTS.columns.map((c) => `d.${c}`).join(", ")} FROM documents d WHERE ${where.sql}${after ? ` AND ${after.sql}` : ""}
     ORDER BY d.id DESC LIMIT ?`,
    [...where.params, ...(after?.params ?? []), args.first + 1],
  );
  return new Page(
    rows.map((r) => documentFromRow(r)),
    rows.map((r) => r.id),
    args.first,
    !!args.after,
    async () => Number((await readQuery<Row[]>(db, `SELECT COUNT(*) AS n FROM documents d WHERE ${where.sql}`, where.params))[0].n),
  );
}

export type DocumentOutcome = Outcome<{ document?: DocumentNode }>;

/** The document library: staff publish documents and their versions; customers see what is meant for them. Owns documents and document_versions. */
export const DocumentService = {
  byId(ctx: Context, id: number): Promise<DocumentNode | null> {
    return ctx.loaders.get(documentById).load(id);
  },

  versionById(ctx: Context, id: number): Promise<DocumentVersionNode | null> {
    return ctx.loaders.get(versionById).load(id);
  },

  versions(ctx: Context, document: DocumentNode): Promise<DocumentVersionNode[]> {
    return ctx.loaders.get(versionsByDocument).load(document.dbId);
  },

  async currentVersion(ctx: Context, document: DocumentNode): Promise<DocumentVersionNode | null> {
    return document.currentVersionId ? DocumentService.versionById(ctx, document.currentVersionId) : null;
  },

  /** The documents this customer sees, newest first. */
  ofCustomer(ctx: Context, customerId: number, args: PageArgs): Promise<Page<DocumentNode>> {
    return documentPage(ctx.db, visibleToCustomer(customerId), args);
  },

  /** Staff: every document, published or not. */
  list(ctx: Context, args: PageArgs): Promise<Page<DocumentNode>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return documentPage(ctx.db, { sql: "TRUE", params: [] }, args);
  },

  /**
   * Whether the caller may download this version: staff any version; everyone else the current
   * version of a document visible to one of the customers in its scope.
   */
  async mayDownload(ctx: Context, version: DocumentVersionNode): Promise<boolean> {
    if (ctx.principal.kind === "staff") return true;
    if (!version.current) return false;
    // One statement over every customer in the caller's scope (a reseller's may be many).
    const scope = customerScope(ctx.principal);
    const customers = `SELECT id FROM customers WHERE ${scope.sql}`;
    const [row] = await ctx.db.query(
      `SELECT 1 AS ok FROM documents d WHERE d.id = ? AND d.current_version_id IS NOT NULL AND (d.visibility = 'ALL_CUSTOMERS'
         OR (d.visibility = 'CUSTOMER' AND d.customer_id IN (${customers}))
         OR (d.visibility = 'PRODUCT_TYPE' AND EXISTS (SELECT 1 FROM products p WHERE p.customer_id IN (${customers}) AND p.type = d.product_type AND p.status <> 'CANCELLED')))`,
      [version.documentId, ...scope.params, ...scope.params],
    );
    return !!row;
  },

  /**
   * Audits a download before it is served: for the customer the document was published for, else
   * for the caller's customer when the login belongs to one only. A general document fetched by
   * staff, a reseller or a user of several customers is recorded without a customer.
   */
  async recordDownload(ctx: Context, version: DocumentVersionNode): Promise<void> {
    const document = await DocumentService.byId(ctx, version.documentId);
    const customerId = document?.customerId ?? soleCustomerOf(ctx.principal);
    const customer = customerId !== null ? await CustomerService.byId(ctx, customerId) : null;
    const details = {
      documentId: toGlobalId("Document", version.documentId),
      documentVersionId: toGlobalId("DocumentVersion", version.dbId),
      filename: version.filename,
    };
    await auditAccess(ctx, "document.downloaded", details, customer);
  },

  /** The bytes of a version. */
  content(ctx: Context, version: DocumentVersionNode): Promise<Buffer | null> {
    return fileStoreOf(ctx.config).get(ctx.db, Buffer.from(version.file.sha256, "hex"));
  },

  create(ctx: Context, input: DocumentCreateInput): Promise<DocumentOutcome> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        let customerId: number | null = null;
        if (input.visibility === DocumentVisibility.CUSTOMER) {
          const parsed = input.customerId ? parseGlobalId(input.customerId) : null;
          const customer = parsed?.type === "Customer" ? await CustomerService.byId(ctx, parsed.id) : null;
          if (!customer) refuse(UserErrorCode.INVALID_INPUT, "Name the customer who sees this document", ["input", "customerId"]);
          customerId = customer.dbId;
        } else if (input.customerId) {
          refuse(UserErrorCode.INVALID_INPUT, "A customer is named only with visibility CUSTOMER", ["input", "customerId"]);
        }
        if ((input.visibility === DocumentVisibility.PRODUCT_TYPE) !== !!input.productType) {
          refuse(UserErrorCode.INVALID_INPUT, "A product type is named with visibility PRODUCT_TYPE, and only then", [
            "input",
            "productType",
          ]);
        }
        const result = await uow.tx.query(
          "INSERT INTO documents (title_de, title_en, category, visibility, product_type, customer_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
          [
            input.titleDe,
            input.titleEn,
            input.category,
            input.visibility,
            input.productType ?? null,
            customerId,
            principalLabel(ctx.principal),
          ],
        );
        const id = Number(result.insertId);
        const customer = customerId ? await CustomerMaster.read(uow, customerId) : null;
        await uow.audit(
          "document.created",
          { documentId: toGlobalId("Document", id), title: input.titleDe, category: input.category, visibility: input.visibility },
          customer,
        );
        return id;
      },
      reply: async (id) => ({ document: (await DocumentService.byId(ctx, id)) ?? undefined }),
    });
  },

  /**
   * Staff upload a new version (from the upload route): checked, stored by hash, and made the
   * current one. A document named by an unknown id is NOT_FOUND (staff see every document).
   */
  addVersion(
    ctx: Context,
    documentGid: string,
    upload: { bytes: Buffer; filename?: string },
  ): Promise<Outcome<{ version?: DocumentVersionNode }>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const documentId = idOfType(documentGid, "Document", "documentId");
    return mutateUntargeted(ctx, {
      prepare: () => checkUpload(upload.bytes),
      write: async (uow, file) => {
        const [document] = await uow.tx.query("SELECT id, customer_id, title_de FROM documents WHERE id = ? FOR UPDATE", [documentId]);
        if (!document) refuse(UserErrorCode.NOT_FOUND, "No such document", ["documentId"]);
        const sha256 = await fileStoreOf(ctx.config).put(uow.tx, file);
        const [{ next }] = await uow.tx.query("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM document_versions WHERE document_id = ?", [
          documentId,
        ]);
        const filename = safeFilename(upload.filename, file.contentType);
        const result = await uow.tx.query(
          "INSERT INTO document_versions (document_id, version, file_sha256, filename, created_by) VALUES (?, ?, ?, ?, ?)",
          [documentId, next, sha256, filename, principalLabel(ctx.principal)],
        );
        const versionId = Number(result.insertId);
        await uow.tx.query("UPDATE documents SET current_version_id = ? WHERE id = ?", [versionId, documentId]);
        const customer = document.customer_id ? await CustomerMaster.read(uow, document.customer_id) : null;
        await uow.audit(
          "document.versionPublished",
          { documentId: documentGid, version: Number(next), sha256: sha256.toString("hex"), filename },
          customer,
        );
        return versionId;
      },
      reply: async (versionId) => ({ version: (await DocumentService.versionById(ctx, versionId)) ?? undefined }),
    });
  },

  /** Staff make an earlier (or the latest) version the one customers get. */
  setCurrentVersion(ctx: Context, versionGid: string): Promise<DocumentOutcome> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const versionId = idOfType(versionGid, "DocumentVersion", "versionId");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const [version] = await uow.tx.query(
          "SELECT v.document_id, v.version, d.customer_id FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE v.id = ? FOR UPDATE",
          [versionId],
        );
        if (!version) refuse(UserErrorCode.NOT_FOUND, "No such document version", ["versionId"]);
        await uow.tx.query("UPDATE documents SET current_version_id = ? WHERE id = ?", [versionId, version.document_id]);
        const customer = version.customer_id ? await CustomerMaster.read(uow, version.customer_id) : null;
        await uow.audit(
          "document.currentVersionSet",
          { documentId: toGlobalId("Document", version.document_id), version: version.version },
          customer,
        );
        return Number(version.document_id);
      },
      reply: async (documentId) => ({ document: (await DocumentService.byId(ctx, documentId)) ?? undefined }),
    });
  },
};
