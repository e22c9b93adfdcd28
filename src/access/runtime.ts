import { hkdfSync } from "node:crypto";
import type { RedisClient } from "../platform/redis";
import { Config } from "../config";
import { Logger } from "../platform/logger";
import { RateLimiter } from "../platform/rate-limit";
import { KeyStore } from "./keys";
import { Revocations } from "./revocations";
import { AccessTokens } from "./tokens";

/** What authentication needs at run time, made once per process. */
export interface AuthRuntime {
  keys: KeyStore;
  tokens: AccessTokens;
  /** Failed logins, PIN and phone-password checks. */
  limiter: RateLimiter;
  /** Ended sessions and revoked tokens, checked on every request. */
  revocations: Revocations;
}

/**
 * The key that rate-limit key names are HMACed with, derived (HKDF) from the current link key of
 * LINK_TOKEN_KEYS, which production requires already: no further secret to manage, and a
 * rotation of that key only forgets the counted failures (they last an hour at most).
 */
export function rateLimitKeyMac(config: Config): Buffer {
  const linkKey = config.linkTokenKeys.all.get(config.linkTokenKeys.currentId)!;
  return Buffer.from(hkdfSync("sha256", linkKey, Buffer.alloc(0), "konto rate-limit keys", 32));
}

export async function createAuthRuntime(config: Config, redis: RedisClient, log: Logger): Promise<AuthRuntime> {
  const keys = await KeyStore.load(config, log);
  if (!config.revocationCheck) log.warn("REVOCATION_CHECK is off: logged-out and removed users keep access until their tokens expire");
  const revocations = new Revocations(
    redis,
    config.queuePrefix,
    config.jwt.accessTokenTtlMs,
    config.revocationOutageGraceMs,
    log,
    config.revocationCheck,
  );
  revocations.start();
  return {
    keys,
    tokens: new AccessTokens(keys, config.jwt, () => revocations.now()),
    limiter: new RateLimiter(redis, config.queuePrefix, rateLimitKeyMac(config)),
    revocations,
  };
}

declare module "../platform/context" {
  interface ContextServices {
    /** Access tokens and the rate limiter of failed logins, PIN and phone-password checks. */
    auth: AuthRuntime;
  }
}
