import DataLoader from "dataloader";
import { DataSource } from "typeorm";
import { forbidden } from "../access/access";
import { ANONYMOUS, Context, principalLabel } from "../platform/context";
import { toGlobalId, parseGlobalId } from "../platform/global-id";
import { decodeCursor, keysetCondition, OrderColumn, Page } from "../platform/pagination";
import { rowSource } from "../platform/loaders";
import { jsonColumn, Row } from "../platform/rows";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { productById } from "../products/product.service";
import { mutateUntargeted, Outcome, unitOfWork } from "../unit-of-work/unit-of-work";
import { AnnouncementStatus, NoticeStatus } from "./maintenance.enums";
import { AnnouncementNode, MaintenanceAnnounceInput, MaintenanceWindow, NoticeNode, NoticeStats } from "./maintenance.types";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderMaintenanceNotice } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";

type AnnouncementOutcome = Outcome<{ announcement?: AnnouncementNode }>;

/** Notices with their delivery from the one ledger; a notice not yet handed to it is QUEUED. */
const NOTICES = "maintenance_notices n LEFT JOIN mail_deliveries d ON d.notice_id = n.id";
const NOTICE_STATUS = "COALESCE(d.status, 'QUEUED')";

const TECHNICAL = "FIND_IN_SET('TECHNICAL', k.types) AND k.email_confirmed_at IS NOT NULL";

function announcementFromRow(r: Row): AnnouncementNode {
  return {
    __typename: "MaintenanceAnnouncement",
    id: toGlobalId("MaintenanceAnnouncement", r.id),
    dbId: r.id,
    kind: r.kind,
    titleDe: r.title_de,
    titleEn: r.title_en,
    messageDe: r.message_de,
    messageEn: r.message_en,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    status: r.status,
    revision: r.revision,
    affectedProductCount: Number(r.product_count ?? 0),
    affectedCustomerCount: Number(r.customer_count ?? 0),
    createdAt: r.created_at,
  };
}

const ANNOUNCEMENTS = rowSource({
  table: "maintenance_announcements",
  always: [
    "id",
    "kind",
    "title_de",
    "title_en",
    "message_de",
    "message_en",
    "starts_at",
    "ends_at",
    "status",
    "revision",
    "created_at",
    "(SELECT COUNT(*) FROM maintenance_products mp WHERE mp.announcement_id = maintenance_announcements.id) AS product_count",
    "(SELECT COUNT(DISTINCT customer_id) FROM maintenance_products mp WHERE mp.announcement_id = maintenance_announcements.id) AS customer_count",
  ],
  map: announcementFromRow,
});
const ANNOUNCEMENT_SQL = `SELECT ${ANNOUNCEMENTS.columns.join(", ")} FROM maintenance_announcements`;

function assertStaff(ctx: Context): void {
  if (ctx.principal.kind !== "staff") throw forbidden("Maintenance announcements are for staff");
}

