import { DataSource } from "typeorm";
import { Transaction } from "../platform/transactions";
import { assertMay, CustomerRef, CustomerRule } from "../access/access";
import { assertRecentAuthentication } from "../access/step-up";
import { AuditService } from "../audit/audit.service";
import { IdempotencyClaim, IdempotencyKeyTaken, IdempotentRequest } from "../idempotency/idempotency-keys";
import { CommittedWork, OutboxRelay } from "../notifications/outbox";
import { Emit } from "../notifications/topics";
import { Context, Principal } from "../platform/context";
import { inTransaction } from "../platform/db";
import { scopeOf } from "../platform/request-scope";
import { Refusal, UserError } from "../platform/user-error";

/** A customer as audit entries name it. */
export interface AuditedCustomer extends CustomerRef {
  customerNumber: string;
}

/** What the work of a mutation (or of a worker) writes through: its transaction, the outbox and the audit log. */
export interface UnitOfWork {
  readonly tx: Transaction;
  /** Records a side effect in this transaction; it goes to the workers after commit. */
  readonly emit: Emit;
  /** Writes an audit entry in this transaction, for the target customer unless another (or null) is given. */
  audit(action: string, details?: Record<string, unknown>, customer?: AuditedCustomer | null): Promise<void>;
  /**
   * Runs when the work has finished without a refusal, still inside the transaction, just before
   * the commit: for what must be recorded elsewhere only if the change stands (a revocation in Redis).
   */
  beforeCommit(task: () => Promise<void>): void;
  /** Runs once the transaction has committed, before the mutation answers (a revocation's second stamp). */
  afterCommit(task: () => Promise<void>): void;
}

/**
 * Told of every audited change, inside its transaction (the webhooks raise their events here).
 * Registered at start-up by the module that listens, so this folder needs none of them.
 */
export type ChangeListener = (
  uow: UnitOfWork,
  action: string,
  details: Record<string, unknown> | undefined,
  customer: AuditedCustomer | null,
) => Promise<void>;
const changeListeners: ChangeListener[] = [];

export function onAuditedChange(listener: ChangeListener): void {
  if (!changeListeners.includes(listener)) changeListeners.push(listener);
}

interface Participants {
  db: DataSource;
  outbox: OutboxRelay;
  principal: Principal;
}

/**
 * Runs `work` in one transaction, retried whole when MySQL picks it as a deadlock victim; after
 * commit its outbox rows go to BullMQ. The one transaction helper: mutations reach it through
 * `mutate`, workers and the command line directly.
 */
export async function unitOfWork<T>(
  { db, outbox, principal }: Participants,
  work: (uow: UnitOfWork) => Promise<T>,
  target: AuditedCustomer | null = null,
): Promise<T> {
  // Nothing is written for a caller whose access was taken back, even from a query that runs
  // alongside the check (src/http/graphql.ts).
  await scopeOf(db)?.callerLive?.();
  let outboxRows: CommittedWork[] = [];
  let committed: (() => Promise<void>)[] = [];
  const result = await inTransaction(db, async (tx) => {
    outboxRows = [];
    committed = [];
    const committing: (() => Promise<void>)[] = [];
    const uow: UnitOfWork = {
      tx,
      emit: async (topic, payload) => {
        const id = await outbox.record(tx, topic, payload);
        outboxRows.push({ id, topic, requestId: tx.scope?.requestId ?? null });
        return id;
      },
      audit: async (action, details, customer = target) => {
        await AuditService.record(tx, principal, {
          customerId: customer?.dbId ?? null,
          customerNumber: customer?.customerNumber,
          action,
          details,
        });
        for (const listener of changeListeners) await listener(uow, action, details, customer);
      },
      beforeCommit: (task) => committing.push(task),
      afterCommit: (task) => committed.push(task),
    };
    const done = await work(uow);
    // What is recorded elsewhere must follow writes the database has taken, not deferred ones.
    if (committing.length) await tx.flush();
    for (const task of committing) await task();
    return done;
  });
  outbox.dispatchLater(outboxRows);
  for (const task of committed) await task();
  return result;
}

/**
 * Records that the caller read something the audit log must show (a download of a document, an
 * agreement, a certificate, an attachment or an export), in its own transaction, before the bytes
 * are sent: a download that cannot be audited does not happen.
 */
export function auditAccess(
  ctx: Context,
  action: string,
  details: Record<string, unknown>,
  customer: AuditedCustomer | null,
): Promise<void> {
  return unitOfWork({ db: ctx.db, outbox: ctx.outbox, principal: ctx.principal }, (uow) => uow.audit(action, details), customer);
}

/** A mutation's answer: what `reply` gives, with the userErrors when the unit of work was refused. */
export type Outcome<P> = (P & { userErrors: UserError[] }) | { userErrors: UserError[] };

