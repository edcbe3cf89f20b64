/**
 * Fixtures for the hold tests (place, settle, void): a member with three
 * grants of different expiries, the remaining credits per grant, and a
 * hold request for a generation.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/server/db/client';
import { creditGrants } from '../../src/server/db/schema';
import { ensureAccount } from '../../src/server/credits/ensure-account';
import { grantCredits } from '../../src/server/credits/grant-credits';
import { generationLedgerKeys } from '../../src/server/credits/ledger-keys';
import { T0, after, createMember, minutes } from './ledger';

export const days = (n: number) => minutes(n * 24 * 60);

/** A member with three grants: 5 expiring in 30 days, 10 never expiring, 3 expiring in 10 days. */
export async function memberWithGrants(db: Db) {
  const userId = await createMember(db);
  const grant = (amount: number, expiresAt: Date | null, name: string) =>
    grantCredits(db, {
      userId,
      amount,
      kind: 'admin',
      expiresAt,
      reason: name,
      idempotencyKey: `${name}:${userId}`,
      at: T0,
    });
  const month = await grant(5, after(days(30)), 'month');
  const forever = await grant(10, null, 'forever');
  const tenDays = await grant(3, after(days(10)), 'ten-days');
  const { accountId } = await ensureAccount(db, userId);
  return {
    userId,
    accountId,
    grants: { month: month.grantId, forever: forever.grantId, tenDays: tenDays.grantId },
  };
}

export async function remainingByGrant(db: Db, ids: Record<string, string>) {
  const result: Record<string, number> = {};
  for (const [name, id] of Object.entries(ids)) {
    const [row] = await db
      .select({ remaining: creditGrants.remaining })
      .from(creditGrants)
      .where(eq(creditGrants.id, id));
    result[name] = row!.remaining;
  }
  return result;
}

/** placeHold's input for a generation: timeout in 2 minutes, keyed as the generation flow keys it. */
export function holdFor(userId: string, amount: number, generationId = randomUUID()) {
  return {
    userId,
    amount,
    expiresAt: after(minutes(2)),
    reference: generationId,
    idempotencyKey: generationLedgerKeys(generationId).hold,
    at: T0,
  };
}
