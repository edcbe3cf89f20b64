/**
 * How a credit-history entry is shown. Each entry moves credits between the
 * member's two balances: a grant adds to "available", a hold moves credits
 * from available to held, a settle spends held ones, a void (refund) moves
 * them back, expiry and revocation remove available ones. The figure people
 * look for is the change to what they can spend; an entry that only touches
 * held credits (a settle) shows that change instead.
 */
import type { CreditEntry, CreditEntryKind } from '../generation/types';

export interface BalanceChange {
  balance: 'available' | 'held';
  amount: number;
}

/** Whether an entry of this kind adds to the member's credits (+) or takes from them (−). */
const kindSign: Record<CreditEntryKind, 1 | -1> = {
  grant: 1,
  void: 1,
  hold: -1,
  settle: -1,
  expire: -1,
  revoke: -1,
};

/** The headline change and, below it, every balance the entry touched. */
export function entryChanges(entry: CreditEntry): { primary: BalanceChange; changes: BalanceChange[] } {
  const changes: BalanceChange[] = [];
  if (entry.availableChange !== 0) changes.push({ balance: 'available', amount: entry.availableChange });
  if (entry.heldChange !== 0) changes.push({ balance: 'held', amount: entry.heldChange });
  const primary = changes[0] ?? {
    balance: 'available',
    amount: kindSign[entry.kind] * Math.abs(entry.amount),
  };
  return { primary, changes };
}

/**
 * Hold, settle and void entries belong to a generation, which the history
 * can open; those of a paid prompt suggestion (`prompt:<id>`, decision 017)
 * to nothing that can be opened.
 */
export function generationOf(entry: CreditEntry): string | null {
  if (entry.kind !== 'hold' && entry.kind !== 'settle' && entry.kind !== 'void') return null;
  return entry.reference?.startsWith('prompt:') ? null : entry.reference;
}

/**
 * Reason codes the ledger is known to record. The API may send a code
 * rather than a label; a known code is shown in the reader's language, and
 * anything else (a label, an admin's note) as it came.
 */
export const knownReasons = [
  'starter',
  'cancel',
  'failure',
  'expiry',
  'purchase',
  'subscription',
  'refund',
  'dispute',
] as const;
export type KnownReason = (typeof knownReasons)[number];

export function knownReason(reason: string | null): KnownReason | null {
  return reason !== null && (knownReasons as readonly string[]).includes(reason)
    ? (reason as KnownReason)
    : null;
}
