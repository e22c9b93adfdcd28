import { createHash } from "node:crypto";
import type { RedisClient } from "../platform/redis";

/** The id of a document: the SHA-256 of its text in hex, as automatic persisted queries and persisted-query manifests name it. */
export const documentId = (body: string): string => createHash("sha256").update(body).digest("hex");

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What Apollo's `persistedQueries.cache` needs (its KeyValueCache<string>). */
export interface PersistedQueryCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/** How long a document an APQ client sent stays known without being asked for. */
const APQ_TTL_SECONDS = 24 * 3600;

/**
 * Registered GraphQL documents (trusted documents) in Redis, shared by every API process: a hash
 * of id → text. Automatic persisted queries use the same store: a lookup by hash finds a
 * registered document first, then one an APQ client sent earlier (kept a day, by any process).
 * Only registered documents count as trusted; an APQ entry never does.
 *
 * Registrations are never taken back, so a process remembers the ids it found registered and
 * asks Redis only for ids it has not seen yet.
 */
export class TrustedDocumentStore {
  private readonly known = new Set<string>();
  private readonly registeredKey: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.registeredKey = `${prefix}:trusted-documents`;
  }

  private apqKey(id: string): string {
    return `${this.prefix}:apq:${id}`;
  }

  /** Registers documents by their SHA-256; returns how many were new. */
  async register(bodies: string[]): Promise<number> {
    if (!bodies.length) return 0;
    const pipeline = this.redis.pipeline();
    for (const body of bodies) pipeline.hsetnx(this.registeredKey, documentId(body), body);
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    return results.filter(([, added]) => added === 1).length;
  }

  /** Whether a document with this id is registered. */
  async isRegistered(id: string | undefined): Promise<boolean> {
    if (!id || !SHA256_HEX.test(id)) return false;
    if (this.known.has(id)) return true;
    const registered = (await this.redis.hexists(this.registeredKey, id)) === 1;
    // Bounded: at most the ids of registered documents, and a portal has a few hundred.
    if (registered && this.known.size < 100_000) this.known.add(id);
    return registered;
  }

  /** The registered documents' count (for the staff's overview). */
  count(): Promise<number> {
    return this.redis.hlen(this.registeredKey);
  }

  /** Apollo's APQ cache on this store. Apollo names its keys `apq:<sha256>`. */
  persistedQueryCache(): PersistedQueryCache {
    const idOf = (key: string) => key.slice(key.lastIndexOf(":") + 1);
    return {
      get: async (key) => {
        const id = idOf(key);
        if (!SHA256_HEX.test(id)) return undefined;
        const [[, registered], [, sent]] = (await this.redis.multi().hget(this.registeredKey, id).get(this.apqKey(id)).exec()) as [
          [null, string | null],
          [null, string | null],
        ];
        return registered ?? sent ?? undefined;
      },
      set: async (key, value) => {
        const id = idOf(key);
        if (SHA256_HEX.test(id)) await this.redis.set(this.apqKey(id), value, "EX", APQ_TTL_SECONDS);
      },
      delete: async (key) => (await this.redis.del(this.apqKey(idOf(key)))) > 0,
    };
  }
}
