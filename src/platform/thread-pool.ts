// Sizes libuv's thread pool before anything uses it: imported first by every entry point
// (src/main.ts, workers/index.ts). libuv reads UV_THREADPOOL_SIZE once, when the first task
// (a scrypt, a file read, a DNS lookup) starts the pool, so setting it here, before any import
// can queue work, is early enough; setting it later does nothing.
//
// Why: password hashing (scrypt, src/access/passwords.ts) runs on this pool, and libuv's default
// of 4 threads would use at most 4 cores for logins however many the machine has. One thread per
// core lets a login storm use every core; at least 4 so that a small machine keeps libuv's
// default, and a scrypt in flight does not hold up the few file reads and lookups behind it for
// long. Each hash in flight holds 32 MiB with the default cost (OWASP's N=2^15, r=8, p=3).
// An operator's own UV_THREADPOOL_SIZE wins.

import os from "node:os";

/** The pool size Konto uses with this environment: the operator's UV_THREADPOOL_SIZE, or max(4, cores). */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.UV_THREADPOOL_SIZE);
  if (Number.isInteger(given) && given > 0) return Math.min(given, 1024);
  return Math.max(4, os.availableParallelism());
}

process.env.UV_THREADPOOL_SIZE = String(threadPoolSize());
