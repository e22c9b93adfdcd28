import { randomBytes } from "node:crypto";
import { DataSource, EntityManager } from "typeorm";
import { Context } from "../platform/context";
import { inTransaction } from "../platform/db";
import { jsonColumn, Row } from "../platform/rows";
import { CustomerRole, StaffRole, UserKind } from "../users/user.enums";
import { RefreshSubjectKind } from "./auth.enums";
import { ipAllowed } from "../access/ip-allowlist";
import { hashPassword, passwordProblem, verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { AuthenticatedPrincipal, randomToken, sha256 } from "../access/tokens";

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

export type AuthErrorCode =
  "INVALID_CREDENTIALS" | "IP_NOT_ALLOWED" | "INVALID_REFRESH_TOKEN" | "REFRESH_TOKEN_REUSED" | "WEAK_PASSWORD" | "INVALID_INPUT";

export class AuthFailure extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  principal: AuthenticatedPrincipal;
}

interface Subject {
  kind: RefreshSubjectKind;
  id: number;
}

/** Builds the principal of a login from the database: memberships, reseller, staff role, allowlists. */
async function principalOfSubject(
  db: DataSource | EntityManager,
  subject: Subject,
  ip: string,
  familyId: string,
): Promise<AuthenticatedPrincipal> {
  if (subject.kind === RefreshSubjectKind.CUSTOMER) {
    const [customer] = await db.query("SELECT id, customer_number, ip_allowlist, status FROM customers WHERE id = ?", [subject.id]);
    if (!customer || customer.status === "CLOSED") throw new AuthFailure("INVALID_CREDENTIALS", "Wrong login or password");
    if (!ipAllowed(ip, jsonColumn<string[]>(customer.ip_allowlist))) {
      throw new AuthFailure("IP_NOT_ALLOWED", "Logins to this customer are not allowed from your address");
    }
    return {
      kind: "customer",
      userId: null,
      roles: new Map([[customer.id, CustomerRole.ADMIN]]),
      label: `customer account ${customer.customer_number}`,
      familyId,
    };
  }
  if (subject.kind === RefreshSubjectKind.CLIENT) {
    const [client] = await db.query(
      "SELECT c.id, c.reseller_id, c.name, r.name AS reseller_name FROM api_clients c JOIN resellers r ON r.id = c.reseller_id WHERE c.id = ? AND c.revoked_at IS NULL",
      [subject.id],
    );
    if (!client) throw new AuthFailure("INVALID_CREDENTIALS", "Wrong client id or secret");
    return {
      kind: "reseller",
      resellerId: client.reseller_id,
      userId: null,
      clientId: client.id,
      label: `${client.reseller_name} (reseller ${client.reseller_id}) API client ${client.name}`,
      familyId,
    };
  }
  const [user] = await db.query(
    `SELECT u.id, u.kind, u.email, u.display_name, u.reseller_id, u.staff_role, r.name AS reseller_name
     FROM users u LEFT JOIN resellers r ON r.id = u.reseller_id WHERE u.id = ? AND u.disabled_at IS NULL`,
    [subject.id],
  );
  if (!user) throw new AuthFailure("INVALID_CREDENTIALS", "Wrong login or password");
  const label = `${user.display_name} <${user.email}>`;
  if (user.kind === UserKind.STAFF)
    return { kind: "staff", userId: user.id, role: user.staff_role as StaffRole, label: `staff ${label}`, familyId };
  if (user.kind === UserKind.RESELLER) {
    return {
      kind: "reseller",
      resellerId: user.reseller_id,
      userId: user.id,
      clientId: null,
      label: `${user.reseller_name} (reseller ${user.reseller_id}) user ${label}`,
      familyId,
    };
  }
  const memberships: Row[] = await db.query(
    `SELECT m.customer_id, m.role, c.ip_allowlist FROM memberships m JOIN customers c ON c.id = m.customer_id
     WHERE m.user_id = ? AND c.status <> 'CLOSED'`,
    [user.id],
  );
  // A customer with an allowlist only lends its role to logins from its addresses.
  const allowed = memberships.filter((m) => ipAllowed(ip, jsonColumn<string[]>(m.ip_allowlist)));
  if (memberships.length && !allowed.length)
    throw new AuthFailure("IP_NOT_ALLOWED", "Logins to this customer are not allowed from your address");
  return {
    kind: "customer",
    userId: user.id,
    roles: new Map(allowed.map((m) => [m.customer_id, m.role as CustomerRole])),
    label,
    familyId,
  };
}

