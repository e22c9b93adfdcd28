import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { Webhook } from "standardwebhooks";
import { addressAllowed, guardedLookup } from "./webhook-targets";

export interface SignedPost {
  url: string;
  /** `webhook-id`: the same for every attempt and replay of one event, so receivers can drop repeats. */
  messageId: string;
  body: string;
  /** `whsec_…` secrets; each signs (the current one, and the previous one during a rotation's overlap). */
  secrets: string[];
  timeoutMs: number;
  production: boolean;
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

const MAX_ERROR = 500;

/**
 * The Standard Webhooks headers: id, timestamp (seconds) and one `v1,<base64 HMAC-SHA256>` per
 * secret over `id.timestamp.body`, separated by spaces (the receiver accepts any one of them).
 */
export function signatureHeaders(messageId: string, body: string, secrets: string[], at = new Date()): Record<string, string> {
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(" "),
  };
}

/**
 * One signed POST. A 2xx answer is success; any other answer, a timeout or a refused address is
 * a failure the caller may retry. Redirects are not followed (the target is what was checked).
 */
export function postSigned(post: SignedPost): Promise<PostResult> {
  const url = new URL(post.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // Node does not call `lookup` for a literal address: checked here instead.
  if (isIP(host) && !addressAllowed(host, post.production)) {
    return Promise.resolve({ ok: false, status: null, error: "the target address is private or reserved" });
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const body = Buffer.from(post.body);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        lookup: guardedLookup(post.production) as never,
        timeout: post.timeoutMs,
        headers: {
          "content-type": "application/json",
          "content-length": String(body.length),
          "user-agent": "Konto-Webhooks/1",
          ...signatureHeaders(post.messageId, post.body, post.secrets),
        },
      },
      (res) => {
        // The answer's body is not needed; drain it so the socket is freed.
        res.resume();
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          resolve({ ok, status, error: ok ? null : `the receiver answered ${status}` });
        });
        res.on("error", (err) => resolve({ ok: false, status: res.statusCode ?? null, error: err.message.slice(0, MAX_ERROR) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${post.timeoutMs} ms`)));
    req.on("error", (err) => resolve({ ok: false, status: null, error: err.message.slice(0, MAX_ERROR) }));
    req.end(body);
  });
}
