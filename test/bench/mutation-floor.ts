// The mutation floor (issue 25, target 5): what a hand-written server does for `contactUpdate`
// with a new email, up to the commit of its verification and outbox rows. A bare node:http server
// with a mysql2/promise pool of Konto's size that writes exactly the rows Konto writes for that
// mutation (src/contacts/contact-edit.service.ts, src/verifications/email-change.service.ts, the
// unit of work's outbox and audit rows), with the same statements, in one transaction:
//
//   the contact, read before the transaction (Konto loads and authorizes its target);
//   START TRANSACTION
//   SELECT id, types FROM contacts WHERE customer_id = ? ORDER BY id FOR UPDATE   (the customer's contacts)
//   SELECT types, email_confirmed_at, receives_invoices FROM contacts WHERE id = ?
//   UPDATE contacts SET receives_invoices = ? WHERE id = ?
//   UPDATE email_verifications SET status = 'SUPERSEDED' WHERE purpose = 'CONTACT_EMAIL' AND target_id = ? AND status = 'PENDING'
//   INSERT INTO email_verifications (…, token_hash, token_seed, token_key_id, expires_at)
//   INSERT INTO outbox (topic 'email-verification', payload {"verificationId":…}, request_id, trace_context NULL)
//   INSERT INTO audit_log (action 'email.change.requested', the staff actor, details {purpose, targetId, newEmail})
//   COMMIT (run again whole on a deadlock, as Konto's transactions are)
//
// and answers the same payload ({ contact { id pendingEmail } userErrors }). No logins, no
// GraphQL, no job added to Redis: Konto's API does those on top.
//
// Started by mutation.ts as a child: DATABASE_URL, FLOOR_POOL_SIZE, PORT, HOST, LINK_TOKEN_KEYS
// (Konto's: the link token is derived the same way), EMAIL_VERIFICATION_TTL_MS, BENCH_ACTOR_ID and
// BENCH_ACTOR_LABEL (the staff user the audit rows name); prints {"msg":"mutation floor listening","url":…}.

import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { AddressInfo } from "node:net";
import { PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { floorPool } from "./floor-pool";
import { globalId } from "./queries";

const pool = floorPool();

const [keyId, keyBase64] = (process.env.LINK_TOKEN_KEYS ?? "").split(",")[0].split(":");
const linkKey = Buffer.from(keyBase64 ?? "", "base64");
const ttlMs = Number(process.env.EMAIL_VERIFICATION_TTL_MS ?? 7 * 24 * 3600 * 1000);
const actorId = Number(process.env.BENCH_ACTOR_ID);
const actorLabel = process.env.BENCH_ACTOR_LABEL ?? "";
const DEADLOCK = 1213;

class BadRequest extends Error {}

function contactIdOf(id: unknown): number {
  if (typeof id !== "string") throw new BadRequest("contactId must be a string");
  const match = /^Contact:([1-9][0-9]{0,9})$/.exec(Buffer.from(id, "base64url").toString("utf8"));
  if (!match) throw new BadRequest("contactId is not a Contact id");
  return Number(match[1]);
}

type Row = RowDataPacket & Record<string, any>;

async function writeChange(conn: PoolConnection, contact: Row, newEmail: string, requestId: string): Promise<void> {
  await conn.query("START TRANSACTION");
  try {
    await conn.query("SELECT id, types FROM contacts WHERE customer_id = ? ORDER BY id FOR UPDATE", [contact.customer_id]);
    const [[current]] = await conn.query<Row[]>("SELECT types, email_confirmed_at, receives_invoices FROM contacts WHERE id = ?", [
      contact.id,
    ]);
    await conn.query("UPDATE contacts SET receives_invoices = ? WHERE id = ?", [current.receives_invoices ? 1 : 0, contact.id]);
    await conn.query("UPDATE email_verifications SET status = 'SUPERSEDED' WHERE purpose = ? AND target_id = ? AND status = 'PENDING'", [
      "CONTACT_EMAIL",
      contact.id,
    ]);
    const seed = randomBytes(32);
    const token = createHmac("sha256", linkKey).update(seed).digest("base64url");
    const [inserted] = await conn.query<ResultSetHeader>(
      "INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, token_seed, token_key_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        contact.customer_id,
        "CONTACT_EMAIL",
        contact.id,
        newEmail.trim(),
        createHash("sha256").update(token).digest(),
        seed,
        keyId,
        new Date(Date.now() + ttlMs),
      ],
    );
    const verificationId = inserted.insertId;
    await conn.query("INSERT INTO outbox (topic, payload, request_id, trace_context) VALUES (?, ?, ?, ?)", [
      "email-verification",
      JSON.stringify({ verificationId }),
      requestId,
      null,
    ]);
    await conn.query(
      "INSERT INTO audit_log (customer_id, actor_kind, actor_id, actor_label, action, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        contact.customer_id,
        "STAFF",
        actorId,
        actorLabel.slice(0, 300),
        "email.change.requested",
        JSON.stringify({ purpose: "CONTACT_EMAIL", targetId: contact.id, newEmail }),
        requestId,
      ],
    );
    await conn.query("COMMIT");
  } catch (error) {
    await conn.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function contactUpdate(body: string, requestId: string): Promise<string> {
  let parsed: { variables?: { contactId?: unknown; email?: unknown } };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest("the body is not JSON");
  }
  const contactId = contactIdOf(parsed.variables?.contactId);
  const email = parsed.variables?.email;
  if (typeof email !== "string" || !email.includes("@")) throw new BadRequest("email must be an address");
  const conn = await pool.getConnection();
  try {
    const [[contact]] = await conn.query<Row[]>("SELECT id, customer_id, email FROM contacts WHERE id = ?", [contactId]);
    if (!contact) throw new BadRequest("no such contact");
    for (let attempt = 1; ; attempt++) {
      try {
        await writeChange(conn, contact, email, requestId);
        break;
      } catch (error) {
        if ((error as { errno?: number }).errno !== DEADLOCK || attempt >= 5) throw error;
      }
    }
  } finally {
    conn.release();
  }
  return JSON.stringify({
    data: { contactUpdate: { contact: { id: globalId("Contact", contactId), pendingEmail: email }, userErrors: [] } },
  });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const requestId = (req.headers["x-request-id"] as string | undefined) ?? randomUUID();
    contactUpdate(Buffer.concat(chunks).toString("utf8"), requestId).then(
      (json) => {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) });
        res.end(json);
      },
      (error: Error) => {
        const status = error instanceof BadRequest ? 400 : 500;
        if (status === 500) console.error(error.stack ?? error.message);
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: error.message }] }));
      },
    );
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ level: 30, msg: "mutation floor listening", url: `http://${address}:${port}/graphql` }));
});

process.on("SIGTERM", () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
