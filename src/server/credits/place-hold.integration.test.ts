import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { days, holdFor, memberWithGrants, remainingByGrant } from '../../../tests/support/hold-fixtures';
import {
  T0,
  after,
  createMember,
  expectAppError,
  ledgerRowCounts,
  minutes,
} from '../../../tests/support/ledger';
import type { Database } from '../db/client';
import { creditGrants, creditHoldAllocations, creditHolds } from '../db/schema';
import { checkLedger } from './checker';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { placeHold } from './place-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

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
    const before = await ledgerRowCounts(db);
    const outcome = await db.transaction(async (tx) => {
      await expectAppError(placeHold(tx, holdFor(userId, 100)), 'insufficient_credits');
      // The refused hold wrote nothing, not even its key, though the transaction goes on.
      expect(await ledgerRowCounts(tx)).toEqual(before);
      return placeHold(tx, holdFor(userId, 1));
    });
    expect(outcome.replayed).toBe(false);
    expect(await getBalance(db, userId)).toEqual({ available: 17, held: 1 });
    expect((await checkLedger(db)).ok).toBe(true);
  });

  it('fails the caller’s whole transaction when the ledger turns out corrupt, so nothing commits', async () => {
    const db = database.db;
    const { userId, accountId } = await memberWithGrants(db);
    // Corrupt on purpose: the grants no longer cover the cached available balance (18).
    await db.update(creditGrants).set({ remaining: 0 }).where(eq(creditGrants.accountId, accountId));
    const before = await ledgerRowCounts(db);
    await expect(
      db.transaction(async (tx) => {
        await expect(placeHold(tx, holdFor(userId, 2))).rejects.toThrow(/grants hold 0 credits, 2 needed/);
        // Caught, yet the transaction cannot go on: the database refuses its next statement.
        await tx.execute(sql`select 1`);
      }),
    ).rejects.toThrow();
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 18, held: 0 });
  });
});
