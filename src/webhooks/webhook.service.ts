import { randomBytes } from "node:crypto";
import { Transaction } from "../platform/transactions";
import { forbidden } from "../access/access";
import { openSecret, packSealed, sealSecret, unpackSealed } from "../access/secret-box";
import { EncryptionKeys } from "../config";
import { Context, Principal } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childPageLoader, rowLoader, rowSource } from "../platform/loaders";
import { decodeCursor, keysetCondition, OrderColumn, Page } from "../platform/pagination";
import { Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { addDelivery } from "./webhook-events";
import { resolvedProblem, urlProblem } from "./webhook-targets";
import { WebhookEventType, WebhookSubscriptionStatus } from "./webhook.enums";
import {
  WebhookDeliveryNode,
  WebhookSubscriptionCreateInput,
  WebhookSubscriptionNode,
  WebhookSubscriptionUpdateInput,
} from "./webhook.types";

export function subscriptionFromRow(r: Row): WebhookSubscriptionNode {
  return {
    __typename: "WebhookSubscription",
    id: toGlobalId("WebhookSubscription", r.id),
    dbId: r.id,
    resellerId: r.reseller_id ?? null,
    url: r.url,
    events: String(r.events).split(",").filter(Boolean) as WebhookEventType[],
    description: r.description,
    status: r.status,
    consecutiveFailures: Number(r.consecutive_failures),
    disabledAt: r.disabled_at ?? null,
    previousSecretExpiresAt: r.previous_secret_expires_at ?? null,
    ownerEmail: r.owner_email,
    createdAt: r.created_at,
  };
}

export const messageIdOf = (eventId: number | string) => `msg_${eventId}`;

export function deliveryFromRow(r: Row): WebhookDeliveryNode {
  return {
    __typename: "WebhookDelivery",
    id: toGlobalId("WebhookDelivery", r.id),
    dbId: r.id,
    subscriptionId: r.subscription_id,
    eventId: Number(r.event_id),
    messageId: messageIdOf(r.event_id),
    eventType: r.event_type,
    status: r.status,
    attempts: Number(r.attempts),
    responseStatus: r.response_status ?? null,
    error: r.error ?? null,
    replay: r.replay_of !== null && r.replay_of !== undefined,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at ?? null,
  };
}

// Secrets are never read into a node: the read sources leave them out.
const SUBSCRIPTIONS = rowSource({
  table: "webhook_subscriptions",
  always: [
    "id",
    "reseller_id",
    "url",
    "events",
    "description",
    "status",
    "consecutive_failures",
    "disabled_at",
    "previous_secret_expires_at",
    "owner_email",
    "created_at",
  ],
  map: subscriptionFromRow,
});
const DELIVERIES = rowSource({
  table: "webhook_deliveries",
  always: [
    "id",
    "subscription_id",
    "event_id",
    "event_type",
    "status",
    "attempts",
    "response_status",
    "error",
    "replay_of",
    "created_at",
    "last_attempt_at",
  ],
  map: deliveryFromRow,
});

const subscriptionById = (db: Context["db"]) => rowLoader(db, SUBSCRIPTIONS, "id");
const deliveryById = (db: Context["db"]) => rowLoader(db, DELIVERIES, "id");
const deliveryPages = (db: Context["db"]) => childPageLoader(db, DELIVERIES, "subscription_id", [{ column: "id", desc: true }]);

/** `whsec_` and 32 random bytes, base64: the form Standard Webhooks libraries take. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
/** A sealed secret opens only on its own subscription's row. */
const boundTo = (subscriptionId: number) => `webhook:${subscriptionId}`;

export function sealWebhookSecret(keys: EncryptionKeys, subscriptionId: number, secret: string): Buffer {
  return packSealed(sealSecret(keys, boundTo(subscriptionId), Buffer.from(secret)));
}

/** The secrets that sign now: the current one, and the previous one until its overlap ends. */
export function signingSecrets(keys: EncryptionKeys, row: Row, now = Date.now()): string[] {
  const open = (packed: Buffer) =>
    openSecret(
      keys,
      boundTo(row.id),
      unpackSealed(packed),
      `The secret of webhook subscription ${row.id}`,
      "WEBHOOK_ENCRYPTION_KEYS",
    ).toString();
  const secrets = [open(row.secret_encrypted)];
  if (row.previous_secret_encrypted && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > now) {
    secrets.push(open(row.previous_secret_encrypted));
  }
  return secrets;
}

/** Who may see and manage a subscription: staff for every one, a reseller for its own. */
function mayManage(principal: Principal, subscription: { resellerId: number | null }, change: boolean): boolean {
  if (principal.kind === "staff") return !change || principal.role === "ADMIN";
  return principal.kind === "reseller" && subscription.resellerId === principal.resellerId;
}

const NOT_YOURS = "This webhook subscription is not yours to see or change";

/** Loads a subscription the caller may manage; unknown and foreign ids are refused alike (FORBIDDEN). */
async function manageable(ctx: Context, gid: string, change: boolean): Promise<WebhookSubscriptionNode> {
  const parsed = safeId(gid, "WebhookSubscription");
  const subscription = parsed === null ? null : await ctx.loaders.get(subscriptionById).load(parsed);
  if (!subscription || !mayManage(ctx.principal, subscription, change)) throw forbidden(NOT_YOURS);
  return subscription;
}

function safeId(gid: string, type: string): number | null {
  try {
    return idOfType(gid, type);
  } catch {
    return null;
  }
}

/** Refuses a target URL with a userError on `field`. */
async function checkUrl(ctx: Context, url: string, field: string[]): Promise<void> {
  const problem = urlProblem(url, ctx.config.production) ?? (await resolvedProblem(url, ctx.config.production));
  if (problem) refuse(UserErrorCode.INVALID_INPUT, problem, field);
}

async function ownerEmailOf(tx: Transaction, principal: Principal): Promise<string> {
  if (principal.kind === "reseller") {
    const [r] = await tx.query("SELECT email FROM resellers WHERE id = ?", [principal.resellerId]);
    return r.email;
  }
  if (principal.kind === "staff") {
    const [u] = await tx.query("SELECT email FROM users WHERE id = ?", [principal.userId]);
    if (u) return u.email;
  }
  return "";
}

type SubscriptionOutcome = Outcome<{ subscription?: WebhookSubscriptionNode; secret?: string }>;

export const WebhookService = {
  async byId(ctx: Context, id: number): Promise<WebhookSubscriptionNode | null> {
    return ctx.loaders.get(subscriptionById).load(id);
  },

  /** The caller's subscriptions (staff: all of them), newest first. */
  async list(ctx: Context, args: { first: number; after?: string }): Promise<Page<WebhookSubscriptionNode>> {
    const p = ctx.principal;
    if (p.kind !== "staff" && p.kind !== "reseller") throw forbidden(NOT_YOURS);
    const order: OrderColumn[] = [{ column: "id", desc: true }];
    const where: string[] = [];
    const params: unknown[] = [];
    if (p.kind === "reseller") {
      where.push("reseller_id = ?");
      params.push(p.resellerId);
    }
    const scoped = [...where];
    const scopedParams = [...params];
    if (args.after) {
      const after = keysetCondition(order, decodeCursor(args.after, order));
      where.push(after.sql);
      params.push(...after.params);
    }
    const clause = (w: string[]) => (w.length ? ` WHERE ${w.join(" AND ")}` : "");
    const rows: Row[] = await ctx.db.query(
      `SELECT ${SUBSCRIPTIONS.columns.join(", ")} FROM webhook_subscriptions${clause(where)} ORDER BY id DESC LIMIT ?`,
      [...params, args.first + 1],
    );
    return new Page(
      rows.map((r) => subscriptionFromRow(r)),
      rows.map((r) => r.id),
      args.first,
      !!args.after,
      async () => Number((await ctx.db.query(`SELECT COUNT(*) AS n FROM webhook_subscriptions${clause(scoped)}`, scopedParams))[0].n),
    );
  },

  deliveries(
    ctx: Context,
    subscription: WebhookSubscriptionNode,
    args: { first: number; after?: string },
  ): Promise<Page<WebhookDeliveryNode>> {
    if (!mayManage(ctx.principal, subscription, false)) throw forbidden(NOT_YOURS);
    return ctx.loaders.get(deliveryPages).load({ parentId: subscription.dbId, args: { first: args.first, after: args.after } });
  },

  /** A reseller subscribes for its customers; a staff admin for every customer (a staff integration). */
  create(ctx: Context, input: WebhookSubscriptionCreateInput): Promise<SubscriptionOutcome> {
    const principal = ctx.principal;
    if (principal.kind !== "reseller" && !(principal.kind === "staff" && principal.role === "ADMIN")) throw forbidden();
    return mutateUntargeted(ctx, {
      stepUp: true,
      prepare: () => checkUrl(ctx, input.url, ["input", "url"]),
      write: async (uow) => {
        const secret = newSecret();
        const events = [...new Set(input.events)].join(",");
        const result = await uow.tx.query(
          "INSERT INTO webhook_subscriptions (reseller_id, url, events, description, owner_email, secret_encrypted, created_by) VALUES (?, ?, ?, ?, ?, '', ?)",
          [
            principal.kind === "reseller" ? principal.resellerId : null,
            input.url,
            events,
            input.description ?? "",
            await ownerEmailOf(uow.tx, principal),
            principal.label.slice(0, 300),
          ],
        );
        const id = Number(result.insertId);
        await uow.tx.query("UPDATE webhook_subscriptions SET secret_encrypted = ? WHERE id = ?", [
          sealWebhookSecret(ctx.config.webhooks.encryptionKeys, id, secret),
          id,
        ]);
        await uow.audit("webhook.subscription.created", { subscriptionId: id, url: input.url, events }, null);
        return { id, secret };
      },
      reply: async ({ id, secret }) => ({ subscription: (await WebhookService.byId(ctx, id)) ?? undefined, secret }),
    });
  },

  async update(ctx: Context, gid: string, input: WebhookSubscriptionUpdateInput): Promise<SubscriptionOutcome> {
    const subscription = await manageable(ctx, gid, true);
    return mutateUntargeted(ctx, {
      prepare: async () => {
        if (input.url !== undefined && input.url !== null) await checkUrl(ctx, input.url, ["input", "url"]);
      },
      write: async (uow) => {
        const sets: string[] = [];
        const params: unknown[] = [];
        const set = (sql: string, value: unknown) => {
          sets.push(sql);
          params.push(value);
        };
        if (input.url != null) set("url = ?", input.url);
        if (input.events != null) set("events = ?", [...new Set(input.events)].join(","));
        if (input.description != null) set("description = ?", input.description);
        if (input.enabled === true) {
          sets.push("status = 'ACTIVE'", "consecutive_failures = 0", "disabled_at = NULL");
        } else if (input.enabled === false) {
          sets.push("status = 'DISABLED'", "disabled_at = COALESCE(disabled_at, CURRENT_TIMESTAMP(3))");
        }
        if (sets.length) {
          await uow.tx.query(`UPDATE webhook_subscriptions SET ${sets.join(", ")} WHERE id = ?`, [...params, subscription.dbId]);
          await uow.audit(
            "webhook.subscription.updated",
            { subscriptionId: subscription.dbId, fields: Object.keys(input).filter((k) => input[k as keyof typeof input] != null) },
            null,
          );
        }
        return subscription.dbId;
      },
      reply: async (id) => ({ subscription: (await WebhookService.byId(ctx, id)) ?? undefined }),
    });
  },

  async delete(ctx: Context, gid: string): Promise<Outcome<{ deletedId?: string }>> {
    const subscription = await manageable(ctx, gid, true);
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        await uow.tx.query("DELETE FROM webhook_subscriptions WHERE id = ?", [subscription.dbId]);
        await uow.audit("webhook.subscription.deleted", { subscriptionId: subscription.dbId, url: subscription.url }, null);
        return { deletedId: subscription.id };
      },
    });
  },

  /**
   * A new secret signs from now on; the previous one keeps signing too (a second signature in the
   * header) for WEBHOOK_SECRET_OVERLAP, so the receiver can switch without losing a delivery.
   */
  async rotateSecret(ctx: Context, gid: string): Promise<SubscriptionOutcome> {
    const subscription = await manageable(ctx, gid, true);
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const secret = newSecret();
        await uow.tx.query(
          `UPDATE webhook_subscriptions SET previous_secret_encrypted = secret_encrypted, previous_secret_expires_at = ?,
             secret_encrypted = ? WHERE id = ?`,
          [
            new Date(Date.now() + ctx.config.webhooks.secretOverlapMs),
            sealWebhookSecret(ctx.config.webhooks.encryptionKeys, subscription.dbId, secret),
            subscription.dbId,
          ],
        );
        await uow.audit("webhook.subscription.secret.rotated", { subscriptionId: subscription.dbId }, null);
        return secret;
      },
      reply: async (secret) => ({ subscription: (await WebhookService.byId(ctx, subscription.dbId)) ?? undefined, secret }),
    });
  },

  /** Sends a delivery's event again, as a new delivery with the same `webhook-id`. */
  async replay(ctx: Context, deliveryGid: string): Promise<Outcome<{ delivery?: WebhookDeliveryNode }>> {
    const deliveryId = safeId(deliveryGid, "WebhookDelivery");
    const delivery = deliveryId === null ? null : await ctx.loaders.get(deliveryById).load(deliveryId);
    const subscription = delivery ? await WebhookService.byId(ctx, delivery.subscriptionId) : null;
    if (!delivery || !subscription || !mayManage(ctx.principal, subscription, true))
      throw forbidden("This delivery is not yours to see or replay");
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const [s] = await uow.tx.query("SELECT status FROM webhook_subscriptions WHERE id = ? FOR UPDATE", [subscription.dbId]);
        if (!s || s.status !== WebhookSubscriptionStatus.ACTIVE) {
          refuse(UserErrorCode.CONFLICT, "The subscription is disabled: enable it first", ["deliveryId"]);
        }
        const id = await addDelivery(uow, subscription.dbId, delivery.eventId, delivery.eventType, delivery.dbId);
        await uow.audit("webhook.delivery.replayed", { subscriptionId: subscription.dbId, deliveryId: delivery.dbId }, null);
        return id;
      },
      reply: async (id) => ({ delivery: (await ctx.loaders.get(deliveryById).load(id)) ?? undefined }),
    });
  },
};
