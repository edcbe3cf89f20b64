import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import {
  T0,
  after,
  createMember,
  expectAppError,
  ledgerRowCounts,
  minutes,
} from '../../../tests/support/ledger';
import type { Database, Db } from '../db/client';
import { creditGrants, creditHoldAllocations, creditHolds } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { generationLedgerKeys } from './ledger-keys';
import { placeHold } from './place-hold';
import { settleHold } from './settle-hold';
import { voidHold } from './void-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const days = (n: number) => minutes(n * 24 * 60);

/** A member with three grants: 5 expiring in 30 days, 10 never expiring, 3 expiring in 10 days. */
async function memberWithGrants(db: Db) {
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

async function remainingByGrant(db: Db, ids: Record<string, string>) {
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

function holdFor(userId: string, amount: number, generationId = randomUUID()) {
  return {
    userId,
    amount,
    expiresAt: after(minutes(2)),
    reference: generationId,
    idempotencyKey: generationLedgerKeys(generationId).hold,
    at: T0,
  };
}

describe('placeHold', () => {
  it('moves credits to the held bucket, taking the soonest-expiring grants first', async () => {
    const db = database.db;
    const { userId, accountId, grants } = await memberWithGrants(db);
    const hold = await placeHold(db, holdFor(userId, 6));
    expect(hold).toMatchObject({ amount: 6, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 12, held: 6 });
    // 3 from the grant expiring in 10 days, then 3 from the one expiring in 30; the permanent grant is untouched.
    expect(await remainingByGrant(db, grants)).toEqual({ month: 2, forever: 10, tenDays: 0 });
    const allocations = await db
      .select({ grantId: creditHoldAllocations.grantId, amount: creditHoldAllocations.amount })
      .from(creditHoldAllocations)
      .where(eq(creditHoldAllocations.holdId, hold.holdId))
      .orderBy(asc(creditHoldAllocations.amount));
    expect(allocations).toEqual(
      expect.arrayContaining([
        { grantId: grants.tenDays, amount: 3 },
        { grantId: grants.month, amount: 3 },
      ]),
    );
    expect(allocations).toHaveLength(2);
    const [row] = await db.select().from(creditHolds).where(eq(creditHolds.id, hold.holdId));
    expect(row).toMatchObject({ accountId, status: 'open', amount: 6, expiresAt: after(minutes(2)) });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('uses the never-expiring grant last, and the older of two equal expiries first', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const expiresAt = after(days(7));
    const older = await grantCredits(db, {
      userId,
      amount: 2,
      kind: 'admin',
      expiresAt,
      reason: 'older',
      idempotencyKey: `older:${userId}`,
      at: T0,
    });
    const permanent = await grantCredits(db, {
      userId,
      amount: 2,
      kind: 'purchase',
      reason: 'permanent',
      idempotencyKey: `permanent:${userId}`,
      at: after(minutes(1)),
    });
    const newer = await grantCredits(db, {
      userId,
      amount: 2,
      kind: 'admin',
      expiresAt,
      reason: 'newer',
      idempotencyKey: `newer:${userId}`,
      at: after(minutes(2)),
    });
    await placeHold(db, holdFor(userId, 3));
    expect(
      await remainingByGrant(db, {
        older: older.grantId,
        newer: newer.grantId,
        permanent: permanent.grantId,
      }),
    ).toEqual({
      older: 0,
      newer: 1,
      permanent: 2,
    });
  });

  it('refuses a hold above the available balance with insufficient_credits, writing nothing', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    await placeHold(db, holdFor(userId, 10));
    const before = await ledgerRowCounts(db);
    const error = await expectAppError(placeHold(db, holdFor(userId, 9)), 'insufficient_credits');
    expect(error.status).toBe(402);
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 8, held: 10 });
    // Exactly the available balance still works.
    await placeHold(db, holdFor(userId, 8));
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 18 });
  });

  it('refuses a member without an account, and a retry of a refused key succeeds after a top-up', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const input = holdFor(userId, 4);
    await expectAppError(placeHold(db, input), 'insufficient_credits');
    await grantCredits(db, {
      userId,
      amount: 4,
      kind: 'admin',
      reason: 'top-up',
      idempotencyKey: `top:${userId}`,
      at: T0,
    });
    const hold = await placeHold(db, input);
    expect(hold.replayed).toBe(false);
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 4 });
  });

  it('answers a replay with the original hold; other parameters are idempotency_mismatch', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const input = holdFor(userId, 4);
    const first = await placeHold(db, input);
    const before = await ledgerRowCounts(db);
    // Later, and even after the hold's own timeout: still the same answer.
    expect(await placeHold(db, { ...input, at: after(minutes(10)) })).toEqual({ ...first, replayed: true });
    await expectAppError(placeHold(db, { ...input, amount: 5 }), 'idempotency_mismatch');
    await expectAppError(placeHold(db, { ...input, reference: 'another' }), 'idempotency_mismatch');
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 14, held: 4 });
  });

  it('refuses invalid amounts and a timeout that is not in the future', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const before = await ledgerRowCounts(db);
    await expectAppError(placeHold(db, holdFor(userId, 0)), 'validation_failed');
    await expectAppError(placeHold(db, holdFor(userId, 2.5)), 'validation_failed');
    await expectAppError(placeHold(db, { ...holdFor(userId, 1), expiresAt: T0 }), 'validation_failed');
    await expectAppError(placeHold(db, { ...holdFor(userId, 1), idempotencyKey: '' }), 'validation_failed');
    expect(await ledgerRowCounts(db)).toEqual(before);
  });

  it('commits or rolls back with the caller’s transaction', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const committed = await db.transaction((tx) => placeHold(tx, holdFor(userId, 2)));
    expect(committed.replayed).toBe(false);
    const failure = new Error('enqueue failed');
    await expect(
      db.transaction(async (tx) => {
        await placeHold(tx, holdFor(userId, 3));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await getBalance(db, userId)).toEqual({ available: 16, held: 2 });
  });

  it('leaves the caller’s transaction usable after a refused hold', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const outcome = await db.transaction(async (tx) => {
      await expectAppError(placeHold(tx, holdFor(userId, 100)), 'insufficient_credits');
      return placeHold(tx, holdFor(userId, 1));
    });
    expect(outcome.replayed).toBe(false);
    expect(await getBalance(db, userId)).toEqual({ available: 17, held: 1 });
  });
});

