import { legacyUnitOfWork } from "../unit-of-work/unit-of-work";
import { EntityManager } from "typeorm";
import { assertMay, forbidden } from "../access/access";
import { allowlistEntryProblem } from "../access/ip-allowlist";
import { verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { AuditService } from "../audit/audit.service";
import { customerById, CUSTOMERS, CustomerService, maskIban } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Emit } from "../notifications/topics";
import { Context, principalLabel } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { decodeCursor, keysetCondition, OrderColumn, Page } from "../platform/pagination";
import { toE164 } from "../platform/phone";
import { jsonColumn, Row } from "../platform/rows";
import { nextInSeries } from "../platform/sequences";
import { Refusal, refusable, UserError, userError, UserErrorCode } from "../platform/user-error";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { MergeStatus, RequestStatus, SupportStatus } from "./selfservice.enums";
import {
  ChangeRequestInput,
  ChangeRequestNode,
  CustomerUpdateInput,
  MergeChoiceInput,
  MergeDifference,
  MergeRequestNode,
  MergeSide,
  SupportRequestInput,
  SupportRequestNode,
} from "./selfservice.types";

async function loadCustomer(ctx: Context, gid: string, rule: Parameters<typeof assertMay>[1]): Promise<CustomerNode> {
  const customer = await CustomerService.byId(ctx, idOfType(gid, "Customer", "customerId"));
  assertMay(ctx, rule, customer);
  return customer!;
}

async function reloadCustomer(ctx: Context, id: number): Promise<CustomerNode> {
  ctx.loaders.get(customerById).clear(id);
  return (await CustomerService.byId(ctx, id))!;
}

function changeRequestFromRow(r: Row, customer: CustomerNode): ChangeRequestNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("ChangeRequest", r.id),
    changes: jsonColumn<Record<string, unknown>>(r.changes) ?? {},
    documents: r.documents ?? undefined,
    status: r.status,
    reason: r.reason ?? undefined,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    customer,
  };
}

function supportFromRow(r: Row): SupportRequestNode {
  return {
    dbId: r.id,
    customerId: r.customer_id,
    id: toGlobalId("SupportRequest", r.id),
    reference: r.reference,
    subject: r.subject,
    message: r.message,
    status: r.status,
    createdAt: r.created_at,
  };
}

