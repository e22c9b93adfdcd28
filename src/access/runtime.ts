import { Redis } from "ioredis";
import { Config } from "../config";
import { Logger } from "../platform/logger";
import { RateLimiter } from "../platform/rate-limit";
import { KeyStore } from "./keys";
import { AccessTokens } from "./tokens";

/** What authentication needs at run time, made once per process. */
export interface AuthRuntime {
  keys: KeyStore;
  tokens: AccessTokens;
  /** Failed logins, PIN and phone-password checks. */
  limiter: RateLimiter;
}

export async function createAuthRuntime(config: Config, redis: Redis, log: Logger): Promise<AuthRuntime> {
  const keys = await KeyStore.load(config, log);
  return {
    keys,
    tokens: new AccessTokens(keys, config.jwt),
    limiter: new RateLimiter(redis, config.queuePrefix),
  };
}

declare module "../platform/context" {
  interface ContextServices {
    /** Access tokens and the rate limiter of failed logins, PIN and phone-password checks. */
    auth: AuthRuntime;
  }
}