export const AuthService = {
  /** Email + password (any user), or customer number + customer password (the account itself). */
  async login(ctx: Context, input: { email?: string; customerNumber?: string; password: string }): Promise<Session> {
    const identifier = input.email ? `email:${input.email.trim().toLowerCase()}` : `customer:${input.customerNumber?.trim()}`;
    const limits = [`login:${identifier}`, `ip:${ctx.ip}`];
    const release = await ctx.auth.limiter.begin(limits);
    try {
      return await AuthService.checkLogin(ctx, input, limits);
    } finally {
      await release();
    }
  },

  async checkLogin(ctx: Context, input: { email?: string; customerNumber?: string; password: string }, limits: string[]): Promise<Session> {
    let subject: Subject | null = null;
    if (input.email) {
      const [user] = await ctx.db.query("SELECT id, password_hash FROM users WHERE email = ? AND disabled_at IS NULL", [
        input.email.trim(),
      ]);
      if (user?.password_hash && (await verifyPassword(input.password, user.password_hash)))
        subject = { kind: RefreshSubjectKind.USER, id: user.id };
      else if (!user?.password_hash) await verifyAgainstDecoy(input.password);
    } else {
      const [customer] = await ctx.db.query("SELECT id, customer_password_hash FROM customers WHERE customer_number = ?", [
        input.customerNumber!.trim(),
      ]);
      if (customer?.customer_password_hash && (await verifyPassword(input.password, customer.customer_password_hash))) {
        subject = { kind: RefreshSubjectKind.CUSTOMER, id: customer.id };
      } else if (!customer?.customer_password_hash) await verifyAgainstDecoy(input.password);
    }
    if (!subject) {
      await ctx.auth.limiter.recordFailure(limits);
      throw new AuthFailure("INVALID_CREDENTIALS", "Wrong login or password");
    }
    const session = await AuthService.startSession(ctx, subject);
    await ctx.auth.limiter.reset(limits[0]);
    return session;
  },

  /** Client-credentials grant for reseller API clients. */
  async clientLogin(ctx: Context, clientId: string, secret: string): Promise<Session> {
    const limits = [`client:${clientId}`, `ip:${ctx.ip}`];
    const release = await ctx.auth.limiter.begin(limits);
    let client: { id: number; secret_hash: string } | undefined;
    try {
      [client] = await ctx.db.query("SELECT id, secret_hash FROM api_clients WHERE client_id = ? AND revoked_at IS NULL", [clientId]);
      const ok = client ? await verifyPassword(secret, client.secret_hash) : await verifyAgainstDecoy(secret);
      // Counted before the reservation ends, so a parallel attempt sees it.
      if (!ok || !client) {
        await ctx.auth.limiter.recordFailure(limits);
        throw new AuthFailure("INVALID_CREDENTIALS", "Wrong client id or secret");
      }
    } finally {
      await release();
    }
    const principal = await principalOfSubject(ctx.db, { kind: RefreshSubjectKind.CLIENT, id: client!.id }, ctx.ip, "");
    const { token, expiresAt } = await ctx.auth.tokens.sign({ ...principal, familyId: null });
    return { accessToken: token, refreshToken: "", expiresAt, principal };
  },

  /** A new refresh-token family and an access token for it. */
  async startSession(ctx: Context, subject: Subject): Promise<Session> {
    const familyId = randomBytes(16).toString("hex");
    const principal = await principalOfSubject(ctx.db, subject, ctx.ip, familyId);
    const refreshToken = randomToken();
    await ctx.db.query("INSERT INTO refresh_tokens (family_id, token_hash, subject_kind, subject_id, expires_at) VALUES (?, ?, ?, ?, ?)", [
      familyId,
      sha256(refreshToken),
      subject.kind,
      subject.id,
      new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
    ]);
    const { token, expiresAt } = await ctx.auth.tokens.sign(principal);
    return { accessToken: token, refreshToken, expiresAt, principal };
  },

  /**
   * Rotates a refresh token: the presented one is used up and a new one of the same family is
   * returned. A token presented after it was rotated means it leaked: its family is revoked.
   */
  async refresh(ctx: Context, refreshToken: string): Promise<Session> {
    const [row] = await ctx.db.query(
      "SELECT id, family_id, subject_kind, subject_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ?",
      [sha256(refreshToken)],
    );
    if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) {
      throw new AuthFailure("INVALID_REFRESH_TOKEN", "The refresh token is not valid; sign in again");
    }
    const reused = async () => {
      await AuthService.revokeFamily(ctx.db, row.family_id);
      return new AuthFailure("REFRESH_TOKEN_REUSED", "This refresh token was used before; every session of it has been ended");
    };
    if (row.rotated_at) throw await reused();
    const next = randomToken();
    const lostRace = new Error("refresh token rotated concurrently");
    try {
      await inTransaction(ctx.db, async (tx) => {
        // Only one of two concurrent refreshes with the same token can rotate it. The loser only
        // rolls back here: revoking the family inside would wait on this transaction's own lock.
        const result = await tx.query(
          "UPDATE refresh_tokens SET rotated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL",
          [row.id],
        );
        if (result.affectedRows !== 1) throw lostRace;
        await tx.query("INSERT INTO refresh_tokens (family_id, token_hash, subject_kind, subject_id, expires_at) VALUES (?, ?, ?, ?, ?)", [
          row.family_id,
          sha256(next),
          row.subject_kind,
          row.subject_id,
          new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
        ]);
      });
    } catch (error) {
      if (error === lostRace) throw await reused();
      throw error;
    }
    const principal = await principalOfSubject(ctx.db, { kind: row.subject_kind, id: row.subject_id }, ctx.ip, row.family_id);
    const { token, expiresAt } = await ctx.auth.tokens.sign(principal);
    return { accessToken: token, refreshToken: next, expiresAt, principal };
  },

  async revokeFamily(db: DataSource | EntityManager, familyId: string): Promise<void> {
    await db.query("UPDATE refresh_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE family_id = ? AND revoked_at IS NULL", [familyId]);
  },

  /** Ends the session of the given refresh token, or else the caller's own session. */
  async logout(ctx: Context, refreshToken?: string): Promise<void> {
    if (refreshToken) {
      const [row] = await ctx.db.query("SELECT family_id FROM refresh_tokens WHERE token_hash = ?", [sha256(refreshToken)]);
      if (row) await AuthService.revokeFamily(ctx.db, row.family_id);
      return;
    }
    if (ctx.principal.kind !== "anonymous" && ctx.principal.familyId) await AuthService.revokeFamily(ctx.db, ctx.principal.familyId);
  },

  /** Needs the current password; ends every other session of the user. */
  async changePassword(ctx: Context, userId: number, current: string, next: string): Promise<void> {
    const [user] = await ctx.db.query("SELECT password_hash FROM users WHERE id = ?", [userId]);
    const limits = [`password-change:${userId}`];
    await ctx.auth.limiter.assertAllowed(limits);
    if (!user?.password_hash || !(await verifyPassword(current, user.password_hash))) {
      await ctx.auth.limiter.recordFailure(limits);
      throw new AuthFailure("INVALID_CREDENTIALS", "The current password is wrong", "currentPassword");
    }
    const keep = ctx.principal.kind === "anonymous" ? null : ctx.principal.familyId;
    // The new password and the end of the other sessions land together, or not at all.
    await inTransaction(ctx.db, (tx) => AuthService.setPassword(tx, userId, next, keep));
  },

  /** Sets a checked password and revokes every session of the user except `keepFamily`. */
  async setPassword(db: DataSource | EntityManager, userId: number, password: string, keepFamily: string | null): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new AuthFailure("WEAK_PASSWORD", `The password ${problem}`, "newPassword");
    const hash = await hashPassword(password);
    await db.query("UPDATE users SET password_hash = ?, password_changed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [hash, userId]);
    await db.query(
      "UPDATE refresh_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE subject_kind = 'USER' AND subject_id = ? AND revoked_at IS NULL AND family_id <> ?",
      [userId, keepFamily ?? ""],
    );
  },
};
