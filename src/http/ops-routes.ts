import { timingSafeEqual } from "node:crypto";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AuthRuntime } from "../access/runtime";
import { Config } from "../config";
import { Metrics } from "../platform/metrics";
import { Queues } from "../platform/queues";
import { principalFromBearer } from "./request-context";
import { pageHeaders } from "./security-headers";

const DASHBOARD_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** GET /metrics in Prometheus format; behind METRICS_TOKEN when it is set. */
export function registerMetricsRoute(app: FastifyInstance, deps: { metrics: Metrics; config: Config }): void {
  app.get("/metrics", async (request, reply) => {
    const token = deps.config.metricsToken;
    if (token && !sameText(request.headers.authorization ?? "", `Bearer ${token}`))
      return reply.code(401).send({ error: "metrics need the METRICS_TOKEN" });
    return reply.header("content-type", deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/**
 * Bull Board at /admin/queues: staff ADMIN tokens (Authorization: Bearer) or the basic-auth
 * login of ADMIN_DASHBOARD_USER / ADMIN_DASHBOARD_PASSWORD. Staff can retry or remove failed jobs there.
 */
export async function registerQueueDashboard(
  app: FastifyInstance,
  deps: { queues: Queues; config: Config; auth: AuthRuntime },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath("/admin/queues");
  createBullBoard({ queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)), serverAdapter });

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    const { dashboardUser, dashboardPassword } = deps.config;
    if (basic && dashboardUser && dashboardPassword) {
      const [user, ...rest] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      if (sameText(user, dashboardUser) && sameText(rest.join(":"), dashboardPassword)) return;
    } else if (/^Bearer\s/i.test(header)) {
      try {
        const principal = await principalFromBearer(header, deps.auth);
        // A login held to enrol a second factor opens nothing else.
        if (principal.kind === "staff" && principal.role === "ADMIN" && !principal.auth?.enrolOnly) return;
        return reply.code(403).send({ error: "the queue dashboard is for staff admins" });
      } catch {
        // an invalid token is answered like none
      }
    }
    return reply.code(401).header("www-authenticate", 'Basic realm="konto queues"').send({ error: "sign in as a staff admin" });
  };

  await app.register(
    async (scope) => {
      scope.addHook("onRequest", guard);
      // Bull Board's page loads its own scripts and styles (and Google's fonts): a policy of its own.
      scope.addHook("onSend", async (_request, reply) => {
        const type = reply.getHeader("content-type");
        if (typeof type === "string" && type.startsWith("text/html")) pageHeaders(reply, DASHBOARD_POLICY);
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: "/admin/queues" },
  );
}
