import { createHash, createHmac, randomBytes } from "node:crypto";
import type { LinkTokenKeys } from "../config";
import { createVerifier, TokenError } from "fast-jwt";
import { decodeProtectedHeader, JWTPayload, SignJWT } from "jose";
import { Config } from "../config";
import { Principal } from "../platform/context";
import { Authentication } from "../platform/principal";
import { ErrorCode, KontoError } from "../platform/errors";
import { CustomerRole, StaffRole } from "../users/user.enums";
import { JWT_ALGORITHM, KeyStore } from "./keys";

/** Claims Konto puts in access tokens besides the registered ones. */
interface KontoClaims extends JWTPayload {
  knd: "customer" | "reseller" | "staff";
  name: string;
  /** customer id → role, for customer principals */
  mem?: Record<string, CustomerRole>;
  rsl?: number;
  cli?: number;
  srl?: StaffRole;
  /** The session the token belongs to. */
  sid?: number;
  /** When it was signed, in microseconds of the Redis clock: compared with revocations (revocations.ts). */
  ius?: number;
  /** How the session authenticated (RFC 8176 methods), its level and when (OpenID Connect's claims). */
  amr?: string[];
  acr?: "aal1" | "aal2";
  auth_time?: number;
  /** A second factor is required and none is enrolled: the token allows enrolment only. */
  enr?: boolean;
}

/** A verified access token: its principal, subject and when it was issued. */
export interface VerifiedToken {
  principal: AuthenticatedPrincipal;
  subject: string;
  issuedAtUs: number;
}

export type AuthenticatedPrincipal = Exclude<Principal, { kind: "anonymous" }>;

export const sha256 = (value: string): Buffer => createHash("sha256").update(value).digest();
/** 32 bytes from the CSPRNG, URL-safe. */
export const randomToken = (): string => randomBytes(32).toString("base64url");

/**
 * A link token derived from a per-link secret (stored) and a key from configuration (not stored):
 * the worker that sends the link can make the same token on every retry, so the link in an email
 * that may already have arrived keeps working, while the database alone yields no token. Only the
 * token's SHA-256 is looked up. Each link records its key id, so keys can be rotated.
 */
export function linkToken(keys: LinkTokenKeys, seed: Buffer, keyId: string): string | null {
  const key = keys.all.get(keyId);
  return key ? createHmac("sha256", key).update(seed).digest("base64url") : null;
}

/** A new link's secret, the key it is derived with, the hash to store, and the token for the link (never stored). */
export function newLinkSecret(keys: LinkTokenKeys): { seed: Buffer; keyId: string; hash: Buffer; token: string } {
  const seed = randomBytes(32);
  const token = linkToken(keys, seed, keys.currentId)!;
  return { seed, keyId: keys.currentId, hash: sha256(token), token };
}

export function subjectOf(principal: AuthenticatedPrincipal): string {
  switch (principal.kind) {
    case "customer":
      return principal.userId !== null ? `user:${principal.userId}` : `customer:${[...principal.roles.keys()][0]}`;
    case "reseller":
      return principal.clientId !== null ? `client:${principal.clientId}` : `user:${principal.userId}`;
    case "staff":
      return `user:${principal.userId}`;
  }
}

/** Verified tokens each verifier remembers: about 10 MB at most. */
const VERIFIED_TOKENS_KEPT = 10_000;

const unauthenticated = (message: string) => new KontoError(ErrorCode.UNAUTHENTICATED, message, { http: { status: 401 } });

/** Signs and verifies access tokens: ES256 only, issuer and audience pinned, key chosen by kid. */
export class AccessTokens {
  constructor(
    private readonly keys: KeyStore,
    private readonly config: Config["jwt"],
    /** Microseconds now, from the clock revocations are stamped with (Redis; this host's clock for tools and tests). */
    private readonly clock: () => Promise<number> = async () => Date.now() * 1000,
  ) {}

  /** Microseconds now on the revocation clock: take it before reading what a token will carry. */
  now(): Promise<number> {
    return this.clock();
  }

  get ttlSeconds(): number {
    return Math.floor(this.config.accessTokenTtlMs / 1000);
  }

