/** What the hold sweeper voids: open holds whose timeout has passed. */
import { and, asc, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditHolds } from '../db/schema';

export interface ExpiredHold {
  holdId: string;
  accountId: string;
  amount: number;
  reference: string;
  expiresAt: Date;
}

/**
 * Open holds that expired at or before `now`, oldest timeout first, at most
 * `limit` of them (the sweeper pages by calling again after voiding).
 */
export async function findOpenHoldsExpiredBefore(db: Db, now: Date, limit: number): Promise<ExpiredHold[]> {
  return (
    db
      .select({
        holdId: creditHolds.id,
        accountId: creditHolds.accountId,
        amount: creditHolds.amount,
        reference: creditHolds.reference,
        expiresAt: creditHolds.expiresAt,
      })
      .from(creditHolds)
      .where(and(eq(creditHolds.status, 'open'), lte(creditHolds.expiresAt, now)))
      .orderBy(asc(creditHolds.expiresAt), asc(creditHolds.id))
      // At most 1,000 per call: each one is voided in its own transaction, so a page is a few seconds of work.
      .limit(Math.max(1, Math.min(limit, 1000)))
  );
}
