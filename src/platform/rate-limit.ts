import { Redis } from "ioredis";
import { ErrorCode, KontoError } from "./errors";

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

/**
 * Counts failures per key in Redis (shared by every API process). After `freeAttempts`
 * failures each further one makes the caller wait 1, 2, 4, 8 … seconds.
 */
export class RateLimiter {
  private readonly options: RateLimitOptions;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: Partial<RateLimitOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  private key(name: string): string {
    return `${this.prefix}:ratelimit:${name}`;
  }

  /** Throws RATE_LIMITED with the seconds to wait when any of the keys is blocked. */
  async assertAllowed(names: string[]): Promise<void> {
    const now = Date.now();
    const untils = await Promise.all(names.map((name) => this.redis.hget(this.key(name), "until")));
    const until = Math.max(0, ...untils.map((u) => Number(u ?? 0)));
    if (until > now) {
      const retryAfter = Math.ceil((until - now) / 1000);
      throw new KontoError(ErrorCode.RATE_LIMITED, `Too many failed attempts; try again in ${retryAfter} seconds`, { retryAfter });
    }
  }

  async recordFailure(names: string[]): Promise<void> {
    const { freeAttempts, maxWaitSeconds, windowSeconds } = this.options;
    for (const name of names) {
      const key = this.key(name);
      const [[, fails]] = (await this.redis.multi().hincrby(key, "fails", 1).expire(key, windowSeconds).exec()) as [[null, number], unknown];
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
