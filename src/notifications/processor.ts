import { DelayedError, Job, UnrecoverableError } from "bullmq";
import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Config } from "../config";
import { Logger } from "../platform/logger";
import { inSpan, SpanKind } from "../platform/telemetry";
import { jsonColumn } from "../platform/rows";
import { DeliveryLedger, DeliveryOutcome, recordDurably } from "./deliveries";
import { OutboxRelay } from "./outbox";
import { isTopic, OutboxJobData, PayloadOf, Topic, TOPICS } from "./topics";

/** What every handler may use. */
export interface NotificationDeps {
  db: DataSource;
  config: Config;
  ledger: DeliveryLedger;
  relay: OutboxRelay;
  log: Logger;
}

/** One piece of outbox work as a handler sees it: a checked payload, never a raw job. */
export interface Work<T extends Topic> {
  outboxId: string;
  payload: PayloadOf<T>;
  /** The job's last attempt: a passing failure is then recorded as FAILED instead of retried. */
  final: boolean;
  /**
   * Marks the work done in the handler's own transaction, for handlers that record more work
   * (the fan-out records its notice batches): the two commit together or not at all. Throws
   * (rolling the transaction back) when another run of the same work finished first.
   */
  doneIn(tx: Transaction): Promise<void>;
  /** Locks the work's row in the handler's transaction; throws when another run finished it first. */
  lockOpenIn(tx: Transaction): Promise<void>;
}

/** Another run of the same work (a job handed out twice) finished it first: this one does nothing. */
export class WorkAlreadyDone extends Error {
  constructor(outboxId: string) {
    super(`outbox ${outboxId} was done by another run`);
    this.name = "WorkAlreadyDone";
  }
}

/** What a handler did, for the job's return value: a delivery outcome, or counts of its own. */
export type HandlerResult = Partial<DeliveryOutcome> & { [count: string]: unknown };
export type Handler<T extends Topic> = (work: Work<T>) => Promise<HandlerResult>;
/** A handler for every topic: the compiler refuses a topic without one. */
export type Handlers = { [T in Topic]: Handler<T> };

/** Work some of whose messages failed for now: BullMQ tries the job again with backoff. */
export class DeferredDeliveries extends Error {
  constructor(outcome: HandlerResult) {
    super(`${outcome.deferred} deliveries failed for now: ${(outcome.errors ?? []).slice(0, 3).join("; ")}`);
    this.name = "DeferredDeliveries";
  }
}

const DONE = "UPDATE outbox SET done_at = CURRENT_TIMESTAMP(3), error = ? WHERE id = ? AND done_at IS NULL";

/**
 * The one processor of outbox work: loads the row, checks its payload against the topic's schema,
 * calls the topic's handler and marks the row done. Messages held by another process's lease make
 * the job wait for the lease (without using up an attempt); deferred messages make it retry.
 */
export function outboxProcessor(deps: NotificationDeps, handlers: Handlers) {
  return async (job: Job<OutboxJobData>, token?: string): Promise<HandlerResult> => {
    const outboxId = String(job.data.outboxId);
    const [row] = await deps.db.query("SELECT topic, payload, done_at, trace_context FROM outbox WHERE id = ?", [outboxId]);
    if (!row || row.done_at) return { skipped: 1 };
    // The job is a span of the trace of the request that recorded the work.
    return inSpan(
      `job ${row.topic}`,
      {
        kind: SpanKind.CONSUMER,
        parent: row.trace_context,
        attributes: {
          "messaging.system": "bullmq",
          "messaging.destination.name": job.queueName,
          "konto.outbox_id": outboxId,
          "konto.attempt": job.attemptsMade + 1,
        },
      },
      () => processRow(deps, handlers, job, token, outboxId, row),
    );
  };
}

async function processRow(
  deps: NotificationDeps,
  handlers: Handlers,
  job: Job<OutboxJobData>,
  token: string | undefined,
  outboxId: string,
  row: { topic: string; payload: unknown },
): Promise<HandlerResult> {
  // Work that can never succeed: done, with the reason on the row and the job failed for Bull Board.
  const closeForGood = async (problem: string): Promise<never> => {
    await deps.db.query(DONE, [problem.slice(0, 500), outboxId]);
    throw new UnrecoverableError(problem);
  };
  const topic: string = row.topic;
  if (!isTopic(topic)) return closeForGood(`unknown topic ${topic}`);
  const parsed = TOPICS[topic].payload.safeParse(jsonColumn(row.payload));
  if (!parsed.success) return closeForGood(`payload does not match topic ${topic}: ${parsed.error.message}`);
  const handler = handlers[topic] as Handler<Topic>;
  const work: Work<Topic> = {
    outboxId,
    payload: parsed.data,
    final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    doneIn: async (tx) => {
      const result = await tx.query(DONE, [null, outboxId]);
      if (!result.affectedRows) throw new WorkAlreadyDone(outboxId);
    },
    lockOpenIn: async (tx) => {
      const [open] = await tx.query("SELECT id FROM outbox WHERE id = ? AND done_at IS NULL FOR UPDATE", [outboxId]);
      if (!open) throw new WorkAlreadyDone(outboxId);
    },
  };
  let outcome: HandlerResult;
  try {
    outcome = await handler(work);
  } catch (error) {
    if (error instanceof WorkAlreadyDone) return { skipped: 1 };
    throw error;
  }
  if (outcome.leasedUntil && token) {
    // Another process holds some messages: when its lease ends they are sent or free to send.
    await job.moveToDelayed(Math.max(outcome.leasedUntil, Date.now()) + 500, token);
    throw new DelayedError();
  }
  if (outcome.deferred && !work.final) throw new DeferredDeliveries(outcome);
  const failed = (outcome.rejected ?? 0) + (work.final ? (outcome.deferred ?? 0) : 0);
  const problem = failed ? `${failed} deliveries failed for good: ${(outcome.errors ?? []).slice(0, 3).join("; ")}`.slice(0, 500) : null;
  await recordDurably(deps.log, "outbox done mark", () => deps.db.query(DONE, [problem, outboxId]));
  // Done, but shown among the failed jobs of Bull Board, with the reason, and never retried.
  if (problem) throw new UnrecoverableError(problem);
  return outcome;
}

/** A job out of attempts: its outbox row keeps the last error (it stays open, so nothing is lost). */
export async function recordJobFailure(deps: NotificationDeps, job: Job<OutboxJobData> | undefined, error: Error): Promise<void> {
  if (!job?.data?.outboxId || job.attemptsMade < (job.opts.attempts ?? 1)) return;
  await deps.db.query("UPDATE outbox SET error = ? WHERE id = ? AND done_at IS NULL", [
    error.message.slice(0, 500),
    String(job.data.outboxId),
  ]);
}
