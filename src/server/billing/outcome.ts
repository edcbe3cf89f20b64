import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

/** What applying one inbox event did; becomes the row's status and note. */
export type ApplyOutcome =
  | { status: 'applied'; note?: string }
  | { status: 'ignored'; note: string }
  | { status: 'flagged'; note: string }
  | { status: 'deferred'; note: string; deferKey: string };

export const applied = (note?: string): ApplyOutcome => ({ status: 'applied', ...(note ? { note } : {}) });
export const ignored = (note: string): ApplyOutcome => ({ status: 'ignored', note });
export const flagged = (note: string): ApplyOutcome => ({ status: 'flagged', note });
export const deferred = (deferKey: string, note: string): ApplyOutcome => ({
  status: 'deferred',
  note,
  deferKey,
});

/** Stripe expands some fields to objects; the platform only ever needs their ids. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

export const fromUnix = (seconds: unknown): Date | null =>
  typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : null;

/**
 * Serializes everything done about one payment (its credit, its refunds and
 * disputes) across transactions: without it, a refund applied while the
 * purchase's credit is still uncommitted finds no paid order, waits, and
 * can miss the requeue that the credit's transaction does.
 */
export async function lockPayment(tx: Pick<Db, 'execute'>, paymentIntentId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`pi:${paymentIntentId}`}, 0))`);
}
