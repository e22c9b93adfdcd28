import multipart from "@fastify/multipart";
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { may } from "../access/access";
import { CustomerService } from "../customers/customer.service";
import { DataExportService } from "../data-protection/data-export.service";
import { dpaCertificatePdf } from "../data-protection/dpa-certificate";
import { DpaService } from "../data-protection/dpa.service";
import { AttachmentParent, AttachmentService } from "../documents/attachment.service";
import { DocumentService } from "../documents/document.service";
import { Context } from "../platform/context";
import { KontoError } from "../platform/errors";
import { parseGlobalId } from "../platform/global-id";
import { userError, UserErrorCode } from "../platform/user-error";
import { ContextDeps, createContext, principalFromBearer } from "./request-context";

/** A file name for Content-Disposition: ASCII for old clients, the full name as RFC 5987 `filename*`. */
function disposition(kind: "inline" | "attachment", filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

const denied = (reply: FastifyReply, status: number, message: string) =>
  reply.code(status).header("cache-control", "no-store").send({ error: message });

/** The caller of a plain route by its bearer token, as the invoice PDF route does; null when the reply was sent. */
async function signedIn(request: FastifyRequest, reply: FastifyReply, deps: ContextDeps): Promise<Context | null> {
  const ctx = createContext(request, deps);
  try {
    ctx.principal = await principalFromBearer(request.headers.authorization, deps.auth);
  } catch (error) {
    if (error instanceof KontoError) {
      await denied(reply, (error.extensions.http as { status?: number } | undefined)?.status ?? 401, error.message);
      return null;
    }
    throw error;
  }
  if (ctx.principal.kind === "anonymous") {
    await denied(reply, 401, "send a bearer token");
    return null;
  }
  if (ctx.principal.auth?.enrolOnly) {
    await denied(reply, 403, "enrol a second factor first");
    return null;
  }
  return ctx;
}

const sendFile = (
  reply: FastifyReply,
  bytes: Buffer,
  contentType: string,
  filename: string,
  kind: "inline" | "attachment" = "attachment",
) =>
  reply
    .header("content-type", contentType)
    .header("content-disposition", disposition(kind, filename))
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "private, no-store")
    .send(bytes);

/** The one file of a multipart upload and its text fields; null when the reply (an error) was sent. */
async function readUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  maxBytes: number,
): Promise<{ bytes: Buffer; filename: string; fields: Record<string, string> } | null> {
  const tooLarge = () =>
    reply.code(413).send({ userErrors: [userError(UserErrorCode.FILE_TOO_LARGE, `A file has at most ${maxBytes} bytes`, ["file"])] });
  if (!request.isMultipart()) {
    await reply
      .code(415)
      .send({ userErrors: [userError(UserErrorCode.INVALID_INPUT, "Send multipart/form-data with one file", ["file"])] });
    return null;
  }
  try {
    const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 1000 } });
    if (!part) {
      await reply.code(400).send({ userErrors: [userError(UserErrorCode.INVALID_INPUT, "Send one file", ["file"])] });
      return null;
    }
    const bytes = await part.toBuffer();
    const fields: Record<string, string> = {};
    for (const [name, field] of Object.entries(part.fields)) {
      const value = Array.isArray(field) ? field[0] : field;
      if (value && value.type === "field" && typeof value.value === "string") fields[name] = value.value;
    }
    return { bytes, filename: part.filename, fields };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "FST_REQ_FILE_TOO_LARGE") {
      await tooLarge();
      return null;
    }
    if (code?.startsWith("FST_")) {
      await reply.code(400).send({ userErrors: [userError(UserErrorCode.INVALID_INPUT, "The upload could not be read", ["file"])] });
      return null;
    }
    throw error;
  }
}

/** A mutation's outcome as an upload route answers it: 201 with the payload, or 422 with userErrors. */
function answer(reply: FastifyReply, outcome: { userErrors: unknown[] }) {
  return reply
    .code(outcome.userErrors.length ? 422 : 201)
    .header("cache-control", "no-store")
    .send(outcome);
}

/**
 * Uploads (multipart, bearer token, UPLOAD_MAX_BYTES) and downloads of documents, DPA texts and
 * certificates, request attachments and data exports. Downloads follow the invoice PDF route:
 * 401 without a valid token, 403 alike for unknown and foreign ids.
 */
