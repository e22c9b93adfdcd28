import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AuthService } from "../auth/auth.service";
import { PanelClientRefused, PanelService } from "../panels/panel.service";
import { retryAfterOf } from "../platform/rate-limit";
import { Refusal } from "../platform/user-error";
import { ContextDeps as Deps, createContext } from "./request-context";
import { EmailChangeService } from "../verifications/email-change.service";
import { ConfirmPage, confirmPage, pendingPage } from "../verifications/confirm-page";
import { pageHeaders } from "./security-headers";

/** The client id and secret from HTTP Basic auth or from the form, as RFC 6749 §2.3.1 allows. */
function clientCredentials(request: FastifyRequest, form: Record<string, string>): { id?: string; secret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
  }
  return { id: form.client_id, secret: form.client_secret };
}

/** JWKS for token verifiers, and the OAuth 2 token endpoint for reseller API clients and panel clients. */
export function registerAuthRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/.well-known/jwks.json", async (_request, reply) => {
    void reply.header("cache-control", "public, max-age=300");
    return deps.auth.keys.jwks();
  });

  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 8192 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post("/oauth/token", async (request, reply) => {
    const form = (request.body && typeof request.body === "object" ? request.body : {}) as Record<string, string>;
    void reply.header("cache-control", "no-store");
    if (form.grant_type !== "client_credentials") {
      return reply.code(400).send({ error: "unsupported_grant_type", error_description: "Only client_credentials is supported" });
    }
    const { id, secret } = clientCredentials(request, form);
    if (!id || !secret)
      return reply.code(400).send({ error: "invalid_request", error_description: "client_id and client_secret are required" });
    try {
      if (PanelService.isPanelClientId(id)) {
        const { token, ttlSeconds } = await PanelService.clientToken(createContext(request, deps), id, secret);
        return { access_token: token, token_type: "Bearer", expires_in: ttlSeconds };
      }
      const session = await AuthService.clientLogin(createContext(request, deps), id, secret);
      return { access_token: session.accessToken, token_type: "Bearer", expires_in: deps.auth.tokens.ttlSeconds };
    } catch (error) {
      if (error instanceof PanelClientRefused) return reply.code(401).send({ error: "invalid_client", error_description: error.message });
      if (!(error instanceof Refusal)) throw error;
      const retryAfter = retryAfterOf(error);
      if (retryAfter !== undefined) {
        void reply.header("retry-after", String(retryAfter));
        return reply.code(429).send({ error: "slow_down", error_description: error.message });
      }
      // Every other refusal of the grant is about the credentials.
      return reply.code(401).send({ error: "invalid_client", error_description: error.message });
    }
  });
}

/**
 * The confirmation link of an email change. GET shows the pending change with a button and
 * changes nothing (link scanners in mail gateways follow links); the button POSTs the token back,
 * which confirms and answers with a small localized page. Single-page portals use the
 * emailVerificationConfirm mutation instead.
 */
export function registerVerificationRoute(app: FastifyInstance, deps: Deps): void {
  const answer = (reply: FastifyReply, request: FastifyRequest, status: number, locale: string | undefined, body: (l: string) => string) =>
    // The token is in the URL and the form: keep it out of caches and out of the Referer of any next page.
    pageHeaders(reply)
      .code(status)
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(body(locale ?? (/^en\b/i.test(request.headers["accept-language"] ?? "") ? "en" : "de")));
  const outcomePage = (outcome: string): ConfirmPage =>
    outcome === "CONFIRMED" || outcome === "EXPIRED" || outcome === "ALREADY_USED" ? outcome : "UNKNOWN";
  const STATUS: Record<ConfirmPage, number> = { CONFIRMED: 200, ALREADY_USED: 200, EXPIRED: 410, UNKNOWN: 404 };

  app.get("/verify-email", async (request, reply) => {
    const given = (request.query as { token?: unknown }).token;
    const token = typeof given === "string" ? given : "";
    const preview = await EmailChangeService.preview(createContext(request, deps), token);
    if (preview.outcome === "PENDING")
      return answer(reply, request, 200, preview.locale, (l) => pendingPage(preview.purpose, preview.newEmail, token, l));
    const shown = outcomePage(preview.outcome);
    return answer(reply, request, STATUS[shown], preview.locale, (l) => confirmPage(shown, l));
  });

  app.post("/verify-email", async (request, reply) => {
    const form = (request.body && typeof request.body === "object" ? request.body : {}) as Record<string, unknown>;
    const token = typeof form.token === "string" ? form.token : "";
    const result = await EmailChangeService.confirmLink(createContext(request, deps), token);
    const shown = outcomePage(result.outcome);
    return answer(reply, request, STATUS[shown], result.locale, (l) => confirmPage(shown, l));
  });
}

/**
 * Where a product's control panel uses up a sign-in token: `POST /panel-sign-in/consume` with the
 * panel client's bearer token and `{ "token": "…" }`. 200 with the token's claims the first time;
 * then 409 `token_used`; 400 `invalid_token` for a token that does not verify for this panel or
 * has expired; 401 without a valid client token.
 */
export function registerPanelRoutes(app: FastifyInstance, deps: Deps): void {
  app.post("/panel-sign-in/consume", async (request, reply) => {
    void reply.header("cache-control", "no-store");
    const ctx = createContext(request, deps);
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const client = bearer ? await PanelService.clientOf(ctx, bearer) : null;
    if (!client) return reply.code(401).send({ error: "invalid_client", error_description: "Authenticate with the panel's client token" });
    const body = (request.body && typeof request.body === "object" ? request.body : {}) as Record<string, unknown>;
    const token = typeof body.token === "string" ? body.token : "";
    const result = await PanelService.consume(ctx, client, token);
    if (result === "token_used") return reply.code(409).send({ error: result, error_description: "This sign-in token was used already" });
    if (result === "invalid_token")
      return reply.code(400).send({ error: result, error_description: "The sign-in token is not valid for this panel" });
    return { active: true, ...result };
  });
}
