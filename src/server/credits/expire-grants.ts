/**
 * The expiry sweep: moves the unspent credits of grants past their
 * `expires_at` to the expired account. Credits on an open hold are not
 * touched (the work may still succeed); if the hold is voided later they
 * return to their expired grant and the next run expires them. Until a run
 * happens, expired credits remain spendable, so expiry is exact to within
 * the sweep interval (decision 011).
 */
import { and, eq, gt, gte, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts, creditGrants } from '../db/schema';
import { lockAccountById } from './account-lock';
import { spendOrder } from './grant-spending';
import { claimTransaction, writeEntries } from './journal';
import { systemAccounts } from './system-accounts';

export interface ExpireGrantsResult {
  /** Grants whose remaining credits were expired in this run. */
  grants: number;
  /** Credits moved to the expired account. */
  credits: number;
}

/** Accounts per batch: each is its own short transaction, so one run never holds many locks. */
const BATCH_SIZE = 200;

const isDue = (now: Date) =>
  and(gt(creditGrants.remaining, 0), isNotNull(creditGrants.expiresAt), lte(creditGrants.expiresAt, now));

/** Expires every grant due at `now`, one account at a time, in account id order (the lock order). */
export async function expireGrants(db: Db, now: Date): Promise<ExpireGrantsResult> {
  const total: ExpireGrantsResult = { grants: 0, credits: 0 };
  for (;;) {
    const due = await db
      .selectDistinct({ accountId: creditGrants.accountId })
      .from(creditGrants)
      .where(isDue(now))
      .orderBy(creditGrants.accountId)
      .limit(BATCH_SIZE);
    let progressed = false;
    for (const { accountId } of due) {
      const done = await expireAccountGrants(db, accountId, now);
      total.grants += done.grants;
      total.credits += done.credits;
      progressed ||= done.grants > 0;
    }
    // A short batch was the last one; a batch without progress would only repeat itself.
    if (due.length < BATCH_SIZE || !progressed) return total;
  }
}

async function expireAccountGrants(db: Db, accountId: string, now: Date): Promise<ExpireGrantsResult> {
  return db.transaction(async (tx) => {
    const done: ExpireGrantsResult = { grants: 0, credits: 0 };
    const account = await lockAccountById(tx, accountId);
    if (!account) return done;
    const grants = await tx
      .select({ id: creditGrants.id, remaining: creditGrants.remaining, expired: creditGrants.expired })
      .from(creditGrants)
      .where(and(eq(creditGrants.accountId, accountId), isDue(now)))
      .orderBy(...spendOrder)
      .for('update');
    for (const grant of grants) {
      const claim = await claimTransaction(tx, {
        kind: 'expire',
        accountId,
        amount: grant.remaining,
        grantId: grant.id,
        // A grant can expire more than once (a void returns credits to it);
        // the total expired before this run tells the occurrences apart.
        idempotencyKey: `grant:${grant.id}:expire:${grant.expired}`,
        params: { grantId: grant.id, expiredBefore: grant.expired, amount: grant.remaining },
        at: now,
      });
      if (!claim.claimed) continue;
      await tx
        .update(creditGrants)
        .set({ remaining: 0, expired: sql`${creditGrants.expired} + ${grant.remaining}` })
        .where(eq(creditGrants.id, grant.id));
      const [moved] = await tx
        .update(creditAccounts)
        .set({ available: sql`${creditAccounts.available} - ${grant.remaining}` })
        .where(and(eq(creditAccounts.id, accountId), gte(creditAccounts.available, grant.remaining)))
        .returning({ id: creditAccounts.id });
      if (!moved)
        throw new Error(`credit account ${accountId} has less available than grant ${grant.id} holds`);
      await writeEntries(tx, claim.transactionId, [
        { accountId, bucket: 'available', amount: -grant.remaining },
        { accountId: systemAccounts.expired, bucket: 'available', amount: grant.remaining },
      ]);
      done.grants += 1;
      done.credits += grant.remaining;
    }
    return done;
  });
}
