// First: libuv's thread pool is sized before anything can start it (src/platform/thread-pool.ts).
import "../src/platform/thread-pool";
import { stopTracing } from "../src/tracing";
import "reflect-metadata";
import { Processor, Worker } from "bullmq";
import { stopLockRenewal } from "../src/library-patches/bullmq-worker";
import { DataSource } from "typeorm";
import { Config } from "../src/config";
import { DeliveryLedger } from "../src/notifications/deliveries";
import { Mailer } from "../src/notifications/mailer";
import { createMailTransport } from "../src/notifications/transport";
import { OutboxRelay } from "../src/notifications/outbox";
import { NotificationDeps, outboxProcessor, recordJobFailure } from "../src/notifications/processor";
import { TOPIC_QUEUES } from "../src/notifications/topics";
import { connect, createDataSource } from "../src/database";
import { createLogger, Logger } from "../src/platform/logger";
import { closeQueues, createQueues, QUEUE_NAMES, QueueName, Queues } from "../src/platform/queues";
import { Metrics } from "../src/platform/metrics";
import { exitOnFailure, exitOnSignals, loadConfigOrExit } from "../src/platform/process";
import { closeRedis, createRedis, duplicateRedis, RedisClient } from "../src/platform/redis";
import { housekeepingProcessor, scheduleHousekeeping } from "./housekeeping.processor";
import { allHandlers } from "./handlers";
import { onAuditedChange } from "../src/unit-of-work/unit-of-work";
import { raiseWebhookEvent } from "../src/webhooks/webhook-events";

export interface WorkerDeps {
  config: Config;
  db: DataSource;
  redis: RedisClient;
  queues: Queues;
  relay: OutboxRelay;
  log: Logger;
  metrics: Metrics;
}

export interface RunningWorkers {
  workers: Worker[];
  /** Waits for active jobs to finish, then closes the workers and the SMTP pool. */
  close(): Promise<void>;
}

