/**
 * Which grants credits come from. Spending (a hold, a revoke) takes the
 * soonest-expiring credits first, then the oldest, so a member loses as
 * little as possible to expiry; grants that never expire are used last. A
 * hold's credits are taken, and given back when it is voided or settled for
 * less, in this order by the statements of hold-statements.ts. Callers hold the account lock (account-lock.ts), so the
 * grants read here cannot change underneath.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditGrants } from '../db/schema';

export interface GrantPart {
  grantId: string;
  amount: number;
}

/** Soonest-expiring first (never-expiring last), then oldest; the id breaks ties so the order is total. */
export const spendOrder = [
  sql`${creditGrants.expiresAt} asc nulls last`,
  asc(creditGrants.createdAt),
  asc(creditGrants.id),
];

/**
 * Takes `amount` from the account's grants in spending order and returns
 * what came from which grant. The sum of remaining credits equals the
 * cached available balance, which the caller has just checked, so running
 * short means the ledger is corrupt: that aborts the transaction.
 */
export async function takeFromGrants(tx: Db, accountId: string, amount: number): Promise<GrantPart[]> {
  const grants = await tx
    .select({ id: creditGrants.id, remaining: creditGrants.remaining })
    .from(creditGrants)
    .where(and(eq(creditGrants.accountId, accountId), gt(creditGrants.remaining, 0)))
    .orderBy(...spendOrder)
    .for('update');
  const parts: GrantPart[] = [];
  let left = amount;
  for (const grant of grants) {
    if (left === 0) break;
    const take = Math.min(left, grant.remaining);
    parts.push({ grantId: grant.id, amount: take });
    left -= take;
  }
  if (left > 0) {
    throw new Error(`credit account ${accountId}: grants hold ${amount - left} credits, ${amount} needed`);
  }
  for (const part of parts) {
    await tx
      .update(creditGrants)
      .set({ remaining: sql`${creditGrants.remaining} - ${part.amount}` })
      .where(eq(creditGrants.id, part.grantId));
  }
  return parts;
}