  /**
   * `issuedAtUs` is when the principal's roles were read (see `now`): a revocation recorded after
   * that must refuse the token even if it is signed later.
   */
  async sign(principal: AuthenticatedPrincipal, issuedAtUs?: number): Promise<{ token: string; expiresAt: Date }> {
    const claims: KontoClaims = { knd: principal.kind, name: principal.label, ius: issuedAtUs ?? (await this.clock()) };
    if (principal.sessionId) claims.sid = principal.sessionId;
    const auth = principal.auth ?? { methods: ["pwd"], level: "aal1", time: Math.floor(Date.now() / 1000) };
    claims.amr = auth.methods;
    claims.acr = auth.level;
    claims.auth_time = auth.time;
    if (auth.enrolOnly) claims.enr = true;
    if (principal.kind === "customer") claims.mem = Object.fromEntries([...principal.roles].map(([id, role]) => [String(id), role]));
    if (principal.kind === "reseller") {
      claims.rsl = principal.resellerId;
      if (principal.clientId !== null) claims.cli = principal.clientId;
    }
    if (principal.kind === "staff") claims.srl = principal.role;
    const expiresAt = new Date(Date.now() + this.config.accessTokenTtlMs);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: JWT_ALGORITHM, kid: this.keys.signingKid, typ: "JWT" })
      .setSubject(subjectOf(principal))
      .setIssuer(this.config.issuer)
      .setAudience(this.config.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.keys.signingKey);
    return { token, expiresAt };
  }

  /** A short-lived link token for one resource, e.g. an invoice PDF; its audience is the purpose. */
  async signLink(purpose: string, subject: string, ttlSeconds: number): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: JWT_ALGORITHM, kid: this.keys.signingKid, typ: "JWT" })
      .setSubject(subject)
      .setIssuer(this.config.issuer)
      .setAudience(`${this.config.audience}:${purpose}`)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.keys.signingKey);
  }

  /**
   * A token for another party than Konto's API (a product's control panel), verified by that
   * party with the published JWKS: its own audience and `typ`, so it is never taken for an access
   * token nor one kind of panel token for the other.
   */
  async signForAudience(
    audience: string,
    typ: string,
    subject: string,
    claims: JWTPayload,
    ttlSeconds: number,
  ): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: JWT_ALGORITHM, kid: this.keys.signingKid, typ })
      .setSubject(subject)
      .setIssuer(this.config.issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.keys.signingKey);
    return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
  }

  /** The claims of a token made by signForAudience for one of these audiences and this `typ`; null for anything else, expired included. */
  async verifyForAudience(token: string, audiences: string[], typ: string): Promise<JWTPayload | null> {
    try {
      return this.claimsOf<JWTPayload>(token, { audience: audiences, typ, requiredClaims: ["sub", "exp", "iat"] });
    } catch {
      return null;
    }
  }

  /** Whether a link token is valid for this purpose and subject. */
  async verifyLink(token: string, purpose: string, subject: string): Promise<boolean> {
    try {
      return this.claimsOf<JWTPayload>(token, { audience: `${this.config.audience}:${purpose}` }).sub === subject;
    } catch {
      return false;
    }
  }

  // Tokens are verified with fast-jwt, which checks the ES256 signature with node:crypto on the
  // event loop. jose verifies through WebCrypto, which Node runs on libuv's thread pool: there every
  // request's token check queued behind the password hashes of a login storm (README, "Login
  // storm"). jose still signs and serves the keys. One verifier per key and set of checks, made
  // once (its key is parsed once); the checks come from code and configuration, so they are few.
  // Each remembers the tokens it verified (by their SHA-256, until they expire): an ES256 check
  // costs about 70 µs of the event loop, a remembered one 3 µs. That is safe because nothing else
  // ends a token early: revocations are checked on every request (revocations.ts), and a key
  // leaves the key set only with a restart.
  private readonly verifiers = new Map<string, (token: string) => unknown>();

  /**
   * The claims of a token signed by a key of the key set (by its kid) with ES256, of Konto's
   * issuer, for this audience (and `typ`); throws fast-jwt's TokenError (or jose's decoding error)
   * for anything else.
   */
  private claimsOf<T>(token: string, checks: { audience: string | string[]; typ?: string; requiredClaims?: string[] }): T {
    const { kid } = decodeProtectedHeader(token);
    const pem = this.keys.verificationPem(kid);
    if (!pem) throw new TokenError(TokenError.codes.invalidKey, "No key of the key set signed this token.");
    const name = JSON.stringify([kid, checks]);
    let verify = this.verifiers.get(name);
    if (!verify) {
      verify = createVerifier({
        key: pem,
        algorithms: [JWT_ALGORITHM],
        allowedIss: this.config.issuer,
        allowedAud: checks.audience,
        checkTyp: checks.typ,
        // jose refused tokens without iss or aud; fast-jwt checks them only when present.
        requiredClaims: ["iss", "aud", ...(checks.requiredClaims ?? [])],
        cache: VERIFIED_TOKENS_KEPT,
      });
      this.verifiers.set(name, verify);
    }
    return verify(token) as T;
  }

  /** The principal of a bearer token; UNAUTHENTICATED for anything that does not verify. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: KontoClaims;
    try {
      payload = this.claimsOf<KontoClaims>(token, { audience: this.config.audience, requiredClaims: ["sub", "exp"] });
    } catch (error) {
      const expired = error instanceof TokenError && error.code === TokenError.codes.expired;
      throw unauthenticated(expired ? "The access token has expired" : "The access token is not valid");
    }
    const principal = Object.freeze(principalFromClaims(payload));
    return { principal, subject: payload.sub!, issuedAtUs: payload.ius ?? (payload.iat ?? 0) * 1_000_000 };
  }
}

function principalFromClaims(claims: KontoClaims): AuthenticatedPrincipal {
  const [kind, rawId] = (claims.sub ?? "").split(":");
  const id = Number(rawId);
  const sessionId = typeof claims.sid === "number" ? claims.sid : null;
  const auth: Authentication = {
    methods: Array.isArray(claims.amr) ? claims.amr : ["pwd"],
    level: claims.acr === "aal2" ? "aal2" : "aal1",
    time: typeof claims.auth_time === "number" ? claims.auth_time : (claims.iat ?? 0),
    ...(claims.enr ? { enrolOnly: true } : {}),
  };
  if (claims.knd === "customer" && claims.mem) {
    const roles = new Map(Object.entries(claims.mem).map(([customerId, role]) => [Number(customerId), role]));
    return { kind: "customer", userId: kind === "user" ? id : null, roles, label: claims.name, sessionId, auth };
  }
  if (claims.knd === "reseller" && typeof claims.rsl === "number") {
    return {
      kind: "reseller",
      resellerId: claims.rsl,
      userId: kind === "user" ? id : null,
      clientId: kind === "client" ? id : null,
      label: claims.name,
      sessionId,
      auth,
    };
  }
  if (claims.knd === "staff" && claims.srl && kind === "user") {
    return { kind: "staff", userId: id, role: claims.srl, label: claims.name, sessionId, auth };
  }
  throw unauthenticated("The access token is not valid");
}
