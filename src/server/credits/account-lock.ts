/**
 * The lock order of the ledger: every operation first locks the one member
 * account it changes (`SELECT … FOR UPDATE`), then claims its key, then
 * touches grants, holds and allocations of that account. System accounts
 * are never locked or updated (they keep no cached balance), so two
 * operations can only wait on each other for the same member account, and
 * no cycle can form. Code that handles several accounts in one transaction
 * (the expiry sweep) takes them in id order.
 *
 * Under READ COMMITTED, statements after the lock see everything committed
 * before it, so reads of an account's grants and holds that follow are
 * current.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts, creditHolds } from '../db/schema';

export interface LockedAccount {
  id: string;
  available: number;
  held: number;
}

const lockedColumns = {
  id: creditAccounts.id,
  available: creditAccounts.available,
  held: creditAccounts.held,
};

export async function lockUserAccount(tx: Db, userId: string): Promise<LockedAccount | undefined> {
  const [row] = await tx
    .select(lockedColumns)
    .from(creditAccounts)
    .where(and(eq(creditAccounts.userId, userId), eq(creditAccounts.kind, 'user')))
    .for('update');
  return row;
}

export async function lockAccountById(tx: Db, accountId: string): Promise<LockedAccount | undefined> {
  const [row] = await tx
    .select(lockedColumns)
    .from(creditAccounts)
    .where(and(eq(creditAccounts.id, accountId), eq(creditAccounts.kind, 'user')))
    .for('update');
  return row;
}

/** Locks the account a hold belongs to (only the account row: holds change only under their account's lock). */
export async function lockAccountOfHold(tx: Db, holdId: string): Promise<LockedAccount | undefined> {
  const [row] = await tx
    .select(lockedColumns)
    .from(creditAccounts)
    .innerJoin(creditHolds, eq(creditHolds.accountId, creditAccounts.id))
    .where(eq(creditHolds.id, holdId))
    .for('update', { of: creditAccounts });
  return row;
}
