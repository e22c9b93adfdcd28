import { stopTracing } from "../src/tracing";
import "reflect-metadata";
import { Worker } from "bullmq";
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
import { closeRedis, createRedis, RedisClient } from "../src/platform/redis";
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
  const workers = [
    ...TOPIC_QUEUES.map((queue) => new Worker(queue, processOutbox, { ...options, concurrency: concurrency[queue] })),
    new Worker(QUEUE_NAMES.housekeeping, housekeepingProcessor({ db: deps.db, relay: deps.relay, config: deps.config }), {
      ...options,
      concurrency: concurrency.housekeeping,
    }),
  ];
  // One line per job: queue, id, attempt, outcome, and the request that caused it.
  for (const worker of workers) {
    worker.on("completed", (job) => {
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
  }
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
      deps.redis.off("ready", reschedule);
      await Promise.all(workers.map((w) => w.close()));
      mailer.close();
    },
  };
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