interface Steps<R, P, X> {
  /** A sensitive change (step-up): refused with REAUTHENTICATION_REQUIRED unless the caller signed in recently. */
  stepUp?: boolean;
  /**
   * Makes the mutation idempotent under the caller's key: a repeat with the same input answers
   * with the first result (the write's result, stored as JSON, given to `reply` again) and writes
   * nothing; with other input it is refused with IDEMPOTENCY_KEY_REUSED.
   */
  idempotency?: IdempotentRequest;
  /**
   * Checks before the transaction, for slow work such as a password hash: no pooled connection
   * waits while it runs (under a credential-stuffing attack the pool would be the first to go).
   * Its Refusal is a userError like the write's; what it returns is handed to `write`.
   */
  prepare?: () => Promise<X>;
  /** The writes, in one transaction; a thrown Refusal rolls them back and becomes userErrors. */
  write: (uow: UnitOfWork, prepared: X) => Promise<R>;
  /** The payload, read after commit with fresh loaders; without it the write's result is the payload. */
  reply?: (written: R) => Promise<P> | P;
}

interface TargetedSteps<T, R, P, X> {
  /** A sensitive change (step-up): checked after the target is authorized, before anything runs. */
  stepUp?: boolean;
  /** As for mutateUntargeted; the target is loaded and authorized again for a repeat. */
  idempotency?: IdempotentRequest;
  prepare?: (target: T) => Promise<X>;
  write: (uow: UnitOfWork, target: T, prepared: X) => Promise<R>;
  reply?: (written: R, target: T) => Promise<P> | P;
}

/** The object a mutation changes, loaded before it is authorized: it belongs to `customer`. */
export interface Target {
  customer: AuditedCustomer | null;
}

/**
 * The unit of work of a mutation on something of one customer. The target is loaded, then
 * authorized with `rule` (FORBIDDEN alike for unknown and foreign ids, so nothing can be probed),
 * and handed to `write` typed, customer present. See `mutateUntargeted` for the rest.
 */
export async function mutate<T extends Target, R, P = R, X = undefined>(
  ctx: Context,
  { rule, load }: { rule: CustomerRule; load: Promise<T | null> },
  steps: TargetedSteps<T & { customer: NonNullable<T["customer"]> }, R, P, X>,
): Promise<Outcome<P>> {
  const target = await load;
  const customer = target?.customer ?? null;
  assertMay(ctx, rule, customer);
  const authorized = target as T & { customer: NonNullable<T["customer"]> };
  const { prepare } = steps;
  return run(
    ctx,
    steps,
    prepare && (() => prepare(authorized)),
    (uow, prepared) => steps.write(uow, authorized, prepared),
    (written) => (steps.reply ? steps.reply(written, authorized) : (written as unknown as P)),
    customer,
  );
}

/**
 * The unit of work of a mutation with no target customer, or no caller yet (sign-in, registration,
 * creating a customer, announcing maintenance): the resolver's own checks stand for authorization.
 */
export function mutateUntargeted<R, P = R, X = undefined>(ctx: Context, steps: Steps<R, P, X>): Promise<Outcome<P>> {
  return run(ctx, steps, steps.prepare, steps.write, (written) => (steps.reply ? steps.reply(written) : (written as unknown as P)), null);
}

async function run<R, P, X>(
  ctx: Context,
  { stepUp, idempotency }: { stepUp?: boolean; idempotency?: IdempotentRequest },
  prepare: (() => Promise<X>) | undefined,
  write: (uow: UnitOfWork, prepared: X) => Promise<R>,
  reply: (written: R) => Promise<P> | P,
  target: AuditedCustomer | null,
): Promise<Outcome<P>> {
  let written: R;
  try {
    if (stepUp) assertRecentAuthentication(ctx);
    const claim = IdempotencyClaim.of(ctx.principal, idempotency);
    const earlier = claim && (await claim.earlierResult(ctx.db));
    if (earlier) {
      written = earlier.result as R;
    } else {
      const prepared = (prepare ? await prepare() : undefined) as X;
      written = await unitOfWork(
        { db: ctx.db, outbox: ctx.outbox, principal: ctx.principal },
        async (uow) => {
          // Claimed first: a concurrent repeat waits on the key's row lock, not on the work.
          await claim?.claim(uow.tx);
          const result = await write(uow, prepared);
          await claim?.complete(uow.tx, result);
          return result;
        },
        target,
      ).catch(async (error) => {
        // A concurrent request with this key committed first: answer with its result.
        const stored = error instanceof IdempotencyKeyTaken && claim && (await claim.earlierResult(ctx.db));
        if (!stored) throw error;
        return stored.result as R;
      });
    }
  } catch (error) {
    if (error instanceof Refusal) return { userErrors: error.userErrors };
    throw error;
  }
  // What the payload reads must be what was just written, not what this request loaded before.
  ctx.loaders.clear();
  return { ...(await reply(written)), userErrors: [] };
}
