// The login storm's floor: bare scrypt verifications of one stored Konto password hash (its N, r,
// p, salt and key length), `SCRYPT_CONCURRENCY` at a time like the storm's clients, for
// `SCRYPT_WARMUP_MS` and then `SCRYPT_DURATION_MS`. No HTTP, no database, no tokens: the rate of
// hashing alone, on the thread pool the parent sizes like Konto's (UV_THREADPOOL_SIZE in the
// environment). Started by login-storm.ts as a child; prints one JSON line with the rate.

import { scrypt, timingSafeEqual } from "node:crypto";

const stored = process.env.SCRYPT_HASH ?? "";
const password = process.env.SCRYPT_PASSWORD ?? "";
const concurrency = Number(process.env.SCRYPT_CONCURRENCY ?? 20);
const warmupMs = Number(process.env.SCRYPT_WARMUP_MS ?? 0);
const durationMs = Number(process.env.SCRYPT_DURATION_MS ?? 10_000);

const [scheme, n, r, p, salt, hash] = stored.split("$");
if (scheme !== "scrypt" || !hash) throw new Error("SCRYPT_HASH is not a Konto scrypt hash");
const N = Number(n);
const R = Number(r);
const P = Number(p);
const saltBytes = Buffer.from(salt, "base64");
const expected = Buffer.from(hash, "base64");

/** One verification as src/access/passwords.ts does it: NFKC, the hash's own parameters, a constant-time compare. */
function verify(): Promise<boolean> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), saltBytes, expected.length, { N, r: R, p: P, maxmem: 256 * N * R }, (err, key) =>
      err ? reject(err) : resolve(timingSafeEqual(key, expected)),
    ),
  );
}

/**
 * Verifications per second that completed in the `durationMs` after a warm-up of `warmupMs`, in
 * one run without a pause (like loadSteady in load.ts): the pool is busy when counting starts.
 */
async function run(): Promise<{ verified: number; seconds: number }> {
  const from = performance.now() + warmupMs;
  const until = from + durationMs;
  let verified = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        if (!(await verify())) throw new Error("the password does not verify against SCRYPT_HASH");
        const now = performance.now();
        if (now > from && now <= until) verified++;
      }
    }),
  );
  return { verified, seconds: durationMs / 1000 };
}

async function main() {
  const { verified, seconds } = await run();
  console.log(
    JSON.stringify({
      msg: "scrypt floor",
      verified,
      seconds,
      perSecond: verified / seconds,
      threadPool: Number(process.env.UV_THREADPOOL_SIZE),
      cost: { N, r: R, p: P },
    }),
  );
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
