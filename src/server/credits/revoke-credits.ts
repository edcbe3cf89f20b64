/**
 * Takes credits back from a member: an admin correction, or a claw-back
 * after a refunded or disputed payment. Over-revoke policy (decision 011):
 * only available credits can be revoked, never held ones (they belong to
 * work in flight) and never below zero (no debt). When the member has fewer
 * available credits than asked, the revoke is refused, or, with
 * `allowPartial`, takes what there is and records the part it could not
 * take as `unrecovered` on the transaction, for the operator to follow up.
 */
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts } from '../db/schema';
import { AppError } from '../errors';
import { lockUserAccount } from './account-lock';
import { takeFromGrants } from './grant-spending';
import { requireAmount, requireKey, requireText } from './inputs';
import { claimTransaction, writeEntries } from './journal';
import { systemAccounts } from './system-accounts';

export interface RevokeCreditsInput {
  userId: string;
  amount: number;
  reason: string;
  /** The admin, or null when the platform revokes on its own (a refunded payment). */
  actorId: string | null;
  idempotencyKey: string;
  /** Take what is available instead of refusing when the member has less than `amount`. */
  allowPartial: boolean;
  at: Date;
}

export interface RevokeCreditsResult {
  transactionId: string;
  /** Credits actually taken. */
  revoked: number;
  /** Requested but not available (only with allowPartial; otherwise the revoke is refused). */
  unrecovered: number;
  replayed: boolean;
}

/** Revokes from the soonest-expiring grants first, the same order spending uses. */
export async function revokeCredits(db: Db, input: RevokeCreditsInput): Promise<RevokeCreditsResult> {
  requireAmount('amount', input.amount);
  requireText('reason', input.reason);
  requireKey(input.idempotencyKey);
  return db.transaction(async (tx) => {
    const account = await lockUserAccount(tx, input.userId);
    if (!account) throw new AppError('not_found', { detail: `user ${input.userId} has no credit account` });
    const revoked = Math.min(input.amount, account.available);
    const claim = await claimTransaction(tx, {
      kind: 'revoke',
      accountId: account.id,
      amount: revoked,
      unrecovered: input.amount - revoked,
      reason: input.reason,
      actorId: input.actorId,
      idempotencyKey: input.idempotencyKey,
      params: {
        userId: input.userId,
        amount: input.amount,
        reason: input.reason,
        actorId: input.actorId,
        allowPartial: input.allowPartial,
      },
      at: input.at,
    });
    if (!claim.claimed) {
      return {
        transactionId: claim.existing.id,
        revoked: claim.existing.amount,
        unrecovered: claim.existing.unrecovered,
        replayed: true,
      };
    }
    if (revoked < input.amount && !input.allowPartial) {
      throw new AppError('insufficient_credits', {
        detail: `user ${input.userId} has ${account.available} available credits, ${input.amount} to revoke`,
      });
    }
    if (revoked > 0) {
      const [moved] = await tx
        .update(creditAccounts)
        .set({ available: sql`${creditAccounts.available} - ${revoked}` })
        .where(and(eq(creditAccounts.id, account.id), gte(creditAccounts.available, revoked)))
        .returning({ id: creditAccounts.id });
      if (!moved) throw new Error(`credit account ${account.id} changed under its lock`);
      await takeFromGrants(tx, account.id, revoked);
    }
    await writeEntries(tx, claim.transactionId, [
      { accountId: account.id, bucket: 'available', amount: -revoked },
      { accountId: systemAccounts.revoked, bucket: 'available', amount: revoked },
    ]);
    return {
      transactionId: claim.transactionId,
      revoked,
      unrecovered: input.amount - revoked,
      replayed: false,
    };
  });
}
