import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { Row } from "../platform/rows";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";

/** Whose sessions: a personal login (USER), the customer-number login (CUSTOMER) or an API client. */
export interface SessionSubject {
  kind: RefreshSubjectKind;
  id: number;
}

/** The subject as access tokens name it (their `sub`), which revocations are keyed by. */
export const subjectName = ({ kind, id }: SessionSubject): string =>
  `${kind === RefreshSubjectKind.USER ? "user" : kind === RefreshSubjectKind.CUSTOMER ? "customer" : "client"}:${id}`;

/**
 * The login of the caller, if it has sessions and second factors: a personal login (USER) or the
 * customer-number login (CUSTOMER); null for anonymous callers and API clients.
 */
export function ownSubject(ctx: Context): SessionSubject | null {
  const p = ctx.principal;
  if (p.kind === "anonymous" || (p.kind === "reseller" && p.clientId !== null)) return null;
  if (p.kind === "customer" && p.userId === null) return { kind: RefreshSubjectKind.CUSTOMER, id: [...p.roles.keys()][0] };
  return p.userId === null ? null : { kind: RefreshSubjectKind.USER, id: p.userId };
}

export interface SessionRow {
  id: number;
  subjectKind: RefreshSubjectKind;
  subjectId: number;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: Date;
  lastUsedAt: Date;
}

const SESSION_COLUMNS = "id, subject_kind, subject_id, user_agent, ip_address, created_at, last_used_at";
const toSession = (row: Row): SessionRow => ({
  id: Number(row.id),
  subjectKind: row.subject_kind,
  subjectId: row.subject_id,
  userAgent: row.user_agent,
  ipAddress: row.ip_address,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/**
 * Sessions: what a login starts (one refresh-token family), and taking access back. Every call
 * that takes access back belongs in the unit of work of the change that causes it: the database
 * ends the sessions' refresh tokens in that transaction, and Redis refuses their access tokens on
 * the next request to any API process. Redis is written when the work has finished without a
 * refusal, just before the commit (uow.beforeCommit): a refused change revokes nothing, and a
 * revocation cannot be lost to a crash after the commit (a commit that then fails costs at most a
 * needless refresh or sign-in). A subject's stamp is written again after the commit, so that a
 * refresh that read the old roles while this transaction ran is refused too.
 */
/** Ends sessions in the database: they and their refresh tokens are revoked. */
async function endRows(uow: UnitOfWork, sessionIds: number[]): Promise<void> {
  if (!sessionIds.length) return;
  await uow.tx.query("UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) WHERE id IN (?) AND revoked_at IS NULL", [sessionIds]);
  await uow.tx.query("UPDATE refresh_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE session_id IN (?) AND revoked_at IS NULL", [
    sessionIds,
  ]);
}

export const SessionService = {
  /** Starts a session for a login that just proved itself with these RFC 8176 methods; returns its id. */
  async start(ctx: Context, tx: Transaction, subject: SessionSubject, methods: string[]): Promise<number> {
    const result = await tx.query(
      "INSERT INTO sessions (subject_kind, subject_id, user_agent, ip_address, auth_methods) VALUES (?, ?, ?, ?, ?)",
      [subject.kind, subject.id, ctx.userAgent, ctx.ip.slice(0, 45), methods.join(" ")],
    );
    return Number(result.insertId);
  },

  /** How and when the session signed in (or last re-authenticated): what its refreshed tokens carry. */
  async signInOf(tx: Transaction, sessionId: number): Promise<{ methods: string[]; time: number }> {
    const [row] = await tx.query("SELECT auth_methods, authenticated_at FROM sessions WHERE id = ?", [sessionId]);
    return { methods: String(row?.auth_methods ?? "pwd").split(" "), time: Math.floor((row?.authenticated_at?.getTime() ?? 0) / 1000) };
  },

  /** The session proved itself again (step-up): its tokens from now on carry this time and these methods. */
  async reauthenticated(tx: Transaction, sessionId: number, methods: string[]): Promise<void> {
    await tx.query("UPDATE sessions SET authenticated_at = CURRENT_TIMESTAMP(3), auth_methods = ? WHERE id = ?", [
      methods.join(" "),
      sessionId,
    ]);
  },

  /**
   * Ends every session of the subject except `keep` (the caller's own, on a password change):
   * refresh tokens stop at once, access tokens on the next request.
   */
  async endAll(ctx: Context, uow: UnitOfWork, subject: SessionSubject, keep: number | null = null): Promise<void> {
    const rows: Row[] = await uow.tx.query(
      "SELECT id FROM sessions WHERE subject_kind = ? AND subject_id = ? AND revoked_at IS NULL AND id <> ? FOR UPDATE",
      [subject.kind, subject.id, keep ?? 0],
    );
    const ids = rows.map((r) => Number(r.id));
    // Without a session to keep, one stamp of the subject refuses every token issued so far (also
    // tokens of no session, and of sessions the select could not see yet): no key per session.
    if (keep !== null) return SessionService.end(ctx, uow, ids);
    await endRows(uow, ids);
    await SessionService.renewTokens(ctx, uow, subject);
  },

  /** Ends these sessions: their refresh tokens stop at once, their access tokens on the next request. */
  async end(ctx: Context, uow: UnitOfWork, sessionIds: number[]): Promise<void> {
    if (!sessionIds.length) return;
    await endRows(uow, sessionIds);
    uow.beforeCommit(() => ctx.auth.revocations.endSessions(sessionIds));
  },

  /**
   * The subject's roles or memberships changed: its access tokens are refused on the next request;
   * its refresh tokens keep working and get tokens with the new roles.
   */
  async renewTokens(ctx: Context, uow: UnitOfWork, subject: SessionSubject): Promise<void> {
    const name = subjectName(subject);
    uow.beforeCommit(() => ctx.auth.revocations.revokeIssuedBefore(name));
    uow.afterCommit(() => ctx.auth.revocations.revokeIssuedBefore(name));
  },

  /** The subject's sessions that have not ended, newest first. */
  async live(db: DataSource | Transaction, subject: SessionSubject): Promise<SessionRow[]> {
    const rows: Row[] = await db.query(
      `SELECT ${SESSION_COLUMNS} FROM sessions s
       WHERE subject_kind = ? AND subject_id = ? AND revoked_at IS NULL
         AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id AND t.revoked_at IS NULL AND t.rotated_at IS NULL AND t.expires_at > CURRENT_TIMESTAMP(3))
       ORDER BY last_used_at DESC, id DESC LIMIT 100`,
      [subject.kind, subject.id],
    );
    return rows.map(toSession);
  },

  /** One session, whoever's it is; the caller decides whether it may see it. */
  async byId(db: DataSource | Transaction, sessionId: number): Promise<SessionRow | null> {
    const [row] = await db.query(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ? AND revoked_at IS NULL`, [sessionId]);
    return row ? toSession(row) : null;
  },

  /** Notes that a session was used (at most once a minute per session: Revocations.check). */
  async touch(db: DataSource, sessionId: number): Promise<void> {
    await db.query("UPDATE sessions SET last_used_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [sessionId]);
  },
};