/** A keyset page by id, newest first, of a table filtered by `where`. */
async function pageOf<T>(
  ctx: Context,
  table: string,
  where: { sql: string; params: unknown[] },
  args: { first: number; after?: string },
  map: (r: Row) => Promise<T> | T,
): Promise<Page<T>> {
  const order: OrderColumn[] = [{ column: "id", desc: true }];
  const after = args.after ? keysetCondition(order, decodeCursor(args.after, order)) : null;
  const rows: Row[] = await ctx.db.query(
    `SELECT * FROM ${table} WHERE ${where.sql}${after ? ` AND ${after.sql}` : ""} ORDER BY id DESC LIMIT ?`,
    [...where.params, ...(after?.params ?? []), args.first + 1],
  );
  const nodes = await Promise.all(rows.map(async (r) => ({ node: await map(r), cursor: [r.id] })));
  return new Page(nodes, args.first, !!args.after, async () =>
    Number((await ctx.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where.sql}`, where.params))[0].n),
  );
}

const MERGE_FIELDS: { field: string; columns: string[]; show: (r: Row) => string | undefined }[] = [
  { field: "street", columns: ["street"], show: (r) => r.street },
  { field: "postalCode", columns: ["postal_code"], show: (r) => r.postal_code },
  { field: "city", columns: ["city"], show: (r) => r.city },
  { field: "phone", columns: ["phone"], show: (r) => r.phone ?? undefined },
  { field: "mobile", columns: ["mobile"], show: (r) => r.mobile ?? undefined },
  { field: "email", columns: ["email"], show: (r) => r.email },
  {
    field: "bank",
    columns: [
      "payment_method",
      "sepa_iban",
      "sepa_bic",
      "sepa_account_holder",
      "sepa_mandate_reference",
      "sepa_mandate_date",
      "sepa_scheme",
    ],
    show: (r) => (r.sepa_iban ? `SEPA ${maskIban(r.sepa_iban)}` : "bank transfer"),
  },
];

/** A merge reads both customer rows as the customers module does: never their secrets (password hash, PIN). */
const MERGE_COLUMNS = CUSTOMERS.columns.join(", ");

/** Every table whose rows belong to a customer and move with a merge. */
const CUSTOMER_TABLES = [
  "products",
  "contacts",
  "invoices",
  "payments",
  "email_verifications",
  "support_requests",
  "change_requests",
  "audit_log",
  "maintenance_products",
];

export const SelfServiceService = {
  /** Master data with optimistic locking: a stale version is a CONFLICT and changes nothing. */
  async update(
    ctx: Context,
    customerGid: string,
    input: CustomerUpdateInput,
  ): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
    const customer = await loadCustomer(ctx, customerGid, "editMaster");
    const errors: UserError[] = [];
    const country = input.address?.countryCode ?? customer.address.countryCode;
    const phone = input.phone === undefined ? undefined : input.phone ? toE164(input.phone, country) : null;
    const mobile = input.mobile === undefined ? undefined : input.mobile ? toE164(input.mobile, country) : null;
    if (input.phone && !phone)
      errors.push(userError(UserErrorCode.INVALID_INPUT, `${input.phone} is not a valid phone number`, ["input", "phone"]));
    if (input.mobile && !mobile)
      errors.push(userError(UserErrorCode.INVALID_INPUT, `${input.mobile} is not a valid phone number`, ["input", "mobile"]));
    (input.ipAllowlist ?? []).forEach((entry, i) => {
      const problem = allowlistEntryProblem(entry);
      if (problem) errors.push(userError(UserErrorCode.INVALID_INPUT, problem, ["input", "ipAllowlist", String(i)]));
    });
    if (errors.length) return { userErrors: errors };
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (input.address) {
      set("street", input.address.street);
      set("postal_code", input.address.postalCode);
      set("city", input.address.city);
      set("country_code", input.address.countryCode);
    }
    if (phone !== undefined) set("phone", phone);
    if (mobile !== undefined) set("mobile", mobile);
    if (input.locale) set("locale", input.locale);
    if (input.ipAllowlist) set("ip_allowlist", input.ipAllowlist.length ? JSON.stringify(input.ipAllowlist) : null);
    const outcome = await refusable(() =>
      ctx.outbox.transaction(ctx.db, async (tx, record): Promise<true> => {
        const result = await tx.query(
          `UPDATE customers SET ${[...sets, "version = version + 1"].join(", ")} WHERE id = ? AND version = ?`,
          [...params, customer.dbId, input.version],
        );
        if (result.affectedRows !== 1)
          throw new Refusal(
            userError(UserErrorCode.CONFLICT, "Someone changed this customer in the meantime; reload and try again", ["input", "version"]),
          );
        if (input.email && input.email.toLowerCase() !== customer.email.toLowerCase()) {
          await EmailChangeService.request(legacyUnitOfWork(tx, record, ctx.principal), ctx, {
            purpose: EmailVerificationPurpose.CUSTOMER_EMAIL,
            targetId: customer.dbId,
            customerId: customer.dbId,
            newEmail: input.email,
          });
        }
        await AuditService.record(tx, ctx.principal, {
          customerId: customer.dbId,
          customerNumber: customer.customerNumber,
          action: "customer.updated",
          details: { fields: Object.keys(input).filter((k) => k !== "version") },
        });
        return true;
      }),
    );
    if (outcome !== true) return outcome;
    return { customer: await reloadCustomer(ctx, customer.dbId), userErrors: [] };
  },

  /** Non-critical notices to the main email too; security and outage notices always go there. */
  async notificationSettings(ctx: Context, customerGid: string, notifyMainEmail: boolean) {
    const customer = await loadCustomer(ctx, customerGid, "editMaster");
    await ctx.outbox.transaction(ctx.db, async (tx) => {
      await tx.query("UPDATE customers SET notify_main_email = ? WHERE id = ?", [notifyMainEmail ? 1 : 0, customer.dbId]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer.dbId,
        customerNumber: customer.customerNumber,
        action: "customer.notifications.changed",
        details: { notifyMainEmail },
      });
    });
    return { customer: await reloadCustomer(ctx, customer.dbId), userErrors: [] };
  },

  async notifyMainEmail(ctx: Context, customerId: number): Promise<boolean> {
    const [row] = await ctx.db.query("SELECT notify_main_email FROM customers WHERE id = ?", [customerId]);
    return Boolean(row?.notify_main_email);
  },

  async requestChange(ctx: Context, customerGid: string, input: ChangeRequestInput) {
    const customer = await loadCustomer(ctx, customerGid, "editMaster");
    const { documents, ...changes } = input;
    if (!Object.values(changes).some((v) => v !== undefined && v !== null)) {
      return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "Ask for at least one change", ["input"])] };
    }
    const id = await ctx.outbox.transaction(ctx.db, async (tx) => {
      const r = await tx.query("INSERT INTO change_requests (customer_id, changes, documents, requested_by) VALUES (?, ?, ?, ?)", [
        customer.dbId,
        JSON.stringify(changes),
        documents ?? null,
        principalLabel(ctx.principal),
      ]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer.dbId,
        customerNumber: customer.customerNumber,
        action: "changeRequest.created",
        details: { changeRequestId: Number(r.insertId), fields: Object.keys(changes) },
      });
      return Number(r.insertId);
    });
    const [row] = await ctx.db.query("SELECT * FROM change_requests WHERE id = ?", [id]);
    return { changeRequest: changeRequestFromRow(row, customer), userErrors: [] };
  },

  listChangeRequests(ctx: Context, args: { first: number; after?: string; status?: string }) {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const where = args.status ? { sql: "status = ?", params: [args.status] } : { sql: "TRUE", params: [] };
    return pageOf(ctx, "change_requests", where, args, async (r) =>
      changeRequestFromRow(r, (await CustomerService.byId(ctx, r.customer_id))!),
    );
  },

  /** Staff decide; approval applies every change in one transaction. Either way the main email hears of it. */
  async decideChange(ctx: Context, gid: string, approve: boolean, reason: string) {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "ChangeRequest", "id");
    const outcome = await refusable(() =>
      ctx.outbox.transaction(ctx.db, async (tx, record) => {
        const [r] = await tx.query("SELECT * FROM change_requests WHERE id = ? FOR UPDATE", [id]);
        if (!r) throw new Refusal(userError(UserErrorCode.NOT_FOUND, "No such change request", ["id"]));
        if (r.status !== RequestStatus.PENDING)
          throw new Refusal(userError(UserErrorCode.NOT_PENDING, "This request was decided already", ["id"]));
        const changes = jsonColumn<ChangeRequestInput>(r.changes) ?? {};
        await tx.query("SELECT id FROM customers WHERE id = ? FOR UPDATE", [r.customer_id]);
        if (approve) await applyChange(tx, record, ctx, r.customer_id, changes);
        await tx.query(
          "UPDATE change_requests SET status = ?, reason = ?, decided_by = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
          [approve ? "APPROVED" : "REJECTED", reason || null, principalLabel(ctx.principal), id],
        );
        await AuditService.record(tx, ctx.principal, {
          customerId: r.customer_id,
          action: approve ? "changeRequest.approved" : "changeRequest.rejected",
          details: { changeRequestId: id, reason },
        });
        await record("change-request-decided", { changeRequestId: id });
        return r.customer_id as number;
      }),
    );
    if (typeof outcome !== "number") return outcome;
    const [row] = await ctx.db.query("SELECT * FROM change_requests WHERE id = ?", [id]);
    return { changeRequest: changeRequestFromRow(row, await reloadCustomer(ctx, outcome)), userErrors: [] };
  },

  /** Only a user of the customer opens one; support gets it by email, the customer a confirmation with the reference. */
  async openSupportRequest(ctx: Context, customerGid: string, input: SupportRequestInput) {
    const customer = await loadCustomer(ctx, customerGid, "read");
    if (ctx.principal.kind !== "customer") throw forbidden("Support requests are opened by the customer's own users");
    const productId = input.productId ? idOfType(input.productId, "Product", "productId") : null;
    const contactId = input.callbackContactId ? idOfType(input.callbackContactId, "Contact", "callbackContactId") : null;
    if (productId && !(await ctx.db.query("SELECT 1 FROM products WHERE id = ? AND customer_id = ?", [productId, customer.dbId])).length) {
      return { userErrors: [userError(UserErrorCode.NOT_FOUND, "This product is not the customer's", ["input", "productId"])] };
    }
    const [contact] = contactId
      ? await ctx.db.query("SELECT first_name, last_name, phone, email FROM contacts WHERE id = ? AND customer_id = ?", [
          contactId,
          customer.dbId,
        ])
      : [null];
    if (contactId && !contact)
      return { userErrors: [userError(UserErrorCode.NOT_FOUND, "This contact is not the customer's", ["input", "callbackContactId"])] };
    const id = await ctx.outbox.transaction(ctx.db, async (tx, record) => {
      const year = new Date().toISOString().slice(0, 4);
      const reference = `SR-${year}-${String(await nextInSeries(tx, `support:${year}`, async () => 1)).padStart(6, "0")}`;
      const r = await tx.query(
        "INSERT INTO support_requests (reference, customer_id, product_id, callback_contact_id, subject, message, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [reference, customer.dbId, productId, contactId, input.subject, input.message, principalLabel(ctx.principal)],
      );
      await record("support-request", { supportRequestId: Number(r.insertId) });
      await AuditService.record(tx, ctx.principal, {
        customerId: customer.dbId,
        customerNumber: customer.customerNumber,
        action: "supportRequest.created",
        details: { reference },
      });
      return Number(r.insertId);
    });
    const [row] = await ctx.db.query("SELECT * FROM support_requests WHERE id = ?", [id]);
    return { supportRequest: supportFromRow(row), userErrors: [] };
  },

  customerSupportRequests(ctx: Context, customer: CustomerNode, args: { first: number; after?: string }) {
    return pageOf(ctx, "support_requests", { sql: "customer_id = ?", params: [customer.dbId] }, args, supportFromRow);
  },

  listSupportRequests(ctx: Context, args: { first: number; after?: string; status?: string }) {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return pageOf(
      ctx,
      "support_requests",
      args.status ? { sql: "status = ?", params: [args.status] } : { sql: "TRUE", params: [] },
      args,
      supportFromRow,
    );
  },

  async setSupportStatus(ctx: Context, gid: string, status: SupportStatus) {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "SupportRequest", "id");
    const found = await ctx.outbox.transaction(ctx.db, async (tx) => {
      const [row] = await tx.query("SELECT customer_id FROM support_requests WHERE id = ? FOR UPDATE", [id]);
      if (!row) return false;
      await tx.query("UPDATE support_requests SET status = ? WHERE id = ?", [status, id]);
      await AuditService.record(tx, ctx.principal, {
        customerId: row.customer_id,
        action: "supportRequest.status",
        details: { supportRequestId: gid, status },
      });
      return true;
    });
    if (!found) return { userErrors: [userError(UserErrorCode.NOT_FOUND, "No such support request", ["id"])] };
    const [row] = await ctx.db.query("SELECT * FROM support_requests WHERE id = ?", [id]);
    return { supportRequest: supportFromRow(row), userErrors: [] };
  },

  /**
   * An ADMIN of A proves control of B with B's customer number and password. The answer is the
   * same whether B does not exist or the password is wrong, and costs the same time.
   */
  async startMerge(ctx: Context, targetGid: string, customerNumber: string, password: string) {
    const target = await loadCustomer(ctx, targetGid, "pin");
    const limits = [`merge:${target.dbId}`, `ip:${ctx.ip}`];
    await ctx.auth.limiter.assertAllowed(limits);
    const [source] = await ctx.db.query(
      "SELECT id, customer_password_hash FROM customers WHERE customer_number = ? AND merged_into_id IS NULL",
      [customerNumber.trim()],
    );
    const ok = source?.customer_password_hash
      ? await verifyPassword(password, source.customer_password_hash)
      : await verifyAgainstDecoy(password);
    if (!ok || source.id === target.dbId) {
      await ctx.auth.limiter.recordFailure(limits);
      return { userErrors: [userError(UserErrorCode.INVALID_CREDENTIALS, "Customer number or customer password is wrong", ["input"])] };
    }
    const mergeId = await ctx.outbox.transaction(ctx.db, async (tx) => {
      const r = await tx.query("INSERT INTO merge_requests (target_customer_id, source_customer_id, requested_by) VALUES (?, ?, ?)", [
        target.dbId,
        source.id,
        principalLabel(ctx.principal),
      ]);
      await AuditService.record(tx, ctx.principal, {
        customerId: target.dbId,
        customerNumber: target.customerNumber,
        action: "customer.merge.started",
        details: { source: source.customer_number },
      });
      return Number(r.insertId);
    });
    return { mergeRequest: await mergeView(ctx, mergeId), userErrors: [] };
  },

  async submitMerge(ctx: Context, gid: string, choices: MergeChoiceInput[]) {
    const id = idOfType(gid, "MergeRequest", "id");
    const [m] = await ctx.db.query("SELECT target_customer_id, status FROM merge_requests WHERE id = ?", [id]);
    assertMay(ctx, "pin", m ? await CustomerService.byId(ctx, m.target_customer_id) : null);
    if (m.status !== MergeStatus.DRAFT)
      return { userErrors: [userError(UserErrorCode.NOT_PENDING, "This merge was submitted already", ["id"])] };
    const view = await mergeView(ctx, id);
    const chosen = Object.fromEntries(choices.map((c) => [c.field, c.keep]));
    const missing = view.differences.filter((d) => !chosen[d.field]).map((d) => d.field);
    const unknown = choices.filter((c) => !view.differences.some((d) => d.field === c.field)).map((c) => c.field);
    if (missing.length || unknown.length) {
      return {
        userErrors: [
          userError(
            UserErrorCode.INVALID_INPUT,
            `Choose A or B for each differing field (missing: ${missing.join(", ") || "-"}; not differing: ${unknown.join(", ") || "-"})`,
            ["choices"],
          ),
        ],
      };
    }
    const outcome = await refusable(() =>
      ctx.outbox.transaction(ctx.db, async (tx): Promise<true> => {
        const updated = await tx.query("UPDATE merge_requests SET choices = ?, status = 'SUBMITTED' WHERE id = ? AND status = 'DRAFT'", [
          JSON.stringify(chosen),
          id,
        ]);
        if (updated.affectedRows !== 1) throw new Refusal(userError(UserErrorCode.NOT_PENDING, "This merge was submitted already", ["id"]));
        await AuditService.record(tx, ctx.principal, {
          customerId: m.target_customer_id,
          action: "customer.merge.submitted",
          details: { mergeRequestId: id, choices: chosen },
        });
        return true;
      }),
    );
    if (outcome !== true) return outcome;
    return { mergeRequest: await mergeView(ctx, id), userErrors: [] };
  },

  /** Staff approval moves everything of B under A in one transaction; B's number stays as an alias of A. */
  async decideMerge(ctx: Context, gid: string, approve: boolean, reason: string) {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const id = idOfType(gid, "MergeRequest", "id");
    const outcome = await refusable(() =>
      ctx.outbox.transaction(ctx.db, async (tx, record) => {
        const [m] = await tx.query("SELECT * FROM merge_requests WHERE id = ? FOR UPDATE", [id]);
        if (!m) throw new Refusal(userError(UserErrorCode.NOT_FOUND, "No such merge request", ["id"]));
        if (m.status !== MergeStatus.SUBMITTED)
          throw new Refusal(userError(UserErrorCode.NOT_PENDING, "Only a submitted merge can be decided", ["id"]));
        const [a] = await tx.query(`SELECT ${MERGE_COLUMNS} FROM customers WHERE id = ? FOR UPDATE`, [m.target_customer_id]);
        const [b] = await tx.query(`SELECT ${MERGE_COLUMNS} FROM customers WHERE id = ? FOR UPDATE`, [m.source_customer_id]);
        // Another merge may have closed either side since this one was asked for.
        if (approve && (a.merged_into_id || b.merged_into_id || a.status === "CLOSED" || b.status === "CLOSED")) {
          throw new Refusal(
            userError(UserErrorCode.NOT_PENDING, "One of the customers was merged or closed meanwhile; reject this request", ["id"]),
          );
        }
        if (approve) {
          const choices = jsonColumn<Record<string, MergeSide>>(m.choices) ?? {};
          const fromB = MERGE_FIELDS.filter((f) => choices[f.field] === MergeSide.B).flatMap((f) => f.columns);
          if (fromB.length)
            await tx.query(`UPDATE customers SET ${fromB.map((c) => `${c} = ?`).join(", ")}, version = version + 1 WHERE id = ?`, [
              ...fromB.map((c) => b[c]),
              a.id,
            ]);
          for (const table of CUSTOMER_TABLES) await tx.query(`UPDATE ${table} SET customer_id = ? WHERE customer_id = ?`, [a.id, b.id]);
          // Logins of B become logins of A; a user of both keeps its role at A.
          await tx.query(
            "INSERT IGNORE INTO memberships (user_id, customer_id, role) SELECT user_id, ?, role FROM memberships WHERE customer_id = ?",
            [a.id, b.id],
          );
          await tx.query("DELETE FROM memberships WHERE customer_id = ?", [b.id]);
          await tx.query("UPDATE customer_aliases SET customer_id = ? WHERE customer_id = ?", [a.id, b.id]);
          await tx.query("INSERT INTO customer_aliases (customer_number, customer_id) VALUES (?, ?)", [b.customer_number, a.id]);
          await tx.query(
            "UPDATE customers SET status = 'CLOSED', merged_into_id = ?, customer_password_hash = NULL, customer_pin = NULL WHERE id = ?",
            [a.id, b.id],
          );
          // Other open merges that involve B cannot happen any more.
          await tx.query(
            "UPDATE merge_requests SET status = 'REJECTED', reason = 'superseded by another merge', decided_at = CURRENT_TIMESTAMP(3) WHERE id <> ? AND status IN ('DRAFT', 'SUBMITTED') AND (target_customer_id = ? OR source_customer_id = ?)",
            [id, b.id, b.id],
          );
        }
        await tx.query("UPDATE merge_requests SET status = ?, reason = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [
          approve ? "APPROVED" : "REJECTED",
          reason || null,
          id,
        ]);
        await AuditService.record(tx, ctx.principal, {
          customerId: a.id,
          action: approve ? "customer.merged" : "customer.merge.rejected",
          details: { mergeRequestId: id, source: b.customer_number, reason },
        });
        await record("merge-decided", { mergeRequestId: id });
        return Number(a.id);
      }),
    );
    if (typeof outcome !== "number") return outcome;
    ctx.loaders.get(customerById).clearAll();
    return { mergeRequest: await mergeView(ctx, id), userErrors: [] };
  },
};

async function applyChange(tx: EntityManager, record: Emit, ctx: Context, customerId: number, changes: ChangeRequestInput): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.companyName) set("company_name", changes.companyName);
  if (changes.legalForm !== undefined && changes.legalForm !== null) set("legal_form", changes.legalForm || null);
  if (changes.vatId !== undefined && changes.vatId !== null) set("vat_id", changes.vatId || null);
  if (sets.length) await tx.query(`UPDATE customers SET ${sets.join(", ")}, version = version + 1 WHERE id = ?`, [...params, customerId]);
  if (changes.owner) {
    // The former owners keep their other roles; a contact that was only the owner stays as OTHER.
    await tx.query(
      "UPDATE contacts SET types = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', types, ','), ',OWNER,', ',')) WHERE customer_id = ? AND FIND_IN_SET('OWNER', types)",
      [customerId],
    );
    await tx.query("UPDATE contacts SET types = 'OTHER' WHERE customer_id = ? AND types = ''", [customerId]);
    const contact = await tx.query("INSERT INTO contacts (customer_id, types, first_name, last_name, email) VALUES (?, 'OWNER', ?, ?, ?)", [
      customerId,
      changes.owner.firstName,
      changes.owner.lastName,
      changes.owner.email,
    ]);
    // The new owner's address is confirmed like every other contact's.
    await EmailChangeService.request(legacyUnitOfWork(tx, record, ctx.principal), ctx, {
      purpose: EmailVerificationPurpose.CONTACT_EMAIL,
      targetId: Number(contact.insertId),
      customerId,
      newEmail: changes.owner.email,
    });
  }
}

/** The fields in which A and B differ, for the user to choose from. */
async function mergeView(ctx: Context, id: number): Promise<MergeRequestNode> {
  const [m] = await ctx.db.query("SELECT * FROM merge_requests WHERE id = ?", [id]);
  const [a] = await ctx.db.query(`SELECT ${MERGE_COLUMNS} FROM customers WHERE id = ?`, [m.target_customer_id]);
  const [b] = await ctx.db.query(`SELECT ${MERGE_COLUMNS} FROM customers WHERE id = ?`, [m.source_customer_id]);
  const differences: MergeDifference[] = MERGE_FIELDS.filter((f) => f.columns.some((c) => String(a[c] ?? "") !== String(b[c] ?? ""))).map(
    (f) => ({ field: f.field, a: f.show(a), b: f.show(b) }),
  );
  return { dbId: id, id: toGlobalId("MergeRequest", id), status: m.status, differences };
}
