import { FastifyReply } from "fastify";

/**
 * The one place for the security headers of what Konto serves over plain HTTP. Every response
 * gets `X-Content-Type-Options: nosniff` (a download or JSON answer is never run as a page); every
 * HTML page gets a Content-Security-Policy (with `frame-ancestors`), `X-Frame-Options` for older
 * browsers and a strict `Referrer-Policy`. A route with other needs sets its own policy with
 * `pageHeaders(reply, policy)` before it sends; `secureResponse` (the app's onSend hook) fills in
 * what a route left out, so a new page cannot go without.
 */

/** Konto's own pages: inline styles only, no script, forms only back to Konto, never framed. */
export const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** A file served for download or display (PDF, XML, attachments): nothing in it may run, and no one may frame it. */
export const DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; sandbox";

/** Sets the headers of an HTML page, with `policy` as its Content-Security-Policy. */
export function pageHeaders(reply: FastifyReply, policy: string = PAGE_POLICY): FastifyReply {
  return reply
    .header("content-security-policy", policy)
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer");
}

/** For the app's onSend hook: nosniff on every response, and the page headers on HTML that has no policy of its own. */
export function secureResponse(reply: FastifyReply): void {
  if (!reply.hasHeader("x-content-type-options")) void reply.header("x-content-type-options", "nosniff");
  const type = reply.getHeader("content-type");
  if (typeof type === "string" && type.startsWith("text/html") && !reply.hasHeader("content-security-policy")) void pageHeaders(reply);
}
