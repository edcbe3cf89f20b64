import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { holdFor, memberWithGrants, remainingByGrant } from '../../../tests/support/hold-fixtures';
import { T0, after, expectAppError, ledgerRowCounts } from '../../../tests/support/ledger';
import type { Database } from '../db/client';
import { creditHolds } from '../db/schema';
import { checkLedger } from './checker';
import { getBalance } from './get-balance';
import { generationLedgerKeys } from './ledger-keys';
import { placeHold } from './place-hold';
import { settleHold } from './settle-hold';
import { voidHold } from './void-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

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
