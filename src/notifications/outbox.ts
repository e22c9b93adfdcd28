import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { Logger } from "../platform/logger";
import { Queues } from "../platform/queues";
import { activeTraceparent } from "../platform/telemetry";
import { isTopic, OutboxJobData, outboxJobId, PayloadOf, Topic, TOPICS } from "./topics";

/** Work younger than this is left to the relay that is adding it right now. */
const SWEEP_GRACE_MS = 5000;
const SWEEP_LIMIT = 1000;

/** An outbox row as the transaction that committed it wrote it: all its job needs, without reading it back. */
export interface CommittedWork {
  id: string;
  topic: string;
  requestId: string | null;
}

/**
 * Side effects are written as outbox rows in the transaction that causes them; after commit the
 * relay adds the BullMQ job (jobId = outbox id). An outbox row stays open until its handler is done
 * (`done_at`), so the sweep finds every piece of work whose job is gone — never added (Redis was
 * down, the process died after commit) or lost after it was added (Redis restarted empty, the job
 * was removed) — and adds it again. Adding a job whose id still exists is a no-op in BullMQ.
 */
export class OutboxRelay {
  /** Where the next sweep goes on from. */
  private sweptUpTo = "0";
  /** Committed rows waiting for the relay, and whether it is adding the ones before them. */
  private committed: CommittedWork[] = [];
  private relaying = false;

  constructor(
    private readonly db: DataSource,
    private readonly queues: Queues,
    private readonly log: Logger,
  ) {}

  /** Records a topic in the caller's transaction; returns the outbox id. */
  async record<T extends Topic>(tx: Transaction, topic: T, payload: PayloadOf<T>): Promise<string> {
    // Checked when written too: a wrong payload is a bug of the caller, found in its transaction.
    TOPICS[topic].payload.parse(payload);
    const result = await tx.query("INSERT INTO outbox (topic, payload, request_id, trace_context) VALUES (?, ?, ?, ?)", [
      topic,
      JSON.stringify(payload),
      tx.scope?.requestId ?? null,
      // The job continues the request's trace (null when tracing is off).
      activeTraceparent(),
    ]);
    return String(result.insertId);
  }

  /**
   * Hands the rows of a committed transaction to BullMQ without making the caller wait for Redis.
   * A failure to reach Redis never fails the caller: the sweep adds the jobs later.
   *
   * The rows are taken as the transaction wrote them (not read back), and everything committed
   * while the relay was adding earlier rows goes in one go: one addBulk per queue and one
   * dispatched mark for all of them. Under a stream of mutations that is a statement, a commit
   * and a Redis round trip per batch instead of two statements, a commit and a round trip per
   * mutation (measured: see README, Performance). A row whose work a worker already finished (its
   * job added by the sweep meanwhile) is skipped by the processor, which reads done_at first.
   */
  dispatchLater(rows: CommittedWork[]): void {
    if (!rows.length) return;
    this.committed.push(...rows);
    void this.relayCommitted();
  }

  private async relayCommitted(): Promise<void> {
    if (this.relaying) return;
    this.relaying = true;
    try {
      while (this.committed.length) {
        const rows = this.committed;
        this.committed = [];
        await this.addJobs(rows.map((r) => ({ id: r.id, topic: r.topic, request_id: r.requestId }))).catch((err) =>
          this.log.warn({ err, outboxIds: rows.map((r) => r.id) }, "outbox dispatch deferred to the sweep"),
        );
      }
    } finally {
      this.relaying = false;
    }
  }

  /** Adds the jobs of these open outbox rows; rows already done are skipped. */
  async dispatch(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const rows: { id: string; topic: string; request_id: string | null }[] = await this.db.query(
      "SELECT id, topic, request_id FROM outbox WHERE id IN (?) AND done_at IS NULL",
      [ids],
    );
    return this.addJobs(rows);
  }

  /**
   * Re-adds the jobs of open outbox rows older than a few seconds; returns how many it handed
   * over. Each pass goes on after the last row of the one before (and starts over at the end), so
   * a backlog of open rows whose jobs are only waiting cannot hide newer rows whose job is gone.
   */
  async sweep(limit = SWEEP_LIMIT): Promise<number> {
    const rows: { id: string; topic: string; request_id: string | null }[] = await this.db.query(
      "SELECT id, topic, request_id FROM outbox WHERE done_at IS NULL AND created_at < ? AND id > ? ORDER BY id LIMIT ?",
      [new Date(Date.now() - SWEEP_GRACE_MS), this.sweptUpTo, limit],
    );
    this.sweptUpTo = rows.length === limit ? String(rows[rows.length - 1].id) : "0";
    return this.addJobs(rows);
  }

  private async addJobs(rows: { id: string; topic: string; request_id: string | null }[]): Promise<number> {
    const byQueue = new Map<(typeof TOPICS)[Topic]["queue"], { name: string; data: OutboxJobData; opts: { jobId: string } }[]>();
    for (const row of rows) {
      if (!isTopic(row.topic)) {
        // Nothing can ever handle it: closed with the reason, so no sweep selects it again.
        this.log.error({ outboxId: row.id, topic: row.topic }, "outbox row with unknown topic closed");
        await this.db.query("UPDATE outbox SET done_at = CURRENT_TIMESTAMP(3), error = ? WHERE id = ? AND done_at IS NULL", [
          `unknown topic ${row.topic}`.slice(0, 500),
          row.id,
        ]);
        continue;
      }
      const queue = TOPICS[row.topic].queue;
      const id = String(row.id);
      // The job name is the topic, for Bull Board and logs; the processor reads the topic from the row.
      byQueue.set(queue, [
        ...(byQueue.get(queue) ?? []),
        { name: row.topic, data: { outboxId: id, requestId: row.request_id }, opts: { jobId: outboxJobId(id) } },
      ]);
    }
    let added = 0;
    for (const [queue, jobs] of byQueue) {
      await this.queues[queue].addBulk(jobs);
      added += jobs.length;
      await this.db.query("UPDATE outbox SET dispatched_at = COALESCE(dispatched_at, CURRENT_TIMESTAMP(3)) WHERE id IN (?)", [
        jobs.map((j) => j.data.outboxId),
      ]);
    }
    return added;
  }
}

declare module "../platform/context" {
  interface ContextServices {
    /** Records side effects in the caller's transaction and hands them to the workers after commit. */
    outbox: OutboxRelay;
  }
}