export async function registerDocumentRoutes(app: FastifyInstance, deps: ContextDeps): Promise<void> {
  const maxBytes = deps.config.uploadMaxBytes;
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1 } });

  app.post("/documents/:documentId/versions", async (request, reply) => {
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    if (ctx.principal.kind !== "staff") return denied(reply, 403, "staff publish documents");
    const upload = await readUpload(request, reply, maxBytes);
    if (!upload) return reply;
    const documentId = (request.params as { documentId: string }).documentId;
    if (parseGlobalId(documentId)?.type !== "Document") return denied(reply, 404, "no such document");
    return answer(reply, await DocumentService.addVersion(ctx, documentId, upload));
  });

  app.post("/dpa/versions", async (request, reply) => {
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    if (ctx.principal.kind !== "staff" || ctx.principal.role !== "ADMIN") return denied(reply, 403, "staff ADMIN publish the agreement");
    const upload = await readUpload(request, reply, maxBytes);
    if (!upload) return reply;
    return answer(reply, await DpaService.publish(ctx, upload.fields.label ?? "", upload));
  });

  for (const [path, parent] of [
    ["/change-requests/:requestId/attachments", "ChangeRequest"],
    ["/support-requests/:requestId/attachments", "SupportRequest"],
  ] as [string, AttachmentParent][]) {
    app.post(path, async (request, reply) => {
      const ctx = await signedIn(request, reply, deps);
      if (!ctx) return reply;
      const requestId = (request.params as { requestId: string }).requestId;
      if (parseGlobalId(requestId)?.type !== parent) return denied(reply, 403, "this request is not yours");
      const upload = await readUpload(request, reply, maxBytes);
      if (!upload) return reply;
      try {
        return answer(reply, await AttachmentService.attach(ctx, parent, requestId, upload));
      } catch (error) {
        if (error instanceof KontoError) return denied(reply, 403, "this request is not yours");
        throw error;
      }
    });
  }

  app.get("/documents/:versionId", async (request, reply) => {
    const parsed = parseGlobalId((request.params as { versionId: string }).versionId);
    if (parsed?.type !== "DocumentVersion") return denied(reply, 404, "no such document");
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    const version = await DocumentService.versionById(ctx, parsed.id);
    if (!version || !(await DocumentService.mayDownload(ctx, version))) return denied(reply, 403, "this document is not yours");
    const bytes = await DocumentService.content(ctx, version);
    if (!bytes) return denied(reply, 404, "no such document");
    await DocumentService.recordDownload(ctx, version);
    return sendFile(reply, bytes, version.file.contentType, version.filename);
  });

  app.get("/attachments/:attachmentId", async (request, reply) => {
    const parsed = parseGlobalId((request.params as { attachmentId: string }).attachmentId);
    if (parsed?.type !== "Attachment") return denied(reply, 404, "no such attachment");
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    const attachment = await AttachmentService.byId(ctx, parsed.id);
    if (!attachment || !(await AttachmentService.mayDownload(ctx, attachment))) return denied(reply, 403, "this attachment is not yours");
    const bytes = await AttachmentService.content(ctx, attachment);
    if (!bytes) return denied(reply, 404, "no such attachment");
    await AttachmentService.recordDownload(ctx, attachment);
    return sendFile(reply, bytes, attachment.file.contentType, attachment.filename);
  });

  // The agreement's text is the same for every customer: any signed-in caller may read it.
  app.get("/dpa/:file", async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const parsed = file.endsWith(".pdf") ? parseGlobalId(file.slice(0, -4)) : null;
    if (parsed?.type !== "DpaVersion") return denied(reply, 404, "no such version");
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    const version = await DpaService.versionById(ctx, parsed.id);
    const bytes = version ? await DpaService.content(ctx, version) : null;
    if (!version || !bytes) return denied(reply, 404, "no such version");
    await DpaService.recordTextDownload(ctx, version);
    return sendFile(reply, bytes, "application/pdf", `AV-Vertrag-${version.label}.pdf`, "inline");
  });

  app.get("/dpa/acceptances/:file", async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const parsed = file.endsWith(".pdf") ? parseGlobalId(file.slice(0, -4)) : null;
    if (parsed?.type !== "DpaAcceptance") return denied(reply, 404, "no such acceptance");
    const ctx = await signedIn(request, reply, deps);
    if (!ctx) return reply;
    const acceptance = await DpaService.acceptanceById(ctx, parsed.id);
    const customer = acceptance ? await CustomerService.byId(ctx, acceptance.customerId) : null;
    if (!acceptance || !customer || !may(ctx.principal, "dataProtection", customer))
      return denied(reply, 403, "this acceptance is not yours");
    const pdf = await dpaCertificatePdf(deps.db, deps.config, parsed.id);
    if (!pdf) return denied(reply, 404, "no such acceptance");
    await DpaService.recordCertificateDownload(ctx, acceptance, customer);
    return sendFile(reply, pdf, "application/pdf", `AV-Annahme-${customer.customerNumber}-${acceptance.version.label}.pdf`, "inline");
  });

  // The emailed link carries its own token (valid 7 days); one answer for unknown, expired and wrong links.
  app.get("/exports/:file", async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const parsed = file.endsWith(".zip") ? parseGlobalId(file.slice(0, -4)) : null;
    const token = (request.query as { token?: unknown }).token;
    if (parsed?.type !== "DataExport" || typeof token !== "string" || token.length > 200) return denied(reply, 404, "no such export");
    const bytes = await DataExportService.byLink(createContext(request, deps), parsed.id, token);
    if (!bytes) return denied(reply, 404, "this link is unknown or expired");
    return sendFile(reply, bytes, "application/zip", `konto-export-${parsed.id}.zip`);
  });
}
