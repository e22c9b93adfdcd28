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
//
// The pool's threads also run at idle priority (SCHED_IDLE, or nice 19 where `chrt` is missing):
// a woken thread of normal priority, such as the event loop, preempts a hash at once. With the
// normal priority, a wake-up of the event loop could wait out a hashing thread's time slice, and
// logins at half the limit doubled the Dashboard's p99 (README, "Logins beside signed-in traffic").
// Hashing still gets every core nobody else wants, so a login storm runs at full speed.

import { execFile } from "node:child_process";
import { randomFill } from "node:crypto";
import { readdirSync } from "node:fs";
import os from "node:os";

/** The pool size Konto uses with this environment: the operator's UV_THREADPOOL_SIZE, or max(4, cores). */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.UV_THREADPOOL_SIZE);
  if (Number.isInteger(given) && given > 0) return Math.min(given, 1024);
  return Math.max(4, os.availableParallelism());
}

process.env.UV_THREADPOOL_SIZE = String(threadPoolSize());

export type PoolPriority = "idle" | "nice 19" | "unchanged";

/** This process's threads (Linux), or null where they cannot be listed. */
function threadIds(): Set<string> | null {
  try {
    return new Set(readdirSync("/proc/self/task"));
  } catch {
    return null;
  }
}

/** SCHED_IDLE for one thread through util-linux's `chrt` (Node has no call for it); nice 19 without it. */
function lowerPriority(tid: number): Promise<Exclude<PoolPriority, "unchanged">> {
  return new Promise((resolve, reject) =>
    execFile("chrt", ["--idle", "--pid", "0", String(tid)], (error) => {
      if (!error) return resolve("idle");
      try {
        os.setPriority(tid, 19);
        resolve("nice 19");
      } catch (niceError) {
        reject(niceError);
      }
    }),
  );
}

/**
 * The pool's threads at idle priority, once they are. The pool starts here, with a task of its own:
 * libuv starts all its threads at once, so the threads this process gained meanwhile are the
 * pool's. "unchanged" where the threads cannot be told apart (no /proc, or the pool had started).
 */
export const poolPriority: Promise<PoolPriority> = (() => {
  const before = threadIds();
  return new Promise<PoolPriority>((resolve) =>
    randomFill(Buffer.alloc(1), () => {
      const after = threadIds();
      const pool = before && after ? [...after].filter((tid) => !before.has(tid)) : [];
      if (pool.length !== Number(process.env.UV_THREADPOOL_SIZE)) return resolve("unchanged");
      Promise.all(pool.map((tid) => lowerPriority(Number(tid)))).then(
        (levels) => resolve(levels.includes("nice 19") ? "nice 19" : "idle"),
        () => resolve("unchanged"),
      );
    }),
  );
})();