describe('settleHold', () => {
  it('charges the full hold to the spent account', async () => {
    const db = database.db;
    const { userId, accountId, grants } = await memberWithGrants(db);
    const generationId = randomUUID();
    const hold = await placeHold(db, holdFor(userId, 6, generationId));
    const keys = generationLedgerKeys(generationId);
    const settled = await settleHold(db, {
      holdId: hold.holdId,
      amount: 6,
      idempotencyKey: keys.settle,
      at: T0,
    });
    expect(settled).toEqual({ holdId: hold.holdId, settled: 6, released: 0, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 12, held: 0 });
    expect(await remainingByGrant(db, grants)).toEqual({ month: 2, forever: 10, tenDays: 0 });
    const [row] = await db.select().from(creditHolds).where(eq(creditHolds.id, hold.holdId));
    expect(row).toMatchObject({ status: 'settled', settledAmount: 6, resolvedAt: T0, voidReason: null });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('settles part of a hold: spends the soonest-expiring credits, returns the rest to its grants', async () => {
    const db = database.db;
    const { userId, accountId, grants } = await memberWithGrants(db);
    const hold = await placeHold(db, holdFor(userId, 6)); // 3 from tenDays, 3 from month
    const settled = await settleHold(db, {
      holdId: hold.holdId,
      amount: 4,
      idempotencyKey: `s:${hold.holdId}`,
      at: T0,
    });
    expect(settled).toMatchObject({ settled: 4, released: 2 });
    expect(await getBalance(db, userId)).toEqual({ available: 14, held: 0 });
    // spent: 3 (tenDays) + 1 (month); the 2 unspent go back to "month"
    expect(await remainingByGrant(db, grants)).toEqual({ month: 4, forever: 10, tenDays: 0 });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('resolves a hold once: a second settle or a void afterwards is hold_resolved; a replay repeats the answer', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const generationId = randomUUID();
    const keys = generationLedgerKeys(generationId);
    const hold = await placeHold(db, holdFor(userId, 5, generationId));
    const first = await settleHold(db, {
      holdId: hold.holdId,
      amount: 3,
      idempotencyKey: keys.settle,
      at: T0,
    });
    const before = await ledgerRowCounts(db);

    expect(
      await settleHold(db, { holdId: hold.holdId, amount: 3, idempotencyKey: keys.settle, at: after(1000) }),
    ).toEqual({
      ...first,
      replayed: true,
    });
    const error = await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 3, idempotencyKey: `${keys.settle}:again`, at: T0 }),
      'hold_resolved',
    );
    expect(error.status).toBe(409);
    await expectAppError(
      voidHold(db, { holdId: hold.holdId, reason: 'failure', idempotencyKey: keys.void('failure'), at: T0 }),
      'hold_resolved',
    );
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 2, idempotencyKey: keys.settle, at: T0 }),
      'idempotency_mismatch',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 15, held: 0 });
  });

  it('refuses amounts above the hold or below 1, and unknown holds', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const hold = await placeHold(db, holdFor(userId, 5));
    const before = await ledgerRowCounts(db);
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 6, idempotencyKey: 'x1', at: T0 }),
      'validation_failed',
    );
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 0, idempotencyKey: 'x2', at: T0 }),
      'validation_failed',
    );
    await expectAppError(
      settleHold(db, { holdId: randomUUID(), amount: 1, idempotencyKey: 'x3', at: T0 }),
      'not_found',
    );
    await expectAppError(
      voidHold(db, { holdId: randomUUID(), reason: 'cancel', idempotencyKey: 'x4', at: T0 }),
      'not_found',
    );
    await expectAppError(
      voidHold(db, { holdId: 'not-a-hold', reason: 'cancel', idempotencyKey: 'x5', at: T0 }),
      'not_found',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 13, held: 5 });
  });

  it('refuses a key already used by another operation as idempotency_mismatch', async () => {
    const db = database.db;
    const { userId } = await memberWithGrants(db);
    const hold = await placeHold(db, holdFor(userId, 2));
    const before = await ledgerRowCounts(db);
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 2, idempotencyKey: `forever:${userId}`, at: T0 }),
      'idempotency_mismatch',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
  });
});

