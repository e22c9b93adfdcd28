import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Context } from "../platform/context";
import { jsonColumn, Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome, unitOfWork, UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { CustomerRole, StaffRole, UserKind } from "../users/user.enums";
import { RefreshSubjectKind } from "./auth.enums";
import { ipAllowed } from "../access/ip-allowlist";
import { hashPassword, needsRehash, passwordProblem, verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { CustomerPasswords } from "../customers/customer-password";
import { forbidden } from "../access/access";
import { Authentication } from "../platform/principal";
import { challengeReply, LoginChallenges, SecondFactorChallenge } from "./login-challenges";
import { PasskeyService } from "./passkeys.service";
import { SecondFactorProof, SecondFactors } from "./second-factors";
import { ownSubject, SessionService, SessionSubject } from "./sessions";
import { AuthenticatedPrincipal, randomToken, sha256 } from "../access/tokens";

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

/** What a sign-in or a refresh answers with. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface Session extends SessionTokens {
  principal: AuthenticatedPrincipal;
}

/** Replaces a login's password hash made with older parameters (the password just proved right), in a unit of work of its own. */
async function rehashPassword(ctx: Context, subject: Subject, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await unitOfWork({ db: ctx.db, outbox: ctx.outbox, principal: ctx.principal }, async ({ tx }) => {
    if (subject.kind === RefreshSubjectKind.USER) await tx.query("UPDATE users SET password_hash = ? WHERE id = ?", [hash, subject.id]);
    else await CustomerPasswords.rehash(tx, subject.id, hash);
  });
}

const CUSTOMER_LOGIN_NEEDS_FACTOR =
  "This customer requires a second factor, and its customer-number login has none: sign in with a personal login, or enrol one on the customer account";

const tokensOf = ({ accessToken, refreshToken, expiresAt }: Session): SessionTokens => ({ accessToken, refreshToken, expiresAt });

// Also the answer to a right password from outside an IP allowlist: the two must not be told apart.
const WRONG_LOGIN = "Wrong login or password, or signing in from this address is not allowed";
const WRONG_CLIENT = "Wrong client id or secret";
const IP_REFUSED = "Logins to this customer are not allowed from your address";
/** Where the refusals of each mutation point: the password of authLogin, the argument of authRefresh. */
const PASSWORD_FIELD = ["input", "password"];
const REFRESH_TOKEN_FIELD = ["refreshToken"];
const NEW_PASSWORD_FIELD = ["input", "newPassword"];

interface Subject {
  kind: RefreshSubjectKind;
  id: number;
}

/**
 * Why a login's principal could not be built: it is gone (or closed), refused from this address,
 * or it is the customer-number login of a customer that requires a second factor it has not got.
 */
type NoPrincipal = "gone" | "address" | "second-factor";

/** How a session signed in: RFC 8176 methods and when (seconds). */
interface SignIn {
  methods: string[];
  time: number;
}

const signedInNow = (methods: string[]): SignIn => ({ methods, time: Math.floor(Date.now() / 1000) });

/** The token's authentication claims: two methods, or a passkey (possession plus its own user verification), are aal2. */
function authenticationOf(signIn: SignIn, enrolOnly: boolean): Authentication {
  const level = signIn.methods.length > 1 || signIn.methods.includes("hwk") ? "aal2" : "aal1";
  return { methods: signIn.methods, level, time: signIn.time, ...(enrolOnly ? { enrolOnly } : {}) };
}

/**
 * Builds the principal of a login from the database: memberships, reseller, staff role,
 * allowlists, and whether it is held to enrol a second factor first (a customer's requirement,
 * STAFF_REQUIRE_SECOND_FACTOR for staff).
 */
async function principalOfSubject(
  ctx: Context,
  db: DataSource | Transaction,
  subject: Subject,
  sessionId: number | null,
  signIn: SignIn,
): Promise<AuthenticatedPrincipal | NoPrincipal> {
  const ip = ctx.ip;
  /** Whether a login that must have a second factor lacks one. */
  const lacksRequiredFactor = async (required: boolean) => required && !(await SecondFactors.enrolled(db, subject as SessionSubject));
  if (subject.kind === RefreshSubjectKind.CUSTOMER) {
    const [customer] = await db.query(
      "SELECT id, customer_number, ip_allowlist, status, second_factor_required FROM customers WHERE id = ?",
      [subject.id],
    );
    if (!customer || customer.status === "CLOSED") return "gone";
    if (!ipAllowed(ip, jsonColumn<string[]>(customer.ip_allowlist))) return "address";
    // The account's own login enrols nothing while held: with the requirement on it needs its own factor.
    if (await lacksRequiredFactor(!!Number(customer.second_factor_required))) return "second-factor";
    return {
      kind: "customer",
      userId: null,
      roles: new Map([[customer.id, CustomerRole.ADMIN]]),
      label: `customer account ${customer.customer_number}`,
      sessionId,
      auth: authenticationOf(signIn, false),
    };
  }
  if (subject.kind === RefreshSubjectKind.CLIENT) {
    const [client] = await db.query(
      "SELECT c.id, c.reseller_id, c.name, r.name AS reseller_name FROM api_clients c JOIN resellers r ON r.id = c.reseller_id WHERE c.id = ? AND c.revoked_at IS NULL",
      [subject.id],
    );
    if (!client) return "gone";
    return {
      kind: "reseller",
      resellerId: client.reseller_id,
      userId: null,
      clientId: client.id,
      label: `${client.reseller_name} (reseller ${client.reseller_id}) API client ${client.name}`,
      sessionId,
      auth: authenticationOf(signIn, false),
    };
  }
  const [user] = await db.query(
    `SELECT u.id, u.kind, u.email, u.display_name, u.reseller_id, u.staff_role, r.name AS reseller_name
     FROM users u LEFT JOIN resellers r ON r.id = u.reseller_id WHERE u.id = ? AND u.disabled_at IS NULL`,
    [subject.id],
  );
  if (!user) return "gone";
  const label = `${user.display_name} <${user.email}>`;
  if (user.kind === UserKind.STAFF) {
    const auth = authenticationOf(signIn, await lacksRequiredFactor(ctx.config.staffRequireSecondFactor));
    return { kind: "staff", userId: user.id, role: user.staff_role as StaffRole, label: `staff ${label}`, sessionId, auth };
  }
  if (user.kind === UserKind.RESELLER) {
    return {
      kind: "reseller",
      resellerId: user.reseller_id,
      userId: user.id,
      clientId: null,
      label: `${user.reseller_name} (reseller ${user.reseller_id}) user ${label}`,
      sessionId,
      auth: authenticationOf(signIn, false),
    };
  }
  const memberships: Row[] = await db.query(
    `SELECT m.customer_id, m.role, c.ip_allowlist, c.second_factor_required FROM memberships m JOIN customers c ON c.id = m.customer_id
     WHERE m.user_id = ? AND c.status <> 'CLOSED'`,
    [user.id],
  );
  // A customer with an allowlist only lends its role to logins from its addresses.
  const allowed = memberships.filter((m) => ipAllowed(ip, jsonColumn<string[]>(m.ip_allowlist)));
  if (memberships.length && !allowed.length) return "address";
  return {
    kind: "customer",
    userId: user.id,
    roles: new Map(allowed.map((m) => [m.customer_id, m.role as CustomerRole])),
    label,
    sessionId,
    // One customer's requirement holds the whole login: its other customers wait for the enrolment too.
    auth: authenticationOf(signIn, await lacksRequiredFactor(memberships.some((m) => !!Number(m.second_factor_required)))),
  };
}

type LoginInput = { email?: string; customerNumber?: string; password: string };

/**
 * The login this password opens, or null; an unknown login costs a password check all the same.
 * A hash made with other parameters than the configured ones comes with its replacement.
 */
async function subjectOfCredentials(db: DataSource, input: LoginInput): Promise<(Subject & { rehash: boolean }) | null> {
  const [row] = input.email
    ? await db.query("SELECT id, password_hash AS hash FROM users WHERE email = ? AND disabled_at IS NULL", [input.email.trim()])
    : await db.query("SELECT id, customer_password_hash AS hash FROM customers WHERE customer_number = ?", [input.customerNumber?.trim()]);
  if (!row?.hash) {
    await verifyAgainstDecoy(input.password);
    return null;
  }
  if (!(await verifyPassword(input.password, row.hash))) return null;
  const rehash = needsRehash(row.hash);
  return { kind: input.email ? RefreshSubjectKind.USER : RefreshSubjectKind.CUSTOMER, id: row.id, rehash };
}

/** A new refresh token of a session. */
async function issueRefreshToken(tx: Transaction, sessionId: number, subject: Subject): Promise<string> {
  const refreshToken = randomToken();
  await tx.query("INSERT INTO refresh_tokens (session_id, token_hash, subject_kind, subject_id, expires_at) VALUES (?, ?, ?, ?, ?)", [
    sessionId,
    sha256(refreshToken),
    subject.kind,
    subject.id,
    new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
  ]);
  return refreshToken;
}

/** A new session and its tokens; its principal refused as gone or from this address, or the tokens. */
async function startSession(tx: Transaction, ctx: Context, subject: Subject, methods: string[]): Promise<Session | NoPrincipal> {
  // Taken before the roles are read: a revocation stamped after this refuses the token.
  const issuedAtUs = await ctx.auth.tokens.now();
  const sessionId = await SessionService.start(ctx, tx, subject, methods);
  const principal = await principalOfSubject(ctx, tx, subject, sessionId, signedInNow(methods));
  if (typeof principal === "string") return principal;
  const refreshToken = await issueRefreshToken(tx, sessionId, subject);
  if (subject.kind === RefreshSubjectKind.USER) {
    await tx.query("UPDATE users SET last_login_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [subject.id]);
  }
  const { token, expiresAt } = await ctx.auth.tokens.sign(principal, issuedAtUs);
  return { accessToken: token, refreshToken, expiresAt, principal };
}

export const AuthService = {
  /** Email + password (any user), or customer number + customer password (the account itself). */
  login(ctx: Context, input: LoginInput): Promise<Outcome<SessionTokens>> {
    const identifier = input.email ? `email:${input.email.trim().toLowerCase()}` : `customer:${input.customerNumber?.trim()}`;
    const limits = [`login:${identifier}`, `ip:${ctx.ip}`];
    return mutateUntargeted(ctx, {
      // The password check runs outside the transaction: it is slow, and the pool is not its to hold.
      prepare: async () => {
        if (!input.email === !input.customerNumber) refuse(UserErrorCode.INVALID_INPUT, "Give either email or customerNumber", ["input"]);
        const release = await ctx.auth.limiter.begin(limits);
        try {
          const subject = await subjectOfCredentials(ctx.db, input);
          if (!subject) {
            // Counted before the reservation ends, so a parallel attempt sees it.
            await ctx.auth.limiter.recordFailure(limits);
            refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, PASSWORD_FIELD);
          }
          return subject;
        } finally {
          await release();
        }
      },
      write: async (uow, subject): Promise<Session | SecondFactorChallenge> => {
        const { tx } = uow;
        const refusedFromHere = async () => {
          // Refused from this address: the same answer, and the same count, as a wrong password,
          // so that from outside the allowlist nobody learns when a guess was right.
          await ctx.auth.limiter.recordFailure(limits);
          refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, PASSWORD_FIELD);
        };
        // A hash with older parameters is made again once the login has passed every check, after
        // the commit: before it, the extra hash would tell a right password from a wrong one.
        const rehash = () => {
          if (subject.rehash) uow.afterCommit(() => rehashPassword(ctx, subject, input.password));
        };
        const methods = await SecondFactors.methods(tx, subject as SessionSubject);
        if (methods.length) {
          // The address is checked before the challenge, so that the answer is the same as after a wrong password.
          const probe = await principalOfSubject(ctx, tx, subject, null, signedInNow(["pwd"]));
          if (probe === "address" || probe === "gone") await refusedFromHere();
          await ctx.auth.limiter.reset(limits[0]);
          rehash();
          return LoginChallenges.issue(ctx, tx, subject as SessionSubject, methods);
        }
        const session = await startSession(tx, ctx, subject, ["pwd"]);
        if (session === "second-factor") refuse(UserErrorCode.SECOND_FACTOR_REQUIRED, CUSTOMER_LOGIN_NEEDS_FACTOR, PASSWORD_FIELD);
        if (typeof session === "string") return refusedFromHere();
        await ctx.auth.limiter.reset(limits[0]);
        rehash();
        return session;
      },
      reply: (outcome) => ("challenge" in outcome ? challengeReply(outcome) : tokensOf(outcome)),
    });
  },

  /** The second step of a login with a second factor: the challenge of authLogin and one proof. */
  completeSecondFactor(ctx: Context, challenge: string, proof: SecondFactorProof): Promise<Outcome<SessionTokens>> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        const pending = await LoginChallenges.redeem(uow.tx, challenge);
        const method = pending
          ? await SecondFactors.verify(ctx, uow, pending.subject, { ...proof, passkeyChallengeId: pending.passkeyChallengeId })
          : null;
        if (!pending || !method)
          refuse(UserErrorCode.INVALID_SECOND_FACTOR, "The second factor did not verify; try again or sign in again", ["input"]);
        const session = await startSession(uow.tx, ctx, pending.subject, ["pwd", method]);
        if (typeof session === "string") refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, ["input"]);
        await uow.audit("login.second-factor", { method }, null);
        return session;
      },
      reply: tokensOf,
    });
  },

  /**
   * The options for signing in with a passkey alone (discoverable credential, user verification
   * required), or, signed in, for re-authenticating with one of the caller's passkeys.
   */
  passkeyChallenge(ctx: Context, forCaller: boolean): Promise<Outcome<{ challengeId: string; options: unknown }>> {
    return mutateUntargeted(ctx, {
      prepare: async () => {
        await ctx.auth.limiter.assertAllowed([`ip:${ctx.ip}`]);
        const subject = forCaller ? ownSubject(ctx) : null;
        if (forCaller && !subject) throw forbidden("Only a personal login or the customer-number login has passkeys");
        return subject;
      },
      write: async (_uow, subject) => PasskeyService.authenticationOptions(ctx, subject),
    });
  },

  /**
   * Passwordless: a passkey whose authenticator verified the user (PIN or biometrics) is two
   * factors in one (possession of the key, and what unlocks it), so it signs in at aal2 alone.
   * One without user verification is refused: it would be possession only.
   */
  passkeyLogin(ctx: Context, challengeId: string, response: unknown): Promise<Outcome<SessionTokens>> {
    const limits = [`ip:${ctx.ip}`];
    return mutateUntargeted(ctx, {
      prepare: () => ctx.auth.limiter.assertAllowed(limits),
      write: async (uow) => {
        const verified = await PasskeyService.verifyAuthentication(ctx, uow, challengeId, response, null);
        if (!verified?.userVerified) {
          await ctx.auth.limiter.recordFailure(limits);
          refuse(UserErrorCode.INVALID_SECOND_FACTOR, "The passkey did not verify; try again", ["input", "response"]);
        }
        const session = await startSession(uow.tx, ctx, verified.subject, ["hwk"]);
        if (typeof session === "string") {
          await ctx.auth.limiter.recordFailure(limits);
          refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, ["input", "response"]);
        }
        return session;
      },
      reply: tokensOf,
    });
  },

  /**
   * Step-up: the password again, and the second factor when one is enrolled. The session's
   * authentication time becomes now; the new access token carries it (and so do refreshed ones).
   */
  reauthenticate(ctx: Context, password: string, proof: SecondFactorProof): Promise<Outcome<SessionTokens>> {
    const p = ctx.principal;
    const subject = ownSubject(ctx);
    const limits = [`reauth:${subject ? `${subject.kind}:${subject.id}` : "none"}`, `ip:${ctx.ip}`];
    return mutateUntargeted(ctx, {
      prepare: async () => {
        if (!subject || p.kind === "anonymous" || !p.sessionId)
          throw forbidden("Only a signed-in login with a session can re-authenticate");
        const proven = await ctx.auth.limiter.check(limits, async () => {
          const [row] =
            subject.kind === RefreshSubjectKind.USER
              ? await ctx.db.query("SELECT password_hash AS hash FROM users WHERE id = ?", [subject.id])
              : await ctx.db.query("SELECT customer_password_hash AS hash FROM customers WHERE id = ?", [subject.id]);
          return !!row?.hash && (await verifyPassword(password, row.hash));
        });
        if (!proven) refuse(UserErrorCode.INVALID_CREDENTIALS, "The password is wrong", ["input", "password"]);
        return { subject, sessionId: p.sessionId };
      },
      write: async (uow, { subject, sessionId }) => {
        const methods = ["pwd"];
        if (await SecondFactors.enrolled(uow.tx, subject)) {
          const method = await SecondFactors.verify(ctx, uow, subject, proof);
          if (!method) refuse(UserErrorCode.INVALID_SECOND_FACTOR, "Confirm with your second factor too", ["input"]);
          methods.push(method);
        }
        await SessionService.reauthenticated(uow.tx, sessionId, methods);
        const issuedAtUs = await ctx.auth.tokens.now();
        const principal = await principalOfSubject(ctx, uow.tx, subject, sessionId, signedInNow(methods));
        if (typeof principal === "string") refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, ["input"]);
        const { token, expiresAt } = await ctx.auth.tokens.sign(principal, issuedAtUs);
        return { accessToken: token, refreshToken: "", expiresAt };
      },
      reply: ({ accessToken, expiresAt }) => ({ accessToken, expiresAt }),
    });
  },

  /** Client-credentials grant for reseller API clients (POST /oauth/token); refuses wrong credentials. */
  async clientLogin(ctx: Context, clientId: string, secret: string): Promise<Session> {
    const limits = [`client:${clientId}`, `ip:${ctx.ip}`];
    const release = await ctx.auth.limiter.begin(limits);
    let id: number;
    try {
      const [client] = await ctx.db.query("SELECT id, secret_hash FROM api_clients WHERE client_id = ? AND revoked_at IS NULL", [clientId]);
      const ok = client ? await verifyPassword(secret, client.secret_hash) : await verifyAgainstDecoy(secret);
      // Counted before the reservation ends, so a parallel attempt sees it.
      if (!ok || !client) {
        await ctx.auth.limiter.recordFailure(limits);
        refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_CLIENT);
      }
      id = client.id;
    } finally {
      await release();
    }
    const issuedAtUs = await ctx.auth.tokens.now();
    const principal = await principalOfSubject(ctx, ctx.db, { kind: RefreshSubjectKind.CLIENT, id }, null, signedInNow(["pwd"]));
    if (typeof principal === "string") refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_CLIENT);
    const { token, expiresAt } = await ctx.auth.tokens.sign(principal, issuedAtUs);
    return { accessToken: token, refreshToken: "", expiresAt, principal };
  },

  /**
   * Rotates a refresh token: the presented one is used up and a new one of the same session is
   * returned. A token presented after it was rotated means it leaked: its session is ended.
   */
  async refresh(ctx: Context, refreshToken: string): Promise<Outcome<SessionTokens>> {
    const leaked: { sessionId?: number } = {};
    const outcome = await mutateUntargeted(ctx, {
      write: async ({ tx }) => {
        delete leaked.sessionId;
        const issuedAtUs = await ctx.auth.tokens.now();
        // Locked: of two refreshes with the same token, the second waits for the first and finds it rotated.
        const [row] = await tx.query(
          "SELECT id, session_id, subject_kind, subject_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ? FOR UPDATE",
          [sha256(refreshToken)],
        );
        if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) {
          refuse(UserErrorCode.INVALID_REFRESH_TOKEN, "The refresh token is not valid; sign in again", REFRESH_TOKEN_FIELD);
        }
        const sessionId = Number(row.session_id);
        if (row.rotated_at) {
          leaked.sessionId = sessionId;
          refuse(UserErrorCode.REFRESH_TOKEN_REUSED, "This refresh token was used before; its session has been ended", REFRESH_TOKEN_FIELD);
        }
        await tx.query("UPDATE refresh_tokens SET rotated_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [row.id]);
        const subject = { kind: row.subject_kind, id: row.subject_id };
        // Refresh keeps how and when the session signed in.
        const principal = await principalOfSubject(ctx, tx, subject, sessionId, await SessionService.signInOf(tx, sessionId));
        if (principal === "gone") refuse(UserErrorCode.INVALID_CREDENTIALS, WRONG_LOGIN, REFRESH_TOKEN_FIELD);
        if (principal === "second-factor") refuse(UserErrorCode.SECOND_FACTOR_REQUIRED, CUSTOMER_LOGIN_NEEDS_FACTOR, REFRESH_TOKEN_FIELD);
        if (principal === "address") refuse(UserErrorCode.IP_NOT_ALLOWED, IP_REFUSED, REFRESH_TOKEN_FIELD);
        const next = await issueRefreshToken(tx, sessionId, subject);
        const { token, expiresAt } = await ctx.auth.tokens.sign(principal, issuedAtUs);
        return { accessToken: token, refreshToken: next, expiresAt };
      },
    });
    // The refusal rolled back and released the token's lock: the leaked session is ended in a unit of work of its own.
    const sessionId = leaked.sessionId;
    if (sessionId) {
      await unitOfWork({ db: ctx.db, outbox: ctx.outbox, principal: ctx.principal }, (uow) => SessionService.end(ctx, uow, [sessionId]));
    }
    return outcome;
  },

  /** Ends the session of the given refresh token, or else the caller's own session. */
  logout(ctx: Context, refreshToken?: string): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        if (refreshToken) {
          const [row] = await uow.tx.query("SELECT session_id FROM refresh_tokens WHERE token_hash = ?", [sha256(refreshToken)]);
          if (row) await SessionService.end(ctx, uow, [Number(row.session_id)]);
        } else if (ctx.principal.kind !== "anonymous" && ctx.principal.sessionId) {
          await SessionService.end(ctx, uow, [ctx.principal.sessionId]);
        }
        return { ok: true };
      },
    });
  },

  /**
   * Asks to change a user's login email: it changes once the link sent to the new address is
   * confirmed. A login is the person's own, not a customer's: its pending change is listed under no customer.
   */
  requestLoginEmail(ctx: Context, userId: number, email: string): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        await EmailChangeService.request(uow, ctx, {
          purpose: EmailVerificationPurpose.LOGIN_EMAIL,
          targetId: userId,
          customerId: null,
          newEmail: email,
        });
        return { ok: true };
      },
    });
  },

  /** Needs the current password; ends every other session of the user. */
  changePassword(ctx: Context, userId: number, current: string, next: string): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      // Both hashes run before the transaction: no pooled connection waits for them.
      prepare: async () => {
        const proven = await ctx.auth.limiter.check([`password-change:${userId}`], async () => {
          const [user] = await ctx.db.query("SELECT password_hash FROM users WHERE id = ?", [userId]);
          return !!user?.password_hash && (await verifyPassword(current, user.password_hash));
        });
        if (!proven) refuse(UserErrorCode.INVALID_CREDENTIALS, "The current password is wrong", ["input", "currentPassword"]);
        return AuthService.newPasswordHash(next);
      },
      write: async (uow, hash) => {
        await AuthService.setPassword(ctx, uow, userId, hash, ctx.principal.kind === "anonymous" ? null : ctx.principal.sessionId);
        await uow.emit("password-changed", { userId, how: "changed" });
        return { ok: true };
      },
    });
  },

  /** The hash of a new password, refused (as input.newPassword) when the password is weak; for a unit of work's prepare step. */
  async newPasswordHash(password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) refuse(UserErrorCode.WEAK_PASSWORD, `The password ${problem}`, NEW_PASSWORD_FIELD);
    return hashPassword(password);
  },

  /** Stores a new password's hash (from newPasswordHash) and ends every session of the user except `keepSession`. */
  async setPassword(ctx: Context, uow: UnitOfWork, userId: number, hash: string, keepSession: number | null): Promise<void> {
    await uow.tx.query("UPDATE users SET password_hash = ?, password_changed_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [hash, userId]);
    await SessionService.endAll(ctx, uow, { kind: RefreshSubjectKind.USER, id: userId }, keepSession);
  },
};
