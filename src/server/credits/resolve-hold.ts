/**
 * The one way a hold ends, shared by settle and void. A hold resolves
 * exactly once, guarded three times over: the hold row is read under its
 * account's lock, the status changes only by `UPDATE … WHERE status = 'open'
 * RETURNING`, and the journal's unique index on the resolving transaction
 * per hold refuses a second resolution even from code that skipped both.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditHolds, type HoldVoidReason } from '../db/schema';
import { AppError } from '../errors';
import { lockAccountOfHold } from './account-lock';
import { abortTransaction, resolveHoldStatement } from './hold-statements';
import { invalid, requireKey } from './inputs';
import { withinTransaction } from './within-transaction';
import { assertSameRequest, findTransactionByKey, fingerprintOf, type Fingerprinted } from './journal';
import { postgresErrorOf, UNIQUE_VIOLATION } from './postgres-error';

export interface HoldResolution {
  holdId: string;
  /** Charged to the member (moved to the spent account). */
  settled: number;
  /** Given back to the member's available credits. */
  released: number;
  replayed: boolean;
}

export type ResolveRequest = { holdId: string; idempotencyKey: string; at: Date } & (
  { kind: 'settle'; amount: number } | { kind: 'void'; reason: HoldVoidReason }
);

function alreadyResolved(holdId: string, status: string, cause?: unknown): AppError {
  return new AppError('hold_resolved', { detail: `hold ${holdId} is already ${status}`, cause });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function resolveHold(db: Db, request: ResolveRequest): Promise<HoldResolution> {
  requireKey(request.idempotencyKey);
  // Hold ids are UUIDs; anything else cannot name a hold (and would be a type error in SQL).
  if (!UUID.test(request.holdId))
    throw new AppError('not_found', { detail: `hold ${request.holdId} does not exist` });
  const params: Fingerprinted =
    request.kind === 'settle'
      ? { holdId: request.holdId, amount: request.amount }
      : { holdId: request.holdId, reason: request.reason };
  try {
    return await withinTransaction(db, async (tx) => {
      const account = await lockAccountOfHold(tx, request.holdId);
      if (!account) throw new AppError('not_found', { detail: `hold ${request.holdId} does not exist` });
      // No row lock needed: the account lock serialises every change to its holds.
      const [hold] = await tx.select().from(creditHolds).where(eq(creditHolds.id, request.holdId));
      if (!hold) throw new Error(`hold ${request.holdId} vanished`);

      if (hold.status !== 'open') {
        // Either this very request again (answer as before) or a second resolution (refused).
        const existing = await findTransactionByKey(tx, request.idempotencyKey);
        if (!existing) throw alreadyResolved(hold.id, hold.status);
        assertSameRequest(existing, request.kind, fingerprintOf(request.kind, params));
        const settled = request.kind === 'settle' ? existing.amount : 0;
        return { holdId: hold.id, settled, released: hold.amount - settled, replayed: true };
      }

      const settled = request.kind === 'settle' ? request.amount : 0;
      if (
        request.kind === 'settle' &&
        (!Number.isSafeInteger(settled) || settled < 1 || settled > hold.amount)
      ) {
        throw invalid('amount', `settle amount must be from 1 to the held ${hold.amount}, got ${settled}`);
      }
      const released = hold.amount - settled;
      const result = await resolveHoldStatement(tx, {
        holdId: hold.id,
        accountId: account.id,
        holdAmount: hold.amount,
        kind: request.kind,
        settled,
        reason: request.kind === 'void' ? request.reason : null,
        idempotencyKey: request.idempotencyKey,
        fingerprint: fingerprintOf(request.kind, params),
        at: request.at,
      });
      if (result.transactionId === null) {
        // The key is taken: by a different operation (refused), or by this very request, which
        // cannot have resolved a hold that is still open.
        const existing = await findTransactionByKey(tx, request.idempotencyKey);
        if (existing) assertSameRequest(existing, request.kind, fingerprintOf(request.kind, params));
        throw new Error(`key ${request.idempotencyKey} is recorded but hold ${hold.id} is open`);
      }
      // The hold was read open under the account's lock, and the account holds at least its
      // amount: anything else is a corrupt ledger, and nothing of this may commit.
      if (result.resolved !== 1 || result.moved !== 1 || result.returned !== released) {
        return abortTransaction(
          tx,
          new Error(
            `hold ${hold.id}: resolved ${result.resolved}, account moved ${result.moved}, ` +
              `${result.returned} of ${released} credits given back to grants`,
          ),
        );
      }
      return { holdId: hold.id, settled, released, replayed: false };
    });
  } catch (error) {
    const info = postgresErrorOf(error);
    if (info?.code === UNIQUE_VIOLATION && info.constraint === 'ledger_transactions_hold_resolution_idx') {
      throw alreadyResolved(request.holdId, 'resolved', error);
    }
    throw error;
  }
}
