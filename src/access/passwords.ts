import { randomBytes, scrypt as scryptCallback, ScryptOptions, timingSafeEqual } from "node:crypto";
import os from "node:os";
import { COMMON_PASSWORDS } from "./common-passwords";

// scrypt from node:crypto (OpenSSL), which runs on libuv's thread pool, off the event loop; a
// 16-byte random salt and a 32-byte key. Stored as "scrypt$N$r$p$salt$hash" (base64): a hash
// verifies with the parameters it was made with, and is made again with the configured ones at
// the next successful login (needsRehash).

/** scrypt's cost: N (CPU and memory), r (block size), p (parallelism). */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * The production default, one of the settings OWASP's Password Storage Cheat Sheet lists as its
 * minimum (N=2^17 r=8 p=1, N=2^16 r=8 p=2, N=2^15 r=8 p=3, all the same work): this one needs
 * 32 MiB per hash instead of 128 MiB, so four hashes at once (libuv's pool) stay at 128 MiB.
 */
export const OWASP_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 3 };

/** Whether a cost is at least OWASP's minimum (one of its settings or more work). */
export const meetsOwaspMinimum = ({ N, r, p }: ScryptCost): boolean => N >= 2 ** 15 && r >= 8 && N * p >= 3 * 2 ** 15;

/** Set once at start from PASSWORD_HASH_COST (configurePasswordHashing); OWASP's minimum until then. */
let cost: ScryptCost = OWASP_SCRYPT_COST;
/** A hash of a password nobody has, made with the configured cost (verifyAgainstDecoy). */
let decoy: Promise<string> | undefined;

export function configurePasswordHashing(configured: ScryptCost): void {
  cost = configured;
  decoy = undefined;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

/**
 * Hashes running at once in this process: one per core. scrypt is CPU-bound, so more at once
 * finish no sooner; they only crowd out the event loop. With libuv's 4 threads all hashing on 2
 * cores, a login storm left signed-in users' requests a fifth of the CPU (README, "Login storm").
 */
const HASHES_AT_ONCE = os.availableParallelism();
let hashesRunning = 0;
const waitingForHash: (() => void)[] = [];

async function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  if (hashesRunning < HASHES_AT_ONCE) hashesRunning++;
  else await new Promise<void>((resolve) => waitingForHash.push(resolve));
  try {
    // 128 * N * r bytes are needed; OpenSSL's default cap (32 MiB) is exactly that, so lift it.
    const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r };
    // p > 1 runs its blocks one after another: the memory stays 128 * N * r.
    return await new Promise((resolve, reject) =>
      scryptCallback(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    // The slot passes to the next waiting hash, if any.
    const next = waitingForHash.shift();
    if (next) next();
    else hashesRunning--;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const { N, r, p } = cost;
  const key = await scrypt(password, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Whether a stored hash was made with other parameters than the configured ones. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(n) !== cost.N || Number(r) !== cost.r || Number(p) !== cost.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  // A hash made with less work than the configured cost is padded to it, right password or not:
  // otherwise a login with an old hash would answer faster than an unknown one (the decoy).
  const missing = cost.N * cost.r * cost.p - Number(n) * Number(r) * Number(p);
  if (missing > 0) await scrypt(password, PADDING_SALT, cost.N, cost.r, Math.ceil(missing / (cost.N * cost.r)));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const PADDING_SALT = Buffer.from("konto: padding to the configured cost");

/** Checks against the decoy, so that an unknown account costs as much time as a known one. */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(24).toString("base64"));
  await verifyPassword(password, await decoy);
  return false;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded) || /^(.)\1+$/.test(folded)) return "is too common; choose one that is not on lists of leaked passwords";
  return null;
}