describe('voidHold', () => {
  it('returns every credit to the grants it came from and records the reason', async () => {
    const db = database.db;
    const { userId, accountId, grants } = await memberWithGrants(db);
    const generationId = randomUUID();
    const keys = generationLedgerKeys(generationId);
    const hold = await placeHold(db, holdFor(userId, 9, generationId)); // 3 tenDays, 5 month, 1 forever
    expect(await remainingByGrant(db, grants)).toEqual({ month: 0, forever: 9, tenDays: 0 });
    const voided = await voidHold(db, {
      holdId: hold.holdId,
      reason: 'failure',
      idempotencyKey: keys.void('failure'),
      at: T0,
    });
    expect(voided).toEqual({ holdId: hold.holdId, settled: 0, released: 9, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 18, held: 0 });
    expect(await remainingByGrant(db, grants)).toEqual({ month: 5, forever: 10, tenDays: 3 });
    const [row] = await db.select().from(creditHolds).where(eq(creditHolds.id, hold.holdId));
    expect(row).toMatchObject({
      status: 'voided',
      voidReason: 'failure',
      settledAmount: null,
      resolvedAt: T0,
    });

    const before = await ledgerRowCounts(db);
    expect(
      await voidHold(db, {
        holdId: hold.holdId,
        reason: 'failure',
        idempotencyKey: keys.void('failure'),
        at: T0,
      }),
    ).toEqual({ ...voided, replayed: true });
    // The sweeper comes second under its own key: refused, not applied twice.
    await expectAppError(
      voidHold(db, { holdId: hold.holdId, reason: 'expiry', idempotencyKey: keys.void('expiry'), at: T0 }),
      'hold_resolved',
    );
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 9, idempotencyKey: keys.settle, at: T0 }),
      'hold_resolved',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('resolves exactly once when a settle and a void race', async () => {
    const db = database.db;
    const { userId, accountId } = await memberWithGrants(db);
    for (let round = 0; round < 5; round++) {
      const generationId = randomUUID();
      const keys = generationLedgerKeys(generationId);
      const hold = await placeHold(db, holdFor(userId, 2, generationId));
      const outcomes = await Promise.allSettled([
        settleHold(db, { holdId: hold.holdId, amount: 2, idempotencyKey: keys.settle, at: T0 }),
        voidHold(db, { holdId: hold.holdId, reason: 'expiry', idempotencyKey: keys.void('expiry'), at: T0 }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected');
      expect((rejected?.reason as { code?: string }).code).toBe('hold_resolved');
    }
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(report.ok).toBe(true);
    expect(report.figures?.openHolds).toBe(0);
  });
});
