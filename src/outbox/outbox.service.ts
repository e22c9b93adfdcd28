import { DataSource, EntityManager } from "typeorm";
import { inTransaction } from "../platform/db";
import { Logger } from "../platform/logger";
import { MailMessage } from "../platform/mailer";
import { QueueName, Queues } from "../platform/queues";
import { scopeOf } from "../platform/request-scope";

/** What an outbox row asks for, and the queue that does it. */
export const OUTBOX_TOPICS = {
  /** A message rendered when it was recorded: { key, messages: MailMessage[] }. */
  mail: "mail",
  /** Account recovery and registration, decided by the worker (see AccountJob). */
  account: "mail",
  /** A confirmation link for a pending email change: { verificationId }. */
  verification: "mail",
  /** An invoice PDF to its recipients: { invoiceId, kind: "issue" | "resend", to? }. */
  "invoice-email": "invoice-email",
  /** Works out the recipients of an announcement revision and queues one notice job each: { announcementId, revision }. */
  "maintenance-fanout": "maintenance",
} as const satisfies Record<string, QueueName>;
export type OutboxTopic = keyof typeof OUTBOX_TOPICS;

export interface RecordedMail {
  /** Names the message for the delivery records: the same key and recipient never send twice. */
  key: string;
  /** The invoice the messages carry, so that its deliveries can be listed. */
  invoiceId?: number;
  messages: MailMessage[];
}

export const outboxJobId = (outboxId: string | number) => `outbox-${outboxId}`;

/** Rows older than this and still undispatched are re-added by the sweeper. */
const SWEEP_AFTER_MS = 5000;

/**
 * Side effects are written as outbox rows in the transaction that causes them; after commit the
 * relay adds the BullMQ job (jobId = outbox id) and marks the row dispatched. When Redis is down
 * or the process dies in between, the sweeper finds the row and adds it again.
 */
export class OutboxRelay {
  constructor(
    private readonly db: DataSource,
    private readonly queues: Queues,
    private readonly log: Logger,
  ) {}

  /** Records a side effect in the caller's transaction; returns the outbox id. */
  async record(tx: EntityManager, topic: OutboxTopic, payload: object): Promise<string> {
    const result = await tx.query("INSERT INTO outbox (topic, payload, request_id) VALUES (?, ?, ?)", [
      topic,
      JSON.stringify(payload),
      scopeOf(tx)?.requestId ?? null,
    ]);
    return String(result.insertId);
  }

  /**
   * Runs `work` in one transaction with an outbox at hand; after commit its rows are handed to
   * BullMQ. A failure to reach Redis never fails the caller: the sweeper retries.
   */
  async transaction<T>(db: DataSource, work: (tx: EntityManager, record: (topic: OutboxTopic, payload: object) => Promise<string>) => Promise<T>): Promise<T> {
    let ids: string[] = [];
    const result = await inTransaction(db, (tx) => {
      ids = [];
      return work(tx, async (topic, payload) => {
        const id = await this.record(tx, topic, payload);
        ids.push(id);
        return id;
      });
    });
    if (ids.length) void this.dispatch(ids).catch((err) => this.log.warn({ err, outboxIds: ids }, "outbox dispatch deferred to sweeper"));
    return result;
  }

  /** Adds the jobs of these outbox rows and marks them dispatched. */
  async dispatch(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const rows: { id: string; topic: OutboxTopic; request_id: string | null }[] = await this.db.query(
      "SELECT id, topic, request_id FROM outbox WHERE id IN (?) AND dispatched_at IS NULL",
      [ids],
    );
    // The job name is the topic; the queue's processor dispatches on it.
    const byQueue = new Map<QueueName, { id: string; topic: OutboxTopic; requestId: string | null }[]>();
    for (const row of rows) {
      const queue = OUTBOX_TOPICS[row.topic];
      if (!queue) {
        this.log.error({ outboxId: row.id, topic: row.topic }, "outbox row with unknown topic");
        continue;
      }
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), { id: String(row.id), topic: row.topic, requestId: row.request_id }]);
    }
    for (const [queue, jobs] of byQueue) {
      await this.queues[queue].addBulk(
        // The request id travels with the job, so its log lines can be tied to the request.
        jobs.map(({ id, topic, requestId }) => ({ name: topic, data: { outboxId: id, requestId }, opts: { jobId: outboxJobId(id) } })),
      );
      await this.db.query("UPDATE outbox SET dispatched_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)", [jobs.map((j) => j.id)]);
    }
    return rows.length;
  }

  /** Re-adds rows left undispatched (Redis was down, the process died). */
  async sweep(limit = 1000): Promise<number> {
    const rows: { id: string }[] = await this.db.query(
      "SELECT id FROM outbox WHERE dispatched_at IS NULL AND created_at < ? ORDER BY id LIMIT ?",
      [new Date(Date.now() - SWEEP_AFTER_MS), limit],
    );
    return this.dispatch(rows.map((r) => String(r.id)));
  }
}
