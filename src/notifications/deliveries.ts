import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DataSource } from "typeorm";
import { Logger } from "../platform/logger";
import { Metrics } from "../platform/metrics";
import { isPermanentRejection, Mailer, MailMessage } from "./mailer";
import { RenderedMail } from "./templates/template";

/** One message to one recipient, named by a key that is the same on every retry. */
export interface Outgoing {
  key: string;
  to: string;
  /** Rendered when the sender gets to it (and only if the ledger says it is still to send). */
  render: () => RenderedMail | Promise<RenderedMail>;
  attachments?: MailMessage["attachments"];
  invoiceId?: number;
  noticeId?: string;
}

// A type, not an interface: handlers return it where an index signature is asked for.
export type DeliveryOutcome = {
  sent: number;
  /** SENT before this run. */
  skipped: number;
  /** FAILED before this run (rejected, out of attempts, superseded). */
  failedBefore: number;
  /** Rejected for good (SMTP 5xx) in this run. */
  rejected: number;
  /** Failed for now (4xx, network); sent again on the job's next attempt. */
  deferred: number;
  /** Held by another live process's lease; the latest lease end (ms) to wait for. */
  leasedUntil: number | null;
  errors: string[];
};

/** Kinds of message, for metrics: the key's first part ("notice", "invoice", ...). */
const kindOf = (key: string) => key.split(":")[0];

/** One key per message and recipient; the unique index on it is what stops a second send. */
export function deliveryKey(messageKey: string, recipient: string): string {
  const key = `${messageKey}:${recipient.trim().toLowerCase()}`;
  // The column holds 191 characters; long keys keep their start and a hash of the whole.
  return key.length <= 191 ? key : `${key.slice(0, 126)}#${createHash("sha256").update(key).digest("hex")}`;
}

/** A Message-ID that is the same for every attempt, so that a receiving system can spot a duplicate. */
export const messageIdOf = (key: string) => `<${key.replace(/[^\w.-]/g, ".")}@konto>`;

/** A row nobody holds: to send, or left SENDING by a process whose lease ran out. */
const OPEN = "(status = 'QUEUED' OR (status = 'SENDING' AND (lease_until IS NULL OR lease_until < CURRENT_TIMESTAMP(3))))";

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** The driver's error code of a failed statement (TypeORM wraps mysql2's error), or "". */
const databaseErrorCode = (error: unknown): string => {
  const err = error as { code?: string; driverError?: { code?: string } };
  return err?.driverError?.code ?? err?.code ?? "";
};

/**
 * MySQL being away or busy (a restart, a failover to a read-only server, a deadlock, a lock wait):
 * a statement that failed for this is tried again, never given up.
 */
function isPassingDatabaseError(error: unknown): boolean {
  const err = error as { driverError?: { fatal?: boolean }; fatal?: boolean; message?: string };
  const code = databaseErrorCode(error);
  return (
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT|ER_SERVER_SHUTDOWN|ER_CON_COUNT_ERROR|ER_CONNECTION_KILLED|ENOTFOUND|EHOSTUNREACH|ER_LOCK_DEADLOCK|ER_LOCK_WAIT_TIMEOUT|ER_OPTION_PREVENTS_STATEMENT|ER_READ_ONLY_MODE|ER_QUERY_INTERRUPTED)$/.test(
      code,
    ) ||
    !!err?.driverError?.fatal ||
    !!err?.fatal ||
    /Pool is closed|Connection lost|connect ECONNREFUSED|Can't add new command when connection is in closed state/.test(err?.message ?? "")
  );
}

/**
 * Runs a write that records what already happened outside (a message the SMTP server accepted):
 * while MySQL is away it waits and tries again, so the fact is never lost and the job is never
 * failed for it — failing it would send the message again.
 */
