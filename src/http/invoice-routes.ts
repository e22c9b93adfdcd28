import { DOCUMENT_POLICY } from "./security-headers";
import { FastifyInstance } from "fastify";
import { may } from "../access/access";
import { CustomerService } from "../customers/customer.service";
import { invoiceFiles, invoiceXmlFile } from "../invoices/invoice-documents";
import { InvoiceService } from "../invoices/invoice.service";
import { KontoError } from "../platform/errors";
import { parseGlobalId } from "../platform/global-id";
import { ContextDeps, createContext, principalFromBearer } from "./request-context";

/**
 * GET /invoices/<global id>.pdf and /invoices/<global id>.xml (the EN 16931 e-invoice) with a
 * bearer token (billing rule on the customer), or with the short-lived ?token= of
 * Invoice.pdfUrl / Invoice.xmlUrl (one link token opens both files of its invoice).
 */
export function registerInvoiceRoutes(app: FastifyInstance, deps: ContextDeps): void {
  app.get("/invoices/:file", async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const extension = file.endsWith(".pdf") ? "pdf" : file.endsWith(".xml") ? "xml" : null;
    const gid = extension ? file.slice(0, -4) : "";
    const parsed = parseGlobalId(gid);
    const denied = (status: number, message: string) => reply.code(status).header("cache-control", "no-store").send({ error: message });
    if (!parsed || parsed.type !== "Invoice") return denied(404, "no such invoice");

    const linkToken = (request.query as { token?: unknown }).token;
    let allowed: boolean;
    const ctx = createContext(request, deps);
    if (typeof linkToken === "string") {
      allowed = await deps.auth.tokens.verifyLink(linkToken, "invoice-pdf", gid);
    } else {
      try {
        ctx.principal = await principalFromBearer(request.headers.authorization, deps.auth);
      } catch (error) {
        if (error instanceof KontoError)
          return denied((error.extensions.http as { status?: number } | undefined)?.status ?? 401, error.message);
        throw error;
      }
      if (ctx.principal.kind === "anonymous") return denied(401, "send a bearer token or use Invoice.pdfUrl");
      if (ctx.principal.auth?.enrolOnly) return denied(403, "enrol a second factor first");
      const invoice = await InvoiceService.byId(ctx, parsed.id);
      const customer = invoice ? await CustomerService.byId(ctx, invoice.customerId) : null;
      allowed = !!customer && may(ctx.principal, "billing", customer);
    }
    if (!allowed) return denied(403, "this invoice is not yours");
    if (extension === "xml") {
      const einvoice = await invoiceXmlFile(deps.db, deps.config, parsed.id);
      if (!einvoice) return denied(404, "no such invoice");
      return reply
        .header("content-type", "application/xml; charset=utf-8")
        .header("content-disposition", `inline; filename="${einvoice.number}.xml"`)
        .header("cache-control", "private, no-store")
        .send(einvoice.xml);
    }
    const document = await invoiceFiles(deps.db, deps.config, parsed.id);
    if (!document) return denied(404, "no such invoice");
    return reply
      .header("content-type", "application/pdf")
      .header("content-disposition", `inline; filename="${document.number}.pdf"`)
      .header("cache-control", "private, no-store")
      .header("content-security-policy", DOCUMENT_POLICY)
      .send(document.pdf);
  });
}
