import { createHmac } from "node:crypto";
import type { RedisClient } from "./redis";
import { Refusal, UserErrorCode } from "./user-error";

export interface RateLimitOptions {
  /** Failures allowed before any wait, by key name. */
  freeAttempts: (name: string) => number;
  /** The longest wait; the wait doubles per failure until it reaches this. */
  maxWaitSeconds: number;
  /** Failures are forgotten this long after the last one. */
  windowSeconds: number;
}

// Per login 5; per address 20, because an office behind one NAT address shares it.
const DEFAULTS: RateLimitOptions = { freeAttempts: (name) => (name.startsWith("ip:") ? 20 : 5), maxWaitSeconds: 900, windowSeconds: 3600 };

/** A refusal the caller acts on by waiting: a userError of mutations, 429 with Retry-After on HTTP routes. */
const rateLimited = (message: string, retryAfter: number) =>
  new Refusal({ code: UserErrorCode.RATE_LIMITED, message, field: [], retryAfter });

/** The seconds to wait when this error is a rate limit's refusal. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof Refusal ? error.userErrors.find((e) => e.code === UserErrorCode.RATE_LIMITED)?.retryAfter : undefined;
}

/**
 * Counts failures per key in Redis (shared by every API process). After `freeAttempts`
 * failures each further one makes the caller wait 1, 2, 4, 8 … seconds.
 */
export class RateLimiter {
  private readonly options: RateLimitOptions;

  /**
   * `keyMac` is the HMAC key that names are hashed with: a key name holds a login's email address,
   * a customer number or a client address, none of which may stand in Redis in clear.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly keyMac: Buffer,
    options: Partial<RateLimitOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  private key(name: string): string {
    return `${this.prefix}:ratelimit:${createHmac("sha256", this.keyMac).update(name).digest("base64url")}`;
  }

  /** Throws RATE_LIMITED with the seconds to wait when any of the keys is blocked. */
  async assertAllowed(names: string[]): Promise<void> {
    const now = Date.now();
    const untils = await Promise.all(names.map((name) => this.redis.hget(this.key(name), "until")));
    const until = Math.max(0, ...untils.map((u) => Number(u ?? 0)));
    if (until > now) {
      const retryAfter = Math.ceil((until - now) / 1000);
      throw rateLimited(`Too many failed attempts; try again in ${retryAfter} seconds`, retryAfter);
    }
  }

  /**
   * assertAllowed for a check that takes time (a password hash): it also reserves the attempt, so
   * that attempts sent in parallel cannot all pass before the first failure is counted. Only as
   * many may run at once as failures are left before the wait begins (at least one). Call the
   * returned function when the check is done.
   */
  async begin(names: string[]): Promise<() => Promise<void>> {
    await this.assertAllowed(names);
    const reserved: string[] = [];
    const release = async () => {
      await Promise.all(reserved.map((key) => this.redis.decr(key)));
    };
    for (const name of names) {
      const key = `${this.key(name)}:inflight`;
      const [[, inflight], , [, fails]] = (await this.redis.multi().incr(key).expire(key, 60).hget(this.key(name), "fails").exec()) as [
        [null, number],
        unknown,
        [null, string | null],
      ];
      reserved.push(key);
      if (inflight > Math.max(1, this.options.freeAttempts(name) - Number(fails ?? 0))) {
        await release();
        throw rateLimited("Too many attempts at once; try again in 1 second", 1);
      }
    }
    return release;
  }

  /**
   * A slow check (a password hash) under begin's reservation: false counts as a failure before the
   * reservation ends, so guesses sent in parallel get no more tries than guesses sent one by one.
   */
  async check(names: string[], verify: () => Promise<boolean>): Promise<boolean> {
    const release = await this.begin(names);
    try {
      const ok = await verify();
      if (!ok) await this.recordFailure(names);
      return ok;
    } finally {
      await release();
    }
  }

  async recordFailure(names: string[]): Promise<void> {
    const { freeAttempts, maxWaitSeconds, windowSeconds } = this.options;
    for (const name of names) {
      const key = this.key(name);
      const [[, fails]] = (await this.redis.multi().hincrby(key, "fails", 1).expire(key, windowSeconds).exec()) as [
        [null, number],
        unknown,
      ];
      const free = freeAttempts(name);
      if (fails >= free) {
        const waitSeconds = Math.min(2 ** (fails - free), maxWaitSeconds);
        await this.redis.hset(key, "until", String(Date.now() + waitSeconds * 1000));
      }
    }
  }

  async reset(name: string): Promise<void> {
    await this.redis.del(this.key(name));
  }
}
