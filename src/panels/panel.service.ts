import { randomBytes } from "node:crypto";
import { JWTPayload } from "jose";
import { accessTo } from "../access/access";
import { hashPassword, verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { randomToken, subjectOf } from "../access/tokens";
import { Context, principalLabel } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { refuse, UserErrorCode } from "../platform/user-error";
import { ProductStatus, ProductType } from "../products/product.enums";
import { ProductService } from "../products/product.service";
import { mutate, mutateUntargeted, Outcome, unitOfWork } from "../unit-of-work/unit-of-work";

/** How long a sign-in link works (the "valid 60 seconds"). */
export const PANEL_SIGN_IN_TTL_SECONDS = 60;
/** The `typ` of a sign-in token, and of a panel client's token for the consume endpoint: never taken for each other. */
export const PANEL_SIGN_IN_TYP = "konto-panel-sign-in+jwt";
export const PANEL_CLIENT_TYP = "at+jwt";
const CLIENT_NAME_MAX = 200;
const WRONG_CLIENT = "Unknown client or wrong secret";

/** A panel client's credentials were wrong (401), or the limit of failures was reached (a Refusal with retryAfter). */
export class PanelClientRefused extends Error {}

/** Why a consume call is refused: the token does not verify for this panel, or it was used. */
export type ConsumeRefusal = "invalid_token" | "token_used";

/**
 * Sign-in to a product's control panel: a single-use token (60 s) for the panel named in
 * PANEL_URLS for the product's type, signed with Konto's key for the panel's own audience, and
 * consumed once by the panel's OAuth client. Owns panel_clients and panel_sign_ins.
 */
export const PanelService = {
  /** The audience of one product type's panel. */
  audience(ctx: Pick<Context, "config">, productType: string): string {
    return `${ctx.config.jwt.audience}:panel:${productType}`;
  },

  signIn(ctx: Context, productGid: string): Promise<Outcome<{ url?: string; expiresAt?: Date }>> {
    return mutate(
      ctx,
      { rule: "panelSignIn", load: ProductService.target(ctx, productGid) },
      {
        write: async (uow, { product, customer }) => {
          const base = ctx.config.panelUrls.get(product.type);
          if (!base) refuse(UserErrorCode.NO_PANEL, "Products of this type have no control panel", ["productId"]);
          if (product.status === ProductStatus.CANCELLED)
            refuse(UserErrorCode.INVALID_INPUT, "A cancelled product has no panel to sign in to", ["productId"]);
          const principal = ctx.principal;
          if (principal.kind === "anonymous") refuse(UserErrorCode.INVALID_INPUT, "Sign in first");
          const role = accessTo(principal, customer)!;
          const jti = randomToken();
          const auth = principal.auth ?? { methods: ["pwd"], level: "aal1" as const, time: Math.floor(Date.now() / 1000) };
          const claims: JWTPayload = {
            jti,
            product: product.id,
            product_type: product.type,
            product_identifier: product.identifier,
            customer: customer.customerNumber,
            role,
            name: principalLabel(principal),
            amr: auth.methods,
            acr: auth.level,
            auth_time: auth.time,
          };
          const { token, expiresAt } = await ctx.auth.tokens.signForAudience(
            PanelService.audience(ctx, product.type),
            PANEL_SIGN_IN_TYP,
            subjectOf(principal),
            claims,
            PANEL_SIGN_IN_TTL_SECONDS,
          );
          await uow.tx.query("INSERT INTO panel_sign_ins (jti, product_id, subject, expires_at) VALUES (?, ?, ?, ?)", [
            jti,
            product.dbId,
            subjectOf(principal),
            expiresAt,
          ]);
          await uow.audit("product.panelSignIn", { productId: product.id, role });
          const url = new URL(base);
          url.searchParams.set("token", token);
          return { url: url.toString(), expiresAt };
        },
      },
    );
  },

  /** Staff admins give a product type's panel its OAuth client (client credentials). */
  createClient(
    ctx: Context,
    productType: ProductType,
    name: string,
  ): Promise<Outcome<{ clientId?: string; clientSecret?: string; audience?: string }>> {
    return mutateUntargeted(ctx, {
      stepUp: true,
      prepare: async () => {
        if (!name.trim()) refuse(UserErrorCode.INVALID_INPUT, "Give the client a name", ["name"]);
        if (name.length > CLIENT_NAME_MAX)
          refuse(UserErrorCode.INVALID_INPUT, `A name has at most ${CLIENT_NAME_MAX} characters`, ["name"]);
        if (!ctx.config.panelUrls.has(productType))
          refuse(UserErrorCode.NO_PANEL, "No panel is configured for this product type (PANEL_URLS)", ["productType"]);
        const clientId = `pc_${randomBytes(12).toString("base64url")}`;
        const clientSecret = randomToken();
        return { clientId, clientSecret, secretHash: await hashPassword(clientSecret) };
      },
      write: async (uow, { clientId, clientSecret, secretHash }) => {
        await uow.tx.query("INSERT INTO panel_clients (product_type, client_id, secret_hash, name) VALUES (?, ?, ?, ?)", [
          productType,
          clientId,
          secretHash,
          name.trim(),
        ]);
        await uow.audit("panel.client.created", { productType, clientId }, null);
        return { clientId, clientSecret, audience: PanelService.audience(ctx, productType) };
      },
    });
  },

  /** Whether a client id is a panel's (they are told apart from reseller clients by their prefix). */
  isPanelClientId: (clientId: string) => clientId.startsWith("pc_"),

  /** The client-credentials grant of a panel client: a token for the consume endpoint, with the panel's audience. */
  async clientToken(ctx: Context, clientId: string, secret: string): Promise<{ token: string; ttlSeconds: number }> {
    const [client] = await ctx.db.query(
      "SELECT id, product_type, secret_hash FROM panel_clients WHERE client_id = ? AND revoked_at IS NULL",
      [clientId],
    );
    const ok = await ctx.auth.limiter.check([`client:${clientId}`, `ip:${ctx.ip}`], () =>
      client ? verifyPassword(secret, client.secret_hash) : verifyAgainstDecoy(secret),
    );
    if (!ok || !client) throw new PanelClientRefused(WRONG_CLIENT);
    const ttlSeconds = ctx.auth.tokens.ttlSeconds;
    const { token } = await ctx.auth.tokens.signForAudience(
      PanelService.audience(ctx, client.product_type),
      PANEL_CLIENT_TYP,
      `panel-client:${client.id}`,
      {},
      ttlSeconds,
    );
    return { token, ttlSeconds };
  },

  /** The panel client a bearer token names, when it verifies and the client is not revoked; null otherwise. */
  async clientOf(ctx: Context, bearer: string): Promise<{ id: number; audience: string } | null> {
    const audiences = [...ctx.config.panelUrls.keys()].map((type) => PanelService.audience(ctx, type));
    const claims = audiences.length ? await ctx.auth.tokens.verifyForAudience(bearer, audiences, PANEL_CLIENT_TYP) : null;
    const id = /^panel-client:(\d+)$/.exec(claims?.sub ?? "")?.[1];
    if (!id) return null;
    const [client] = await ctx.db.query("SELECT id, product_type FROM panel_clients WHERE id = ? AND revoked_at IS NULL", [Number(id)]);
    return client ? { id: client.id, audience: PanelService.audience(ctx, client.product_type) } : null;
  },

  /**
   * Uses up a sign-in token for the calling panel: it must verify for that panel's audience, be
   * unexpired and unused. The one UPDATE decides between two calls racing with the same token; a
   * use is audited for the product's customer, naming the panel's client.
   */
  async consume(ctx: Context, client: { id: number; audience: string }, token: string): Promise<JWTPayload | ConsumeRefusal> {
    const claims = await ctx.auth.tokens.verifyForAudience(token, [client.audience], PANEL_SIGN_IN_TYP);
    const jti = claims?.jti;
    if (!claims || !jti) return "invalid_token";
    return unitOfWork({ db: ctx.db, outbox: ctx.outbox, principal: ctx.principal }, async (uow) => {
      const result = await uow.tx.query(
        "UPDATE panel_sign_ins SET consumed_at = CURRENT_TIMESTAMP(3), consumed_by = ? WHERE jti = ? AND consumed_at IS NULL AND expires_at > CURRENT_TIMESTAMP(3)",
        [client.id, jti],
      );
      if (Number(result.affectedRows) !== 1) {
        const [row] = await uow.tx.query("SELECT consumed_at FROM panel_sign_ins WHERE jti = ?", [jti]);
        return row?.consumed_at ? "token_used" : "invalid_token";
      }
      const [owner] = await uow.tx.query(
        `SELECT p.id AS product_id, c.id, c.customer_number, c.reseller_id
         FROM panel_sign_ins s JOIN products p ON p.id = s.product_id JOIN customers c ON c.id = p.customer_id WHERE s.jti = ?`,
        [jti],
      );
      await uow.audit(
        "product.panelSignInUsed",
        { productId: toGlobalId("Product", owner.product_id), panelClientId: client.id },
        { dbId: owner.id, resellerId: owner.reseller_id, customerNumber: owner.customer_number },
      );
      return claims;
    });
  },
};
