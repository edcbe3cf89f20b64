/**
 * Adds credits to a member's account: the starter grant at sign-up, a
 * purchase or subscription renewal (from a Stripe webhook), an admin grant
 * or a refund. Each grant is drawn from the `issued` system account and
 * remembers its own expiry, so spending and expiry can work per grant.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts, creditGrants, type CreditGrantKind } from '../db/schema';
import { AppError } from '../errors';
import { lockAccountById } from './account-lock';
import { ensureAccount } from './ensure-account';
import { requireAmount, requireFuture, requireKey, requireText } from './inputs';
import { claimTransaction, writeEntries } from './journal';
import { systemAccounts } from './system-accounts';

export interface GrantCreditsInput {
  userId: string;
  amount: number;
  kind: CreditGrantKind;
  /** When the unspent part expires; omit for credits that never expire (purchases). */
  expiresAt?: Date | null;
  /** Shown in the member's history and the audit trail. */
  reason: string;
  /** E.g. `starter:<userId>`, `stripe:<checkout session id>`. */
  idempotencyKey: string;
  /** The payment behind the grant (Checkout Session or invoice id): one grant per payment (L5). */
  sourceRef?: string | null;
  /** The admin who granted by hand. */
  actorId?: string | null;
  /** When the grant is recorded (the injected clock). */
  at: Date;
}

export interface GrantCreditsResult {
  grantId: string;
  amount: number;
  expiresAt: Date | null;
  /** True when the key had already been applied and nothing was written; the rest is the original result. */
  replayed: boolean;
}

/**
 * Grants credits once per idempotency key. A replay with the same
 * parameters answers the original grant; the same key with other
 * parameters is `idempotency_mismatch`; a second grant for the same
 * `sourceRef` under another key is `conflict`.
 */
export async function grantCredits(db: Db, input: GrantCreditsInput): Promise<GrantCreditsResult> {
  requireAmount('amount', input.amount);
  requireText('reason', input.reason);
  requireKey(input.idempotencyKey);
  const expiresAt = input.expiresAt ?? null;
  const sourceRef = input.sourceRef ?? null;
  return db.transaction(async (tx) => {
    const { accountId } = await ensureAccount(tx, input.userId);
    const account = await lockAccountById(tx, accountId);
    if (!account) throw new Error(`credit account ${accountId} vanished`);
    const claim = await claimTransaction(tx, {
      kind: 'grant',
      accountId,
      amount: input.amount,
      reason: input.reason,
      actorId: input.actorId ?? null,
      idempotencyKey: input.idempotencyKey,
      params: {
        userId: input.userId,
        amount: input.amount,
        grantKind: input.kind,
        expiresAt: expiresAt?.toISOString() ?? null,
        reason: input.reason,
        sourceRef,
        actorId: input.actorId ?? null,
      },
      at: input.at,
    });
    if (!claim.claimed) {
      return { grantId: claim.existing.id, amount: claim.existing.amount, expiresAt, replayed: true };
    }
    if (expiresAt) requireFuture('expiresAt', expiresAt, input.at);

    const grantId = claim.transactionId;
    const [grant] = await tx
      .insert(creditGrants)
      .values({
        id: grantId,
        accountId,
        kind: input.kind,
        amount: input.amount,
        remaining: input.amount,
        expiresAt,
        sourceRef,
        reason: input.reason,
        createdAt: input.at,
      })
      .onConflictDoNothing({ target: creditGrants.sourceRef })
      .returning({ id: creditGrants.id });
    if (!grant) {
      throw new AppError('conflict', { detail: `source ${sourceRef} has already been credited` });
    }
    await tx
      .update(creditAccounts)
      .set({ available: sql`${creditAccounts.available} + ${input.amount}` })
      .where(eq(creditAccounts.id, accountId));
    await writeEntries(tx, grantId, [
      { accountId, bucket: 'available', amount: input.amount },
      { accountId: systemAccounts.issued, bucket: 'available', amount: -input.amount },
    ]);
    return { grantId, amount: input.amount, expiresAt, replayed: false };
  });
}
