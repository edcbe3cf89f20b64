import { eq } from 'drizzle-orm';
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
import type { Database } from '../db/client';
import { creditGrants, ledgerEntries, ledgerTransactions } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { systemAccounts } from './system-accounts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('grantCredits', () => {
  it('creates the account, adds the credits and balances them against the issued account', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const result = await grantCredits(db, {
      userId,
      amount: 50,
      kind: 'starter',
      reason: 'Welcome credits',
      idempotencyKey: `starter:${userId}`,
      at: T0,
    });
    expect(result).toMatchObject({ amount: 50, expiresAt: null, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 50, held: 0 });

    const entries = await db
      .select({
        accountId: ledgerEntries.accountId,
        bucket: ledgerEntries.bucket,
        amount: ledgerEntries.amount,
      })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.transactionId, result.grantId));
    const { accountId } = await ensureAccount(db, userId);
    expect(entries).toEqual(
      expect.arrayContaining([
        { accountId, bucket: 'available', amount: 50 },
        { accountId: systemAccounts.issued, bucket: 'available', amount: -50 },
      ]),
    );
    expect(entries).toHaveLength(2);
    const [grant] = await db.select().from(creditGrants).where(eq(creditGrants.id, result.grantId));
    expect(grant).toMatchObject({ kind: 'starter', amount: 50, remaining: 50, accountId, createdAt: T0 });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('answers a replay with the original grant and writes nothing', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const input = {
      userId,
      amount: 30,
      kind: 'purchase' as const,
      reason: 'Pack of 30',
      idempotencyKey: `stripe:cs_${userId}`,
      sourceRef: `cs_${userId}`,
      expiresAt: after(minutes(60 * 24 * 365)),
      at: T0,
    };
    const first = await grantCredits(db, input);
    const before = await ledgerRowCounts(db);
    const again = await grantCredits(db, { ...input, at: after(minutes(5)) });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 30, held: 0 });
  });

  it('refuses the same key with different parameters as idempotency_mismatch', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const key = `admin:${userId}:1`;
    await grantCredits(db, {
      userId,
      amount: 10,
      kind: 'admin',
      reason: 'Goodwill',
      idempotencyKey: key,
      at: T0,
    });
    const before = await ledgerRowCounts(db);
    await expectAppError(
      grantCredits(db, {
        userId,
        amount: 11,
        kind: 'admin',
        reason: 'Goodwill',
        idempotencyKey: key,
        at: T0,
      }),
      'idempotency_mismatch',
    );
    await expectAppError(
      grantCredits(db, {
        userId,
        amount: 10,
        kind: 'refund',
        reason: 'Goodwill',
        idempotencyKey: key,
        at: T0,
      }),
      'idempotency_mismatch',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 10, held: 0 });
  });

  it('credits one payment once even under two different keys (L5)', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const base = {
      userId,
      amount: 100,
      kind: 'purchase' as const,
      reason: 'Pack',
      sourceRef: `in_${userId}`,
      at: T0,
    };
    await grantCredits(db, { ...base, idempotencyKey: `a:${userId}` });
    const before = await ledgerRowCounts(db);
    await expectAppError(grantCredits(db, { ...base, idempotencyKey: `b:${userId}` }), 'conflict');
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 100, held: 0 });
  });

  it('refuses bad amounts, an expiry in the past and an unknown user, writing nothing', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const base = { userId, kind: 'admin' as const, reason: 'Test', at: T0 };
    const before = await ledgerRowCounts(db);
    for (const amount of [0, -5, 1.5, Number.NaN, 1_000_000_001]) {
      await expectAppError(
        grantCredits(db, { ...base, amount, idempotencyKey: `bad:${userId}:${amount}` }),
        'validation_failed',
      );
    }
    await expectAppError(
      grantCredits(db, { ...base, amount: 5, expiresAt: T0, idempotencyKey: `past:${userId}` }),
      'validation_failed',
    );
    await expectAppError(
      grantCredits(db, { ...base, amount: 5, reason: '  ', idempotencyKey: `blank:${userId}` }),
      'validation_failed',
    );
    await expectAppError(
      grantCredits(db, { ...base, userId: 'no-such-user', amount: 5, idempotencyKey: `ghost:${userId}` }),
      'not_found',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
  });

  it('records the admin who granted and joins an outer transaction (its rollback undoes the grant)', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const adminId = await createMember(db);
    const granted = await grantCredits(db, {
      userId,
      amount: 7,
      kind: 'admin',
      reason: 'Support case 42',
      actorId: adminId,
      idempotencyKey: `admin:${userId}:case-42`,
      at: T0,
    });
    const [transaction] = await db
      .select({ actorId: ledgerTransactions.actorId, reason: ledgerTransactions.reason })
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.id, granted.grantId));
    expect(transaction).toEqual({ actorId: adminId, reason: 'Support case 42' });

    const before = await ledgerRowCounts(db);
    const rollback = new Error('outer work failed');
    await expect(
      db.transaction(async (tx) => {
        await grantCredits(tx, {
          userId,
          amount: 5,
          kind: 'admin',
          reason: 'Rolled back',
          idempotencyKey: `admin:${userId}:rolled-back`,
          at: T0,
        });
        expect(await getBalance(tx, userId)).toEqual({ available: 12, held: 0 });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 7, held: 0 });
  });
});

describe('ensureAccount', () => {
  it('creates one account per user however often it is called', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const results = await Promise.all([ensureAccount(db, userId), ensureAccount(db, userId)]);
    const again = await ensureAccount(db, userId);
    expect(new Set([...results, again].map((r) => r.accountId)).size).toBe(1);
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
  });
});
