import "reflect-metadata";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { DataSource } from "typeorm";
import { Config } from "../src/config";
import { AccountJobProcessor } from "../src/auth/recovery.service";
import { InvoiceMailer } from "../src/invoices/invoice-mailer";
import { MaintenanceFanout, NoticeSender } from "../src/maintenance/maintenance.service";
import { MailDeliveryService } from "../src/outbox/mail-delivery.service";
import { VerificationMailer } from "../src/verifications/verification-mailer";
import { OutboxRelay } from "../src/outbox/outbox.service";
import { connect, createDataSource } from "../src/platform/db";
import { createLogger, Logger } from "../src/platform/logger";
import { Mailer } from "../src/platform/mailer";
import { closeQueues, createQueues, QUEUE_NAMES, Queues } from "../src/platform/queues";
import { Metrics } from "../src/platform/metrics";
import { exitOnFailure, exitOnSignals, loadConfigOrExit } from "../src/platform/process";
import { closeRedis, createRedis } from "../src/platform/redis";
import { housekeepingProcessor, scheduleHousekeeping } from "./housekeeping.processor";
import { mailProcessor } from "./mail.processor";

export interface WorkerDeps {
  config: Config;
  db: DataSource;
  redis: Redis;
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

/** Starts one BullMQ worker per queue. Used in-process by `npm start` and alone by `npm run workers`. */
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const mailer = new Mailer(deps.config.smtpUrl, deps.config.mailFrom, deps.config.smtpPoolSize);
  const deliveries = new MailDeliveryService(deps.db, mailer, deps.log, deps.metrics);
  const accounts = new AccountJobProcessor(deps.db, deliveries, deps.config, deps.log, deps.relay);
  const verifications = new VerificationMailer(deps.db, deliveries, deps.config);
  const invoices = new InvoiceMailer(deps.db, deliveries, deps.config);
  const fanout = new MaintenanceFanout(deps.db, deps.queues.maintenance, deps.config.noticeBatchSize);
  const notices = new NoticeSender(deps.db, mailer, deps.config, deps.log, deps.metrics);
  // A crashed worker's job is taken over once its lock runs out.
  const options = { connection: deps.redis, prefix: deps.config.queuePrefix, lockDuration: deps.config.workerLockMs, stalledInterval: deps.config.workerLockMs };
  const workers = [
    new Worker(QUEUE_NAMES.mail, mailProcessor(deliveries, accounts, verifications), { ...options, concurrency: 10 }),
    new Worker(QUEUE_NAMES.invoiceEmail, (job) => invoices.process(job.data.outboxId), { ...options, concurrency: 4 }),
    new Worker(
      QUEUE_NAMES.maintenance,
      (job) => {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (job.name === "notices") return notices.sendBatch(job.data.noticeIds, final);
        // One-notice jobs of an earlier version that may still be queued.
        if (job.name === "notice") return notices.sendBatch([job.data.noticeId], final);
        return fanout.fanOut(job.data.outboxId);
      },
      { ...options, concurrency: deps.config.noticeConcurrency },
    ),
    new Worker(QUEUE_NAMES.housekeeping, housekeepingProcessor({ db: deps.db, relay: deps.relay, config: deps.config }), { ...options, concurrency: 1 }),
  ];
  // One line per job: queue, id, attempt, outcome, and the request that caused it.
  for (const worker of workers) {
    worker.on("completed", (job) => {
      deps.metrics.jobs.inc({ queue: worker.name, outcome: "completed" });
      deps.log.info({ queue: worker.name, jobId: job.id, job: job.name, attempt: job.attemptsMade, outcome: "completed", requestId: job.data?.requestId }, "job");
    });
    worker.on("failed", (job, err) => {
      deps.metrics.jobs.inc({ queue: worker.name, outcome: "failed" });
      deps.log.warn({ queue: worker.name, jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, outcome: "failed", requestId: job?.data?.requestId, err }, "job");
    });
    worker.on("error", (err) => deps.log.error({ queue: worker.name, err }, "worker error"));
  }
  await scheduleHousekeeping(deps.queues.housekeeping);
  // A Redis that restarted empty has lost the schedules: put them back when it is ready again.
  const reschedule = () => void scheduleHousekeeping(deps.queues.housekeeping).catch((err) => deps.log.warn({ err }, "rescheduling failed"));
  deps.redis.on("ready", reschedule);
  // Each worker process also sweeps on its own timer, so lost dispatches go out even while
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
  const queues = createQueues(redis, config.queuePrefix);
  const relay = new OutboxRelay(db, queues, log);
  const running = await startWorkers({ config, db, redis, queues, relay, log, metrics: new Metrics() });
  log.info("workers started");
  exitOnSignals(log, config.shutdownTimeoutMs, async () => {
    await running.close();
    await closeQueues(queues);
    await closeRedis(redis);
    await db.destroy();
  });
}

if (require.main === module) main().catch(exitOnFailure);