/** Starts one BullMQ worker per queue of the topic registry, and housekeeping. Used in-process by `npm start` and alone by `npm run workers`. */
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  // Work done by workers is audited too, and may raise webhook events.
  onAuditedChange(raiseWebhookEvent);
  const mailer = new Mailer(createMailTransport(deps.config, deps.db), deps.config.mailFrom);
  const ledger = new DeliveryLedger(deps.db, mailer, deps.log, deps.config.deliveryLeaseMs, deps.config.smtpPoolSize, deps.metrics);
  const notificationDeps: NotificationDeps = { db: deps.db, config: deps.config, ledger, relay: deps.relay, log: deps.log };
  const processOutbox = outboxProcessor(notificationDeps, allHandlers(notificationDeps));
  // A killed worker's job is taken over once its lock ran out and the stall check saw it (within
  // lock + stalled interval); handlers are idempotent, so a job may stall more than once.
  const options = {
    connection: deps.redis,
    prefix: deps.config.queuePrefix,
    lockDuration: deps.config.workerLockMs,
    stalledInterval: Math.min(deps.config.workerLockMs, 5000),
    maxStalledCount: 10,
  };
  const concurrency: Record<QueueName, number> = {
    mail: 10,
    "invoice-email": 4,
    // One batch at a time: issuing takes the invoice number's lock, so parallel batches would only wait on each other.
    "invoice-run": 1,
    maintenance: deps.config.noticeConcurrency,
    // An export holds a customer's invoice PDFs in memory while it is zipped: one at a time.
    "data-protection": 1,
    housekeeping: 1,
    webhook: 10,
  };
  const processors = new Map<QueueName, Processor>([
    ...TOPIC_QUEUES.map((queue) => [queue, processOutbox] as [QueueName, Processor]),
    [QUEUE_NAMES.housekeeping, housekeepingProcessor({ db: deps.db, relay: deps.relay, config: deps.config })],
  ]);
  /** When each queue's worker last took a job, and how many it runs now (for the stuck-worker check). */
  const taken = new Map<string, { at: number; active: number; suspect: boolean }>();
  const connectionOf = new WeakMap<Worker, RedisClient>();
  const startWorker = (queue: QueueName): Worker => {
    // Its own connection (not the process's shared one), so that dropping a stuck worker's
    // connections (worker.disconnect) leaves the queues and the other workers alone.
    const connection = duplicateRedis(deps.redis, `konto-worker-${queue}`);
    const worker = new Worker(queue, processors.get(queue)!, { ...options, connection, concurrency: concurrency[queue] });
    worker.on("closed", () => connection.disconnect());
    connectionOf.set(worker, connection);
    const state = { at: Date.now(), active: 0, suspect: false };
    taken.set(queue, state);
    worker.on("active", () => {
      state.at = Date.now();
      state.active++;
    });
    // One line per job: queue, id, attempt, outcome, and the request that caused it.
    worker.on("completed", (job) => {
      state.active = Math.max(0, state.active - 1);
      deps.metrics.jobs.inc({ queue: worker.name, outcome: "completed" });
      deps.log.info(
        {
          queue: worker.name,
          jobId: job.id,
          job: job.name,
          attempt: job.attemptsMade,
          outcome: "completed",
          requestId: job.data?.requestId,
        },
        "job",
      );
    });
    worker.on("failed", (job, err) => {
      state.active = Math.max(0, state.active - 1);
      deps.metrics.jobs.inc({ queue: worker.name, outcome: "failed" });
      deps.log.warn(
        {
          queue: worker.name,
          jobId: job?.id,
          job: job?.name,
          attempt: job?.attemptsMade,
          outcome: "failed",
          requestId: job?.data?.requestId,
          err: err.message,
        },
        "job",
      );
      void recordJobFailure(notificationDeps, job, err).catch(() => undefined);
    });
    worker.on("error", (err) => deps.log.error({ queue: worker.name, err: err.message }, "worker error"));
    return worker;
  };
  const workers = [...processors.keys()].map(startWorker);
  // A worker that takes no jobs while its queue has waiting ones, at two checks in a row, is
  // replaced. Why: after a Redis Cluster failover, BullMQ 6.7's blocking read of a worker whose
  // queue was idle can stay stuck on the dead master (test/cluster/redis-cluster.test.ts).
  const stuckAfterMs = Math.max(5000, 3 * deps.config.outboxSweepMs);
  const watchdog = setInterval(() => {
    workers.forEach((worker, index) => {
      const queue = worker.name as QueueName;
      const state = taken.get(queue)!;
      if (state.active > 0 || Date.now() - state.at < stuckAfterMs) return void (state.suspect = false);
      void deps.queues[queue]
        .getWaitingCount()
        .then((waiting) => {
          if (!waiting) return void (state.suspect = false);
          if (!state.suspect) return void (state.suspect = true);
          deps.log.warn({ queue, waiting }, "worker takes no jobs while some wait: replacing it");
          void stopLockRenewal(worker);
          void worker.disconnect().catch(() => undefined);
          workers[index] = startWorker(queue);
          connectionOf.get(worker)?.disconnect();
        })
        .catch(() => undefined);
    });
  }, deps.config.outboxSweepMs);
  watchdog.unref();
  await scheduleHousekeeping(deps.queues.housekeeping).catch((err) =>
    deps.log.warn({ err: err.message }, "scheduling housekeeping deferred until Redis is ready"),
  );
  // A Redis that restarted empty has lost the schedules: put them back when it is ready again.
  const reschedule = () =>
    void scheduleHousekeeping(deps.queues.housekeeping).catch((err) => deps.log.warn({ err: err.message }, "rescheduling failed"));
  deps.redis.on("ready", reschedule);
  // Each worker process also sweeps on its own timer, so lost work goes out again even while
  // Redis (and with it the schedule) was away.
  const sweeper = setInterval(() => {
    deps.relay.sweep().catch((err) => deps.log.warn({ err: err.message }, "outbox sweep failed"));
  }, deps.config.outboxSweepMs);
  sweeper.unref();
  return {
    workers,
    async close() {
      clearInterval(sweeper);
      clearInterval(watchdog);
      deps.redis.off("ready", reschedule);
      await Promise.all(workers.map((w) => closeWorker(w, deps.config.shutdownTimeoutMs / 2, deps.log)));
      for (const worker of workers) connectionOf.get(worker)?.disconnect();
      mailer.close();
    },
  };
}

/**
 * Closes a worker: waits for its active jobs, for at most `graceMs`; then drops its connections.
 * Why the bound: on a Redis Cluster, a worker whose queue was idle while the master of its slot
 * failed over can wait forever for its blocking connection to end (BullMQ 6.7 with ioredis 5), and
 * the jobs it drops are run again elsewhere (at-least-once, idempotent handlers).
 */
async function closeWorker(worker: Worker, graceMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    worker.close().then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (closed) return;
  log.warn({ queue: worker.name, graceMs }, "worker did not close in time: dropping its connections");
  // Its close waits for the stuck job before it stops renewing locks: stopped here, or the
  // renewal timer would keep the process alive.
  await stopLockRenewal(worker);
  // Not awaited without bound either: its stuck connection may never report its end.
  await Promise.race([worker.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
}

/** `npm run workers`: the workers alone, for scale-out. The API process applies migrations. */
async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  const db = await connect(createDataSource(config, log));
  const redis = createRedis(config, "workers");
  const queues = createQueues(redis, config.queuePrefix, config.webhooks);
  const relay = new OutboxRelay(db, queues, log);
  const running = await startWorkers({ config, db, redis, queues, relay, log, metrics: new Metrics() });
  log.info("workers started");
  exitOnSignals(log, config.shutdownTimeoutMs, async () => {
    await running.close();
    await closeQueues(queues);
    await closeRedis(redis);
    await db.destroy();
    await stopTracing();
  });
}

if (require.main === module) main().catch(exitOnFailure);
