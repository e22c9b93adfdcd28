import { Transaction } from "../platform/transactions";
import { EmailVerificationPurpose as Purpose } from "./email-verification.enums";

/**
 * What confirming a new address changes, supplied by the module that owns the row: verifications
 * never write another module's table. The owners register at start-up (src/app.ts).
 */
export interface EmailTarget {
  /** Locks the target row in the confirming transaction; its address in use, or undefined when the row is gone. */
  lock(tx: Transaction, targetId: number): Promise<{ email: string | null } | undefined>;
  /** Puts the confirmed address in use. A unique address taken meanwhile fails with ER_DUP_ENTRY. */
  apply(tx: Transaction, targetId: number, email: string): Promise<void>;
}

const targets = new Map<Purpose, EmailTarget>();

export function registerEmailTarget(purpose: Purpose, target: EmailTarget): void {
  targets.set(purpose, target);
}

export function emailTargetOf(purpose: Purpose): EmailTarget {
  const target = targets.get(purpose);
  if (!target) throw new Error(`no module applies confirmed ${purpose} addresses (registerEmailTargets not called)`);
  return target;
}
