import { DataSource } from "typeorm";
import { forbidden, soleCustomerOf } from "../access/access";
import { customerFromRow, CUSTOMERS, CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { fileStoreOf } from "../documents/file-store";
import { checkUpload } from "../documents/upload-checks";
import { Context, principalLabel } from "../platform/context";
import { readQuery } from "../platform/db";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, RowSource } from "../platform/loaders";
import { decodeCursor, keysetCondition, OrderColumn, Page } from "../platform/pagination";
import { Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { auditAccess, mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { DpaStatus } from "./data-protection.enums";
import { DataProcessingAgreementNode, DpaAcceptanceNode, DpaStatusPageArgs, DpaVersionNode } from "./data-protection.types";

const fileOf = (r: Row) => ({ contentType: r.content_type, size: Number(r.size), sha256: Buffer.from(r.file_sha256).toString("hex") });

function versionFromRow(r: Row): DpaVersionNode {
  const id = toGlobalId("DpaVersion", r.id);
  return { dbId: r.id, id, label: r.label, file: fileOf(r), publishedAt: r.published_at, downloadUrl: `/dpa/${id}.pdf` };
}

function acceptanceFromRow(r: Row): Omit<DpaAcceptanceNode, "version"> {
  const id = toGlobalId("DpaAcceptance", r.id);
  return {
    dbId: r.id,
    customerId: r.customer_id,
    versionId: r.dpa_version_id,
    id,
    sha256: Buffer.from(r.file_sha256).toString("hex"),
    acceptedBy: r.accepted_by,
    acceptedAt: r.accepted_at,
    ipAddress: r.ip_address,
    certificateUrl: `/dpa/acceptances/${id}.pdf`,
  };
}

const VERSIONS: RowSource<DpaVersionNode> = {
  table: "dpa_versions",
  columns: [
    "id",
    "label",
    "file_sha256",
    "published_at",
    "(SELECT f.size FROM stored_files f WHERE f.sha256 = dpa_versions.file_sha256) AS size",
    "(SELECT f.content_type FROM stored_files f WHERE f.sha256 = dpa_versions.file_sha256) AS content_type",
  ],
  map: versionFromRow,
};
const ACCEPTANCES: RowSource<Omit<DpaAcceptanceNode, "version">> = {
  table: "dpa_acceptances",
  columns: ["id", "customer_id", "dpa_version_id", "file_sha256", "accepted_by", "accepted_at", "ip_address"],
  map: acceptanceFromRow,
};
const versionById = (db: DataSource) => rowLoader(db, VERSIONS, "id");
const acceptanceById = (db: DataSource) => rowLoader(db, ACCEPTANCES, "id");
const acceptancesByCustomer = (db: DataSource) => childrenLoader(db, ACCEPTANCES, "customer_id", [{ column: "id", desc: true }]);

/** The version in force: the latest published. */
const CURRENT_VERSION = "SELECT MAX(id) FROM dpa_versions";

/**
 * Per status, the customers in it (over `customers`, alias-free): the subqueries read the
 * customer's latest acceptance and the version in force.
 */
const STATUS_SQL: Record<Exclude<DpaStatus, DpaStatus.NONE_PUBLISHED>, string> = {
  ACCEPTED: `EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = customers.id AND a.dpa_version_id = (${CURRENT_VERSION}))`,
  PENDING_ACCEPTANCE: `EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = customers.id)
    AND NOT EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = customers.id AND a.dpa_version_id = (${CURRENT_VERSION}))`,
  NOT_ACCEPTED: "NOT EXISTS (SELECT 1 FROM dpa_acceptances a WHERE a.customer_id = customers.id)",
};
const BY_ID: OrderColumn[] = [{ column: "id" }];

export type AcceptanceOutcome = Outcome<{ acceptance?: DpaAcceptanceNode }>;

/** The data-processing agreement: staff publish versions, a customer's ADMIN accepts the one in force. Owns dpa_versions and dpa_acceptances. */
export const DpaService = {
  versionById(ctx: Context, id: number): Promise<DpaVersionNode | null> {
    return ctx.loaders.get(versionById).load(id);
  },

  async current(ctx: Context): Promise<DpaVersionNode | null> {
    const [row] = await ctx.db.query(`SELECT (${CURRENT_VERSION}) AS id`);
    return row?.id ? DpaService.versionById(ctx, Number(row.id)) : null;
  },

  /** Staff: every version, newest first. */
  async versions(ctx: Context): Promise<DpaVersionNode[]> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const rows = await readQuery<Row[]>(ctx.db, `SELECT ${VERSIONS.columns.join(", ")} FROM dpa_versions ORDER BY id DESC`, []);
    return rows.map(versionFromRow);
  },

  async acceptanceById(ctx: Context, id: number): Promise<DpaAcceptanceNode | null> {
    const row = await ctx.loaders.get(acceptanceById).load(id);
    return row ? DpaService.withVersion(ctx, row) : null;
  },

  async withVersion(ctx: Context, acceptance: Omit<DpaAcceptanceNode, "version">): Promise<DpaAcceptanceNode> {
    return { ...acceptance, version: (await DpaService.versionById(ctx, acceptance.versionId))! };
  },

  /** Audits a download of the agreement's text, for the caller's customer when the login belongs to one only. */
  async recordTextDownload(ctx: Context, version: DpaVersionNode): Promise<void> {
    const customerId = soleCustomerOf(ctx.principal);
    const customer = customerId !== null ? await CustomerService.byId(ctx, customerId) : null;
    await auditAccess(ctx, "dpa.downloaded", { dpaVersionId: version.id, label: version.label }, customer);
  },

  /** Audits a download of an acceptance certificate, for the customer that accepted. */
  async recordCertificateDownload(ctx: Context, acceptance: DpaAcceptanceNode, customer: CustomerNode): Promise<void> {
    const details = { dpaAcceptanceId: toGlobalId("DpaAcceptance", acceptance.dbId), label: acceptance.version.label };
    await auditAccess(ctx, "dpa.certificateDownloaded", details, customer);
  },

  /** The customer's standing: the version in force and its latest acceptance. */
  async ofCustomer(ctx: Context, customer: CustomerNode): Promise<DataProcessingAgreementNode> {
    const [current, acceptances] = await Promise.all([DpaService.current(ctx), ctx.loaders.get(acceptancesByCustomer).load(customer.dbId)]);
    const latest = acceptances[0] ? await DpaService.withVersion(ctx, acceptances[0]) : null;
    const status = !current
      ? DpaStatus.NONE_PUBLISHED
      : acceptances.some((a) => a.versionId === current.dbId)
        ? DpaStatus.ACCEPTED
        : latest
          ? DpaStatus.PENDING_ACCEPTANCE
          : DpaStatus.NOT_ACCEPTED;
    return { status, currentVersion: current, acceptance: latest };
  },

  /** Staff: customers by their standing with the version in force, by id. */
  async customersByStatus(ctx: Context, args: DpaStatusPageArgs): Promise<Page<CustomerNode>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    // Without a published version nobody has accepted anything: every customer is NOT_ACCEPTED.
    const where = args.status === DpaStatus.NONE_PUBLISHED ? "FALSE" : STATUS_SQL[args.status];
    const after = args.after ? keysetCondition(BY_ID, decodeCursor(args.after, BY_ID)) : null;
    const rows = await readQuery<Row[]>(
      ctx.db,
      `SELECT ${CUSTOMERS.columns.join(", ")} FROM customers WHERE merged_into_id IS NULL AND status <> 'CLOSED' AND ${where}${after ? ` AND ${after.sql}` : ""} ORDER BY id LIMIT ?`,
      [...(after?.params ?? []), args.first + 1],
    );
    return new Page(
      rows.map((r) => customerFromRow(r)),
      rows.map((r) => r.id),
      args.first,
      !!args.after,
      async () =>
        Number(
          (
            await readQuery<Row[]>(
              ctx.db,
              `SELECT COUNT(*) AS n FROM customers WHERE merged_into_id IS NULL AND status <> 'CLOSED' AND ${where}`,
              [],
            )
          )[0].n,
        ),
    );
  },

  /**
   * Staff ADMIN publish a version (from the upload route): a PDF, stored by hash. Customers that
   * accepted an earlier version are emailed and show PENDING_ACCEPTANCE.
   */
  publish(ctx: Context, label: string, upload: { bytes: Buffer }): Promise<Outcome<{ version?: DpaVersionNode }>> {
    if (ctx.principal.kind !== "staff" || ctx.principal.role !== "ADMIN") throw forbidden();
    return mutateUntargeted(ctx, {
      prepare: async () => {
        if (!/^[\w.\- ]{1,50}$/.test(label))
          refuse(UserErrorCode.INVALID_INPUT, "A label has 1 to 50 letters, digits, dots, dashes or spaces", ["label"]);
        return checkUpload(upload.bytes, ["application/pdf"]);
      },
      write: async (uow, file) => {
        const [taken] = await uow.tx.query("SELECT id FROM dpa_versions WHERE label = ?", [label]);
        if (taken) refuse(UserErrorCode.TAKEN, "A version with this label exists", ["label"]);
        const sha256 = await fileStoreOf(ctx.config).put(uow.tx, file);
        const result = await uow.tx.query("INSERT INTO dpa_versions (label, file_sha256, published_by) VALUES (?, ?, ?)", [
          label,
          sha256,
          principalLabel(ctx.principal),
        ]);
        const id = Number(result.insertId);
        await uow.emit("dpa-published", { dpaVersionId: id });
        await uow.audit("dpa.published", { dpaVersionId: toGlobalId("DpaVersion", id), label, sha256: sha256.toString("hex") }, null);
        return id;
      },
      reply: async (id) => ({ version: (await DpaService.versionById(ctx, id)) ?? undefined }),
    });
  },

  /**
   * The customer's ADMIN accepts the version in force, named by id so that nobody accepts a text
   * other than the one they read (an older one is a CONFLICT). Accepting again changes nothing.
   */
  accept(ctx: Context, customerGid: string, versionGid: string): Promise<AcceptanceOutcome> {
    return mutate(
      ctx,
      { rule: "dataProtectionAdmin", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          const versionId = idOfType(versionGid, "DpaVersion", "versionId");
          // The version in force, locked against a publication racing this acceptance.
          const [current] = await uow.tx.query("SELECT id, label, file_sha256 FROM dpa_versions ORDER BY id DESC LIMIT 1 FOR UPDATE");
          if (!current || Number(current.id) !== versionId) {
            refuse(UserErrorCode.CONFLICT, "This is not the version in force: read the current one and accept it", ["versionId"]);
          }
          const [existing] = await uow.tx.query("SELECT id FROM dpa_acceptances WHERE customer_id = ? AND dpa_version_id = ?", [
            customer.dbId,
            versionId,
          ]);
          if (existing) return Number(existing.id);
          const userId = ctx.principal.kind === "customer" ? ctx.principal.userId : null;
          const result = await uow.tx.query(
            "INSERT INTO dpa_acceptances (customer_id, dpa_version_id, file_sha256, accepted_by_user_id, accepted_by, ip_address) VALUES (?, ?, ?, ?, ?, ?)",
            [customer.dbId, versionId, current.file_sha256, userId, principalLabel(ctx.principal), ctx.ip.slice(0, 45)],
          );
          await uow.audit("dpa.accepted", {
            dpaVersionId: versionGid,
            label: current.label,
            sha256: Buffer.from(current.file_sha256).toString("hex"),
            ipAddress: ctx.ip,
          });
          return Number(result.insertId);
        },
        reply: async (id) => ({ acceptance: (await DpaService.acceptanceById(ctx, id)) ?? undefined }),
      },
    );
  },

  /** The bytes of a version's PDF. */
  content(ctx: Context, version: DpaVersionNode): Promise<Buffer | null> {
    return fileStoreOf(ctx.config).get(ctx.db, Buffer.from(version.file.sha256, "hex"));
  },

  /** A closed customer's acceptances keep what proves the contract (version, hash, time) and lose who and from where. */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<void> {
    await uow.tx.query(
      "UPDATE dpa_acceptances SET accepted_by = 'erased', accepted_by_user_id = NULL, ip_address = '' WHERE customer_id = ?",
      [customerId],
    );
  },
};
