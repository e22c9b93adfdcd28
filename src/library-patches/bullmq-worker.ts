// Patches: nothing is changed, but BullMQ's Worker is reached through its protected field
// `lockManager` (its LockManager, with `close()`). Written against bullmq 6.7.0 (package.json).
// Why: `Worker.close()` stops the lock renewal only after the jobs in flight have finished. A job
// stuck on a connection that will never answer (the master of its slot killed on a Redis
// Cluster) never finishes; the worker's connections are then dropped (closeWorker,
// workers/index.ts), but the renewal timer re-arms itself every `lockRenewTime` and keeps the
// process from ever exiting. The job itself is run again elsewhere once its lock expires.
// Contract test: test/library-patches.test.ts, "bullmq-worker: …".

import type { Worker } from "bullmq";

type WorkerInternals = { lockManager?: { close(): Promise<void> } };

/** Stops the lock renewal of a worker whose close is stuck behind a job that will not finish. */
export async function stopLockRenewal(worker: Worker): Promise<void> {
  await (worker as unknown as WorkerInternals).lockManager?.close();
}