export async function recordDurably<T>(log: Logger, what: string, write: () => Promise<T>): Promise<T> {
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await write();
    } catch (error) {
      if (!isPassingDatabaseError(error)) throw error;
      // A deadlock or lock wait is the database busy, not away: said so, for the operator reading it.
      const busy = /^ER_LOCK_(DEADLOCK|WAIT_TIMEOUT)$/.test(databaseErrorCode(error));
      log.warn({ err: errorText(error), what }, `database ${busy ? "busy" : "away"}; keeping the record and trying again`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * The one delivery ledger: a row per message and recipient in `mail_deliveries`.
 * - QUEUED: to send. SENDING: claimed by one process with an exclusive lease (owner, expiry).
 *   SENT: accepted by the SMTP server. FAILED: rejected for good, or out of attempts.
 * - A row is claimed before it is sent, so a sweep, a second worker or a job that BullMQ handed
 *   out twice (its lock does not survive a Redis restart) never sends a row a live process holds.
 * - The SENT mark is written right after the server accepted that message, and a message holds
 *   one SMTP connection of the process until its mark is stored.
 * - A process that dies leaves its claimed rows SENDING; they are sent once its lease expired.
 *   Twice only those it had sent but not marked: at most one per SMTP connection.
 */
export class DeliveryLedger {
  /** Names this process in leases (and each claim after it), for operators reading the table. */
  private readonly process = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`.slice(0, 48);
  private claimCount = 0;
  private readonly sentMarks: Coalesced<string, void>;
  private readonly connections: Slots;
  private renewing: NodeJS.Timeout | undefined;
  private sending = 0;

  constructor(
    private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly leaseMs: number,
    smtpConnections: number,
    private readonly metrics?: Metrics,
  ) {
    this.connections = new Slots(smtpConnections);
    this.sentMarks = new Coalesced<string, void>(async (ids) => {
      await recordDurably(this.log, "SENT marks", () =>
        this.db.query(
          "UPDATE mail_deliveries SET status = 'SENT', sent_at = CURRENT_TIMESTAMP(3), error = NULL, lease_owner = NULL, lease_until = NULL WHERE id IN (?)",
          [ids],
        ),
      );
      return ids.map((): void => undefined);
    });
  }

  /**
   * Sends what the ledger says is still to send, at most once each. `final` is the job's last
   * attempt: what fails now for a passing reason is then FAILED instead of left for a retry.
   */
  async deliver(outboxId: string | null, items: Outgoing[], final: boolean): Promise<DeliveryOutcome> {
    const outcome: DeliveryOutcome = { sent: 0, skipped: 0, failedBefore: 0, rejected: 0, deferred: 0, leasedUntil: null, errors: [] };
    if (!items.length) return outcome;
    await this.db.query(
      `INSERT IGNORE INTO mail_deliveries (delivery_key, outbox_id, invoice_id, notice_id, recipient, status, message_id, created_at, updated_at) VALUES ?`,
      [
        items.map((i) => [
          i.key,
          outboxId,
          i.invoiceId ?? null,
          i.noticeId ?? null,
          i.to,
          "QUEUED",
          messageIdOf(i.key),
          new Date(),
          new Date(),
        ]),
      ],
    );
    // One claim for the whole batch; what a killed process claimed but never sent goes out once,
    // after its lease ran out.
    const owner = `${this.process}:${++this.claimCount}`;
    const keys = items.map((i) => i.key);
    await this.db.query(
      `UPDATE mail_deliveries SET status = 'SENDING', lease_owner = ?, lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND, attempts = attempts + 1
       WHERE delivery_key IN (?) AND ${OPEN}`,
      [owner, this.leaseMs * 1000, keys],
    );
    const rows = await this.statesOf(keys);
    const mine: { item: Outgoing; id: string }[] = [];
    for (const item of items) {
      const row = rows.get(item.key);
      // A row the insert did not make is one that another row's unique key blocked: a bug to see, not a message to skip.
      if (!row) throw new Error(`no delivery row for ${item.key}`);
      if (row.status === "SENDING" && row.lease_owner === owner) mine.push({ item, id: row.id });
      else if (row.status === "SENDING") outcome.leasedUntil = Math.max(outcome.leasedUntil ?? 0, row.lease_until?.getTime() ?? Date.now());
      else if (row.status === "FAILED") outcome.failedBefore++;
      else outcome.skipped++;
    }
    if (!mine.length) return outcome;
    this.startSending();
    try {
      // A message holds one of the process's SMTP connections from its send until its SENT mark is
      // stored: at most one message per connection is ever accepted but unmarked, which is all a
      // killed process can leave to be sent twice. Settled, not raced: one failure must not leave
      // the others' accepted messages unmarked.
      const sends = await Promise.allSettled(
        mine.map(({ item, id }) =>
          this.connections.run(async () => {
            const sent = await this.sendOne(item, id, owner, final, outcome);
            if (sent) await this.sentMarks.submit(sent);
          }),
        ),
      );
      const failure = sends.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failure) throw failure.reason;
    } finally {
      this.stopSending();
    }
    return outcome;
  }

  /** While this process sends, its leases are renewed: a slow server or a long batch does not outlive them. */
  private startSending(): void {
    if (this.sending++ > 0) return;
    const escaped = this.process.replace(/[\\%_]/g, (c) => `\\${c}`);
    this.renewing = setInterval(
      () => {
        void this.db
          .query(
            "UPDATE mail_deliveries SET lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND WHERE status = 'SENDING' AND lease_owner LIKE ?",
            [this.leaseMs * 1000, `${escaped}:%`],
          )
          .catch((err) => this.log.warn({ err: errorText(err) }, "lease renewal failed"));
      },
      Math.max(1000, this.leaseMs / 3),
    );
  }

  private stopSending(): void {
    if (--this.sending === 0) clearInterval(this.renewing);
  }

  private async statesOf(
    keys: string[],
  ): Promise<Map<string, { id: string; status: string; lease_owner: string | null; lease_until: Date | null }>> {
    const rows: { id: string; delivery_key: string; status: string; lease_owner: string | null; lease_until: Date | null }[] =
      await this.db.query("SELECT id, delivery_key, status, lease_owner, lease_until FROM mail_deliveries WHERE delivery_key IN (?)", [
        keys,
      ]);
    return new Map(rows.map((r) => [r.delivery_key, r]));
  }

  /** Sends one claimed delivery; returns its id when the server accepted it, for the SENT mark. */
  private async sendOne(item: Outgoing, id: string, lease: string, final: boolean, outcome: DeliveryOutcome): Promise<string | null> {
    try {
      const rendered = await item.render();
      await this.mailer.send({ to: item.to, ...rendered, attachments: item.attachments, messageId: messageIdOf(item.key) });
    } catch (error) {
      const permanent = isPermanentRejection(error);
      outcome.errors.push(errorText(error));
      this.metrics?.mailFailed.inc({ kind: kindOf(item.key) });
      this.log.warn({ deliveryKey: item.key, permanent, err: errorText(error) }, "mail delivery failed");
      // Only while we still hold it: a row another process took over (our lease ran out) is its business now.
      const held = "id = ? AND lease_owner = ? AND status = 'SENDING'";
      if (permanent || final) {
        if (permanent) outcome.rejected++;
        else outcome.deferred++;
        await recordDurably(this.log, "delivery failure", () =>
          this.db.query(
            `UPDATE mail_deliveries SET status = 'FAILED', permanent_failure = ?, error = ?, lease_owner = NULL, lease_until = NULL WHERE ${held}`,
            [permanent, errorText(error), id, lease],
          ),
        );
        if (permanent) {
          await recordDurably(this.log, "bounce", () =>
            this.db.query(
              `INSERT INTO mail_bounces (address, error) VALUES (?, ?)
               ON DUPLICATE KEY UPDATE error = VALUES(error), bounces = bounces + 1, last_bounced_at = CURRENT_TIMESTAMP(3)`,
              [item.to.trim().toLowerCase(), errorText(error)],
            ),
          );
        }
      } else {
        outcome.deferred++;
        // Released for the next attempt; the error shows meanwhile.
        await recordDurably(this.log, "delivery deferral", () =>
          this.db.query(`UPDATE mail_deliveries SET status = 'QUEUED', error = ?, lease_owner = NULL, lease_until = NULL WHERE ${held}`, [
            errorText(error),
            id,
            lease,
          ]),
        );
      }
      return null;
    }
    outcome.sent++;
    this.metrics?.mailSent.inc({ kind: kindOf(item.key) });
    return id;
  }

  /** Marks deliveries that will never be sent (a newer revision says it all), unless one is SENT or held by a live lease. */
  async cancel(outboxId: string | null, items: { key: string; to: string; noticeId?: string }[], reason: string): Promise<void> {
    if (!items.length) return;
    await this.db.query(
      `INSERT INTO mail_deliveries (delivery_key, outbox_id, notice_id, recipient, status, error, created_at, updated_at) VALUES ?
       ON DUPLICATE KEY UPDATE error = IF(${OPEN}, VALUES(error), error), status = IF(${OPEN}, 'FAILED', status)`,
      [items.map((i) => [i.key, outboxId, i.noticeId ?? null, i.to, "FAILED", reason, new Date(), new Date()])],
    );
  }
}

/**
 * Writes what comes in one statement at a time, each for everything that arrived while the one
 * before ran: the SENT marks of many messages in flight cost a few statements, and none waits
 * longer than for the statement before it. A failed write fails the items of that write.
 */
class Coalesced<T, R> {
  private pending: { item: T; done: (result: R) => void; failed: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise((done, failed) => {
      this.pending.push({ item, done, failed });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        try {
          const results = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.done(results[i]));
        } catch (error) {
          batch.forEach((b) => b.failed(error));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/** Runs at most `size` tasks at once; the others wait their turn in order. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resume) => this.waiting.push(resume));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
