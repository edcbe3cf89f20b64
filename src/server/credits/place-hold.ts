/**
 * Reserves credits for a piece of work (a generation) before it runs. The
 * credits move from the available bucket to the held bucket; a settle
 * charges them, a void gives them back. Pass the generation pipeline's open
 * transaction as `db` so the generation, its hold and its job commit
 * together.
 */
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts, creditHoldAllocations, creditHolds } from '../db/schema';
import { AppError } from '../errors';
import { lockUserAccount } from './account-lock';
import { takeFromGrants } from './grant-spending';
import { requireAmount, requireFuture, requireKey, requireText } from './inputs';
import { claimTransaction, writeEntries } from './journal';

export interface PlaceHoldInput {
  userId: string;
  amount: number;
  /** The hold timeout: the sweeper voids the hold after this (see findOpenHoldsExpiredBefore). */
  expiresAt: Date;
  /** What the credits are held for, e.g. the generation id. */
  reference: string;
  /** Derived from the reference, e.g. `gen:<id>:hold` (see ledger-keys.ts). */
  idempotencyKey: string;
  at: Date;
}

export interface PlaceHoldResult {
  holdId: string;
  amount: number;
  expiresAt: Date;
  reference: string;
  replayed: boolean;
}

function insufficient(userId: string, amount: number): AppError {
  return new AppError('insufficient_credits', { detail: `user ${userId} cannot hold ${amount} credits` });
}

/**
 * Places a hold, or throws `insufficient_credits` (402). The balance test
 * is the conditional `UPDATE … WHERE available >= amount` on the locked
 * account row, backed by `CHECK (available >= 0)`: concurrent holds can
 * never overspend. A refused hold writes nothing, not even its key, so a
 * retry after a top-up can succeed.
 */
export async function placeHold(db: Db, input: PlaceHoldInput): Promise<PlaceHoldResult> {
  requireAmount('amount', input.amount);
  requireText('reference', input.reference, 200);
  requireKey(input.idempotencyKey);
  return db.transaction(async (tx) => {
    const account = await lockUserAccount(tx, input.userId);
    if (!account) throw insufficient(input.userId, input.amount);
    const claim = await claimTransaction(tx, {
      kind: 'hold',
      accountId: account.id,
      amount: input.amount,
      idempotencyKey: input.idempotencyKey,
      params: {
        userId: input.userId,
        amount: input.amount,
        expiresAt: input.expiresAt.toISOString(),
        reference: input.reference,
      },
      at: input.at,
    });
    if (!claim.claimed) {
      return {
        holdId: claim.existing.id,
        amount: input.amount,
        expiresAt: input.expiresAt,
        reference: input.reference,
        replayed: true,
      };
    }
    requireFuture('expiresAt', input.expiresAt, input.at);

    const [moved] = await tx
      .update(creditAccounts)
      .set({
        available: sql`${creditAccounts.available} - ${input.amount}`,
        held: sql`${creditAccounts.held} + ${input.amount}`,
      })
      .where(and(eq(creditAccounts.id, account.id), gte(creditAccounts.available, input.amount)))
      .returning({ id: creditAccounts.id });
    if (!moved) throw insufficient(input.userId, input.amount);

    const holdId = claim.transactionId;
    await tx.insert(creditHolds).values({
      id: holdId,
      accountId: account.id,
      amount: input.amount,
      expiresAt: input.expiresAt,
      reference: input.reference,
      createdAt: input.at,
    });
    const parts = await takeFromGrants(tx, account.id, input.amount);
    await tx.insert(creditHoldAllocations).values(parts.map((part) => ({ holdId, ...part })));
    await writeEntries(tx, holdId, [
      { accountId: account.id, bucket: 'available', amount: -input.amount },
      { accountId: account.id, bucket: 'held', amount: input.amount },
    ]);
    return {
      holdId,
      amount: input.amount,
      expiresAt: input.expiresAt,
      reference: input.reference,
      replayed: false,
    };
  });
}
