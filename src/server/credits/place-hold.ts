/**
 * Reserves credits for a piece of work (a generation) before it runs. The
 * credits move from the available bucket to the held bucket; a settle
 * charges them, a void gives them back. Pass the generation pipeline's open
 * transaction as `db` so the generation, its hold and its job commit
 * together.
 */
import type { Db } from '../db/client';
import type { LedgerTransaction } from '../db/schema';
import { AppError } from '../errors';
import { lockUserAccount } from './account-lock';
import { abortTransaction, placeHoldStatement } from './hold-statements';
import { withinTransaction } from './within-transaction';
import { requireAmount, requireFuture, requireKey, requireText } from './inputs';
import { assertSameRequest, findTransactionByKey, fingerprintOf } from './journal';

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
 * retry after a top-up can succeed. Two statements: the account lock, then
 * everything else (hold-statements.ts).
 */
export async function placeHold(db: Db, input: PlaceHoldInput): Promise<PlaceHoldResult> {
  requireAmount('amount', input.amount);
  requireText('reference', input.reference, 200);
  requireKey(input.idempotencyKey);
  const params = {
    userId: input.userId,
    amount: input.amount,
    expiresAt: input.expiresAt.toISOString(),
    reference: input.reference,
  };
  const fingerprint = fingerprintOf('hold', params);
  const replay = (existing: LedgerTransaction): PlaceHoldResult => {
    assertSameRequest(existing, 'hold', fingerprint);
    return {
      holdId: existing.id,
      amount: input.amount,
      expiresAt: input.expiresAt,
      reference: input.reference,
      replayed: true,
    };
  };
  return withinTransaction(db, async (tx) => {
    const account = await lockUserAccount(tx, input.userId);
    if (!account) throw insufficient(input.userId, input.amount);
    if (input.expiresAt.getTime() <= input.at.getTime()) {
      // Only a replay of a hold placed earlier may carry a timeout that has passed.
      const existing = await findTransactionByKey(tx, input.idempotencyKey);
      if (existing) return replay(existing);
      requireFuture('expiresAt', input.expiresAt, input.at);
    }
    const placed = await placeHoldStatement(tx, {
      accountId: account.id,
      amount: input.amount,
      idempotencyKey: input.idempotencyKey,
      fingerprint,
      expiresAt: input.expiresAt,
      reference: input.reference,
      at: input.at,
    });
    if (placed.holdId === null) {
      // Nothing was written. The key was taken: the same request again (answer as before) or
      // a different one (refused); or it is free and the account has too few credits.
      const existing = await findTransactionByKey(tx, input.idempotencyKey);
      if (existing) return replay(existing);
      throw insufficient(input.userId, input.amount);
    }
    // The grants hold exactly the available balance just checked; less means a corrupt ledger.
    if (placed.moved !== 1 || placed.allocated !== input.amount) {
      return abortTransaction(
        tx,
        new Error(
          `credit account ${account.id}: grants hold ${placed.allocated} credits, ${input.amount} needed`,
        ),
      );
    }
    return {
      holdId: placed.holdId,
      amount: input.amount,
      expiresAt: input.expiresAt,
      reference: input.reference,
      replayed: false,
    };
  });
}