export const MaintenanceService = {
  async byId(ctx: Context, id: number): Promise<AnnouncementNode | null> {
    const [row] = await ctx.db.query(`${ANNOUNCEMENT_SQL} WHERE id = ?`, [id]);
    return row ? announcementFromRow(row) : null;
  },

  /**
   * Records the announcement and its affected products in one transaction, with the fan-out
   * job in the outbox: working out the recipients happens in a worker, so a window for tens of
   * thousands of customers does not hold up the API. It has no one target customer: the staff
   * check stands for authorization.
   */
  async announce(ctx: Context, input: MaintenanceAnnounceInput, idempotencyKey?: string | null): Promise<AnnouncementOutcome> {
    assertStaff(ctx);
    return mutateUntargeted(ctx, {
      idempotency: { key: idempotencyKey, operation: "maintenanceAnnounce", input },
      write: async (uow) => {
        const errors: UserError[] = [];
        if (input.startsAt >= input.endsAt)
          errors.push(userError(UserErrorCode.INVALID_INPUT, "The window must end after it starts", ["input", "endsAt"]));
        if (input.endsAt.getTime() <= Date.now())
          errors.push(userError(UserErrorCode.INVALID_INPUT, "The window is over already", ["input", "endsAt"]));
        const selection = input.products;
        const productIds = (selection.productIds ?? []).map((gid, i) => {
          const parsed = parseGlobalId(gid);
          if (!parsed || parsed.type !== "Product")
            errors.push(userError(UserErrorCode.INVALID_INPUT, "Not a product id", ["input", "products", "productIds", String(i)]));
          return parsed?.id ?? 0;
        });
        if (!productIds.length && !selection.type && !selection.plan) {
          errors.push(userError(UserErrorCode.INVALID_INPUT, "Select products by ids, or by type and/or plan", ["input", "products"]));
        }
        refuseAny(errors);

        const result = await uow.tx.query(
          `INSERT INTO maintenance_announcements (kind, title_de, title_en, message_de, message_en, starts_at, ends_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            input.kind,
            input.titleDe,
            input.titleEn,
            input.messageDe,
            input.messageEn,
            input.startsAt,
            input.endsAt,
            principalLabel(ctx.principal),
          ],
        );
        const announcementId = Number(result.insertId);
        const where = ["status <> 'CANCELLED'"];
        const params: unknown[] = [announcementId];
        const filter = (sql: string, value: unknown) => {
          where.push(sql);
          params.push(value);
        };
        if (productIds.length) filter("id IN (?)", productIds);
        if (selection.type) filter("type = ?", selection.type);
        if (selection.plan) filter("plan = ?", selection.plan);
        const inserted = await uow.tx.query(
          `INSERT INTO maintenance_products (announcement_id, product_id, customer_id) SELECT ?, id, customer_id FROM products WHERE ${where.join(" AND ")}`,
          params,
        );
        // The refusal rolls the announcement row back with it.
        if (!inserted.affectedRows) refuse(UserErrorCode.NOT_FOUND, "No active product matches the selection", ["input", "products"]);
        await uow.audit("maintenance.announced", { announcementId, products: inserted.affectedRows });
        await uow.emit("maintenance-fanout", { announcementId, revision: 1 });
        return announcementId;
      },
      reply: async (announcementId) => ({ announcement: (await MaintenanceService.byId(ctx, announcementId)) ?? undefined }),
    });
  },

  /** A new window or a cancellation: a new revision, sent as a follow-up to the same recipients. Staff only, as announce. */
  async revise(ctx: Context, gid: string, change: { startsAt?: Date; endsAt?: Date; cancel?: boolean }): Promise<AnnouncementOutcome> {
    assertStaff(ctx);
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const parsed = parseGlobalId(gid);
        // Under the lock: two revisions of one announcement get two revision numbers, and a cancelled one stays cancelled.
        const [current] =
          parsed?.type === "MaintenanceAnnouncement"
            ? await uow.tx.query("SELECT id, starts_at, ends_at, status, revision FROM maintenance_announcements WHERE id = ? FOR UPDATE", [
                parsed.id,
              ])
            : [];
        if (!current) refuse(UserErrorCode.NOT_FOUND, "No such announcement", ["id"]);
        if (current.status === AnnouncementStatus.CANCELLED) refuse(UserErrorCode.NOT_PENDING, "This announcement is cancelled", ["id"]);
        const startsAt: Date = change.startsAt ?? current.starts_at;
        const endsAt: Date = change.endsAt ?? current.ends_at;
        if (!change.cancel && startsAt >= endsAt) refuse(UserErrorCode.INVALID_INPUT, "The window must end after it starts", ["endsAt"]);
        await uow.tx.query(
          `UPDATE maintenance_announcements SET starts_at = ?, ends_at = ?, status = ?, revision = revision + 1 WHERE id = ?`,
          [startsAt, endsAt, change.cancel ? AnnouncementStatus.CANCELLED : AnnouncementStatus.SCHEDULED, current.id],
        );
        await uow.audit(change.cancel ? "maintenance.cancelled" : "maintenance.rescheduled", {
          announcementId: toGlobalId("MaintenanceAnnouncement", current.id),
          startsAt,
          endsAt,
        });
        await uow.emit("maintenance-fanout", { announcementId: current.id, revision: current.revision + 1 });
        return Number(current.id);
      },
      reply: async (announcementId) => ({ announcement: (await MaintenanceService.byId(ctx, announcementId)) ?? undefined }),
    });
  },

  async list(ctx: Context, args: { first: number; after?: string }): Promise<Page<AnnouncementNode>> {
    assertStaff(ctx);
    const order: OrderColumn[] = [{ column: "id", desc: true }];
    const after = args.after ? keysetCondition(order, decodeCursor(args.after, order)) : null;
    const rows: Row[] = await ctx.db.query(`${ANNOUNCEMENT_SQL}${after ? ` WHERE ${after.sql}` : ""} ORDER BY id DESC LIMIT ?`, [
      ...(after?.params ?? []),
      args.first + 1,
    ]);
    return new Page(
      rows.map((r) => announcementFromRow(r)),
      rows.map((r) => r.id),
      args.first,
      !!args.after,
      async () => {
        const [row] = await ctx.db.query("SELECT COUNT(*) AS n FROM maintenance_announcements");
        return Number(row.n);
      },
    );
  },

  async stats(ctx: Context, announcement: AnnouncementNode): Promise<NoticeStats> {
    const rows: Row[] = await ctx.db.query(
      `SELECT ${NOTICE_STATUS} AS status, COUNT(*) AS n FROM ${NOTICES} WHERE n.announcement_id = ? AND n.revision = ? GROUP BY 1`,
      [announcement.dbId, announcement.revision],
    );
    const count = (...statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((sum, r) => sum + Number(r.n), 0);
    return { queued: count("QUEUED", "SENDING"), sent: count("SENT"), failed: count("FAILED") };
  },

  async notices(
    ctx: Context,
    announcement: AnnouncementNode,
    args: { first: number; after?: string; status?: NoticeStatus },
  ): Promise<Page<NoticeNode>> {
    const order: OrderColumn[] = [{ column: "n.id" }];
    const where = ["n.announcement_id = ?", "n.revision = ?"];
    const params: unknown[] = [announcement.dbId, announcement.revision];
    if (args.status) {
      where.push(`${NOTICE_STATUS} = ?`);
      params.push(args.status);
    }
    const filter = { sql: where.join(" AND "), params: [...params] };
    if (args.after) {
      const k = keysetCondition(order, decodeCursor(args.after, order));
      where.push(k.sql);
      params.push(...k.params);
    }
    const rows: Row[] = await ctx.db.query(
      `SELECT n.id, n.recipient, n.revision, ${NOTICE_STATUS} AS status, JSON_LENGTH(n.product_ids) AS products, d.error, d.sent_at FROM ${NOTICES}
       WHERE ${where.join(" AND ")} ORDER BY n.id LIMIT ?`,
      [...params, args.first + 1],
    );
    return new Page(
      rows.map((r) => ({
        dbId: Number(r.id),
        recipient: r.recipient,
        revision: r.revision,
        status: r.status,
        productCount: Number(r.products),
        error: r.error ?? undefined,
        sentAt: r.sent_at ?? undefined,
      })),
      rows.map((r) => Number(r.id)),
      args.first,
      !!args.after,
      async () => Number((await ctx.db.query(`SELECT COUNT(*) AS n FROM ${NOTICES} WHERE ${filter.sql}`, filter.params))[0].n),
    );
  },

  windowsOf(ctx: Context, customerId: number): Promise<MaintenanceWindow[]> {
    return ctx.loaders.get(windowsByCustomer).load(customerId);
  },

  async productsOf(ctx: Context, window: MaintenanceWindow) {
    const products = await ctx.loaders.get(productById).loadMany(window.productIds);
    return products.filter((p): p is Exclude<typeof p, Error | null> => !!p && !(p instanceof Error));
  },
};

/** Upcoming and current windows for many customers in one statement, in each customer's language. */
const windowsByCustomer = (db: DataSource) =>
  new DataLoader<number, MaintenanceWindow[]>(async (customerIds) => {
    const rows: Row[] = await db.query(
      `SELECT mp.customer_id, c.locale, a.id, a.kind, a.title_de, a.title_en, a.message_de, a.message_en, a.starts_at, a.ends_at,
              JSON_ARRAYAGG(mp.product_id) AS product_ids
       FROM maintenance_products mp JOIN maintenance_announcements a ON a.id = mp.announcement_id JOIN customers c ON c.id = mp.customer_id
       WHERE mp.customer_id IN (?) AND a.status = 'SCHEDULED' AND a.ends_at > ?
       GROUP BY mp.customer_id, a.id ORDER BY mp.customer_id, a.starts_at, a.id`,
      [customerIds, new Date()],
    );
    const now = Date.now();
    const byCustomer = new Map<number, MaintenanceWindow[]>();
    for (const r of rows) {
      const en = r.locale === "en";
      const list = byCustomer.get(r.customer_id) ?? [];
      list.push({
        announcementId: toGlobalId("MaintenanceAnnouncement", r.id),
        kind: r.kind,
        title: en ? r.title_en : r.title_de,
        message: en ? r.message_en : r.message_de,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        current: r.starts_at.getTime() <= now,
        productIds: jsonColumn<number[]>(r.product_ids) ?? [],
        customerId: r.customer_id,
        products: [],
      });
      byCustomer.set(r.customer_id, list);
    }
    return customerIds.map((id) => byCustomer.get(id) ?? []);
  });

/**
 * The worker side. The fan-out works out the recipients in SQL — every TECHNICAL contact with a
 * confirmed email of the affected customers, or the main email of a customer without one — one
 * row per person (an address that is the technical contact of several products or customers gets
 * one email listing them), and records one outbox row per batch of notices (NOTICE_BATCH_SIZE),
 * all in one transaction with its own done mark: every batch is work MySQL knows of until it is
 * done. A follow-up revision goes to the recipients who got (or are getting) the first.
 */
export function maintenanceHandlers(deps: NotificationDeps): Pick<Handlers, "maintenance-fanout" | "maintenance-notices"> {
  const { db, config, ledger, relay } = deps;
  return {
    async "maintenance-fanout"({ payload, doneIn }) {
      const { announcementId, revision } = payload;
      const [announcement] = await db.query("SELECT revision, kind, status FROM maintenance_announcements WHERE id = ?", [announcementId]);
      if (!announcement) return { skipped: 1 };
      const batches = await unitOfWork({ db, outbox: relay, principal: ANONYMOUS }, async ({ tx, emit }) => {
        // A cancellation goes to whoever got (or is getting) an earlier notice: the rest never heard of it.
        // The announcement and each new window go to everyone affected, so those whose first notice
        // had not gone out yet (it is superseded now) hear of the window that holds.
        const cancelled = revision > 1 && announcement.status === "CANCELLED";
        if (!cancelled) {
          await tx.query(
            `INSERT IGNORE INTO maintenance_notices (announcement_id, revision, recipient, locale, product_ids)
             SELECT ?, ?, MIN(r.recipient), MIN(r.locale), JSON_ARRAYAGG(r.product_id) FROM (
               SELECT k.email AS recipient, c.locale, mp.product_id FROM maintenance_products mp
                 JOIN customers c ON c.id = mp.customer_id JOIN contacts k ON k.customer_id = mp.customer_id AND ${TECHNICAL}
                 WHERE mp.announcement_id = ?
               UNION ALL
               -- the main email: without a technical contact, when the customer asked for it, and always for security and outage notices
               SELECT c.email, c.locale, mp.product_id FROM maintenance_products mp JOIN customers c ON c.id = mp.customer_id
                 WHERE mp.announcement_id = ? AND (? OR c.notify_main_email = 1 OR NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id AND ${TECHNICAL}))
             ) r GROUP BY LOWER(r.recipient)`,
            [announcementId, revision, announcementId, announcementId, announcement.kind !== "MAINTENANCE"],
          );
        } else {
          await tx.query(
            `INSERT IGNORE INTO maintenance_notices (announcement_id, revision, recipient, locale, product_ids)
             SELECT n.announcement_id, ?, n.recipient, n.locale, n.product_ids FROM maintenance_notices n JOIN mail_deliveries d ON d.notice_id = n.id
             WHERE n.announcement_id = ? AND n.revision < ? AND d.status IN ('SENT', 'SENDING') ORDER BY n.revision DESC`,
            [revision, announcementId, revision],
          );
        }
        const ids: { id: string }[] = await tx.query(
          "SELECT id FROM maintenance_notices WHERE announcement_id = ? AND revision = ? ORDER BY id",
          [announcementId, revision],
        );
        for (let i = 0; i < ids.length; i += config.noticeBatchSize) {
          await emit("maintenance-notices", { noticeIds: ids.slice(i, i + config.noticeBatchSize).map(({ id }) => String(id)) });
        }
        await doneIn(tx);
        return Math.ceil(ids.length / config.noticeBatchSize);
      });
      return { batches };
    },

    /**
     * Sends one batch: the ledger claims the notices not sent yet, and each is marked SENT as soon
     * as the server accepted it. A notice of a revision that a newer one replaced is not sent.
     */
    async "maintenance-notices"({ outboxId, payload, final }) {
      const rows: Row[] = await db.query(
        `SELECT n.id, n.revision, n.recipient, n.locale, n.product_ids, a.title_de, a.title_en, a.message_de, a.message_en,
                a.starts_at, a.ends_at, a.status AS announcement_status, a.revision AS current_revision
         FROM maintenance_notices n JOIN maintenance_announcements a ON a.id = n.announcement_id WHERE n.id IN (?)`,
        [payload.noticeIds],
      );
      // The notice's id names the message and its recipient at once (the migration of earlier notices relies on it).
      const key = (n: Row) => `notice:${n.id}`;
      // A follow-up made an older revision stale before it went out: the newer one says it all.
      const stale = rows.filter((n) => n.revision < n.current_revision);
      await ledger.cancel(
        outboxId,
        stale.map((n) => ({ key: key(n), to: n.recipient, noticeId: String(n.id) })),
        "superseded by a newer revision",
      );
      const due = rows.filter((n) => n.revision >= n.current_revision);
      const productIds = [...new Set(due.flatMap((n) => jsonColumn<number[]>(n.product_ids) ?? []))];
      const products = new Map<number, { identifier: string; plan: string }>();
      if (productIds.length) {
        for (const p of await db.query("SELECT id, plan, identifier FROM products WHERE id IN (?) ORDER BY id", [productIds]))
          products.set(Number(p.id), p);
      }
      return ledger.deliver(
        outboxId,
        due.map((n) => ({
          key: key(n),
          to: n.recipient,
          noticeId: String(n.id),
          render: () =>
            renderMaintenanceNotice(
              {
                revision: n.revision,
                cancelled: n.announcement_status === "CANCELLED",
                titleDe: n.title_de,
                titleEn: n.title_en,
                messageDe: n.message_de,
                messageEn: n.message_en,
                startsAt: n.starts_at,
                endsAt: n.ends_at,
                products: (jsonColumn<number[]>(n.product_ids) ?? [])
                  .slice()
                  .sort((a, b) => a - b)
                  .map((id) => products.get(id))
                  .filter((p): p is { identifier: string; plan: string } => !!p),
                providerName: config.provider.name,
              },
              localeOf(n.locale),
            ),
        })),
        final,
      );
    },
  };
}
