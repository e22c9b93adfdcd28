import { FastifyInstance, FastifyReply } from "fastify";
import { DataSource } from "typeorm";
import { Config } from "../config";
import { clearDevMail, DevMail, devMailAttachment, listDevMail } from "../notifications/dev-mailbox";
import { html, SafeHtml } from "../notifications/templates/template";
import { pageHeaders } from "./security-headers";

// The page shows mail written by templates from users' values: nothing in it may run or load.
const MAILBOX_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
// Only http(s) links become clickable; anything else (javascript:, data:) stays text.
const LINK = /https?:\/\/[^\s<>"']+/g;
const ATTACHMENT_ID = /^\d{1,10}$/;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\r\n]*"|[\w.+-]+))*$/;

/**
 * The development mailbox (no SMTP_URL outside production): GET /dev/mailbox (a page),
 * GET /dev/mailbox.json (?to= filters by recipient), GET /dev/mailbox/attachments/:id and
 * DELETE /dev/mailbox. No login: it exists only outside production, and in production this
 * registers nothing, so every path answers 404.
 */
export function registerDevMailboxRoutes(app: FastifyInstance, deps: { db: DataSource; config: Config }): void {
  if (deps.config.production) return;
  const attachmentUrl = (id: number) => `${deps.config.publicUrl}/dev/mailbox/attachments/${id}`;
  // Links in mail carry tokens: keep them out of caches and out of the Referer of a clicked link.
  const privately = (reply: FastifyReply) =>
    reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer").header("x-content-type-options", "nosniff");

  app.get("/dev/mailbox", async (_request, reply) => {
    const messages = await listDevMail(deps.db);
    return pageHeaders(privately(reply), MAILBOX_POLICY).header("content-type", "text/html; charset=utf-8").send(mailboxPage(messages));
  });

  app.get("/dev/mailbox.json", async (request, reply) => {
    const to = (request.query as { to?: unknown }).to;
    const messages = await listDevMail(deps.db, { to: typeof to === "string" && to ? to : undefined });
    return privately(reply).send({
      messages: messages.map((m) => ({
        id: m.id,
        to: m.to,
        from: m.from,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
        createdAt: m.createdAt.toISOString(),
        attachments: m.attachments.map((a) => ({
          id: a.id,
          filename: a.filename,
          contentType: a.contentType,
          size: a.size,
          url: attachmentUrl(a.id),
        })),
      })),
    });
  });

  app.get("/dev/mailbox/attachments/:id", async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const attachment = ATTACHMENT_ID.test(id) ? await devMailAttachment(deps.db, Number(id)) : null;
    if (!attachment) return privately(reply).code(404).send({ error: "no such attachment" });
    return (
      privately(reply)
        .header("content-type", CONTENT_TYPE.test(attachment.contentType) ? attachment.contentType : "application/octet-stream")
        .header("content-disposition", contentDisposition(attachment.filename ?? `attachment-${attachment.id}`))
        // Should a browser show it anyway, it runs nothing.
        .header("content-security-policy", "default-src 'none'; sandbox")
        .send(attachment.content)
    );
  });

  app.delete("/dev/mailbox", async (_request, reply) => {
    await clearDevMail(deps.db);
    return privately(reply).code(204).send();
  });
}

/** `attachment` with an ASCII fallback name and the exact name in RFC 5987 encoding. */
function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** Text with its http(s) URLs as links; everything escaped. */
export function linkify(text: string): SafeHtml {
  const parts: (string | SafeHtml)[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    // A sentence's full stop or closing bracket after a URL is not part of it.
    const url = match[0].replace(/[.,;:!?)\]]+$/, "");
    parts.push(text.slice(last, match.index), html`<a href="${url}" rel="noreferrer noopener" target="_blank">${url}</a>`);
    last = match.index + url.length;
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;color:#222;padding:0 1rem}
article{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
h2{font-size:1.1rem;margin:.3rem 0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.3rem 0}
dt{color:#666}dd{margin:0}pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.5rem}
iframe{width:100%;height:28rem;border:1px solid #ddd;background:#fff}summary{cursor:pointer;color:#444}`;

function mailboxPage(messages: DevMail[]): string {
  const count = messages.length === 1 ? "1 message" : `${messages.length} messages`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Konto development mailbox</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <h1>Development mailbox</h1>
        <p>
          ${count}, newest first. SMTP_URL is not set, so Konto stores every email here instead of sending it. For scripts:
          <a href="/dev/mailbox.json">/dev/mailbox.json</a> (<code>?to=address</code>), and <code>DELETE /dev/mailbox</code> empties it.
        </p>
        ${messages.map(messageHtml)}
      </body>
    </html>`.value;
}

function messageHtml(mail: DevMail): SafeHtml {
  const time = mail.createdAt.toISOString();
  return html`<article>
    <h2>${mail.subject || "(no subject)"}</h2>
    <dl>
      <dt>To</dt>
      <dd>${mail.to.join(", ")}</dd>
      <dt>From</dt>
      <dd>${mail.from ?? ""}</dd>
      <dt>Time</dt>
      <dd><time datetime="${time}">${time.slice(0, 19).replace("T", " ")} UTC</time></dd>
      <dt>Message-ID</dt>
      <dd>${mail.messageId}</dd>
    </dl>
    ${
      mail.text !== null
        ? html`<details open>
            <summary>Text</summary>
            <pre>${linkify(mail.text)}</pre>
          </details>`
        : ""
    }
    ${
      mail.html !== null
        ? html`<details>
            <summary>HTML</summary>
            <iframe sandbox title="HTML part" srcdoc="${mail.html}"></iframe>
          </details>`
        : ""
    }
    ${
      mail.attachments.length
        ? html`<p>Attachments:</p>
            <ul>
              ${mail.attachments.map((a) => html`<li><a href="/dev/mailbox/attachments/${a.id}" download>${a.filename ?? `attachment-${a.id}`}</a> (${a.contentType}, ${a.size === 1 ? "1 byte" : `${a.size} bytes`})</li>`)}
            </ul>`
        : ""
    }
  </article>`;
}
