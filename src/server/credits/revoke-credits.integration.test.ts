import { randomUUID } from 'node:crypto';
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
import type { Database, Db } from '../db/client';
import { creditGrants, ledgerEntries, ledgerTransactions } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { placeHold } from './place-hold';
import { revokeCredits } from './revoke-credits';
import { systemAccounts } from './system-accounts';

let database: Database;
let adminId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  adminId = await createMember(database.db);
});
afterAll(() => database.close());

async function memberWith(db: Db, available: number, held = 0) {
  const userId = await createMember(db);
  const late = await grantCredits(db, {
    userId,
    amount: available + held,
    kind: 'purchase',
    reason: 'Pack',
    idempotencyKey: `pack:${userId}`,
    at: T0,
  });
  if (held > 0) {
    await placeHold(db, {
      userId,
      amount: held,
      expiresAt: after(minutes(2)),
      reference: randomUUID(),
      idempotencyKey: `hold:${userId}`,
      at: T0,
    });
  }
  const { accountId } = await ensureAccount(db, userId);
  return { userId, accountId, grantId: late.grantId };
}

describe('revokeCredits', () => {
  it('takes available credits to the revoked account, recording the admin and the reason', async () => {
    const db = database.db;
    const { userId, accountId } = await memberWith(database.db, 10);
    const soon = await grantCredits(db, {
      userId,
      amount: 3,
      kind: 'admin',
      expiresAt: after(minutes(60)),
      reason: 'Short-lived',
      idempotencyKey: `soon:${userId}`,
      at: T0,
    });
    const result = await revokeCredits(db, {
      userId,
      amount: 4,
      reason: 'Chargeback on order 17',
      actorId: adminId,
      idempotencyKey: `revoke:${userId}:17`,
      allowPartial: false,
      at: T0,
    });
    expect(result).toMatchObject({ revoked: 4, unrecovered: 0, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 9, held: 0 });
    // the soonest-expiring grant goes first
    const [soonRow] = await db.select().from(creditGrants).where(eq(creditGrants.id, soon.grantId));
    expect(soonRow?.remaining).toBe(0);

    const [transaction] = await db
      .select()
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.id, result.transactionId));
    expect(transaction).toMatchObject({
      kind: 'revoke',
      actorId: adminId,
      reason: 'Chargeback on order 17',
      amount: 4,
    });
    const entries = await db
      .select({ accountId: ledgerEntries.accountId, amount: ledgerEntries.amount })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.transactionId, result.transactionId));
    expect(entries).toEqual(
      expect.arrayContaining([
        { accountId, amount: -4 },
        { accountId: systemAccounts.revoked, amount: 4 },
      ]),
    );
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('refuses to revoke more than is available unless partial revokes are allowed, writing nothing', async () => {
    const db = database.db;
    const { userId } = await memberWith(db, 3, 2);
    const before = await ledgerRowCounts(db);
    await expectAppError(
      revokeCredits(db, {
        userId,
        amount: 4,
        reason: 'Too much',
        actorId: adminId,
        idempotencyKey: `over:${userId}`,
        allowPartial: false,
        at: T0,
      }),
      'insufficient_credits',
    );
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect(await getBalance(db, userId)).toEqual({ available: 3, held: 2 });
  });

  it('with allowPartial takes what is available, never held credits, and records the rest as unrecovered', async () => {
    const db = database.db;
    const { userId, accountId } = await memberWith(db, 3, 2);
    const input = {
      userId,
      amount: 10,
      reason: 'Refunded payment',
      actorId: null,
      idempotencyKey: `refund:${userId}`,
      allowPartial: true,
      at: T0,
    };
    const result = await revokeCredits(db, input);
    expect(result).toMatchObject({ revoked: 3, unrecovered: 7, replayed: false });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 2 });
    const [transaction] = await db
      .select()
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.id, result.transactionId));
    expect(transaction).toMatchObject({ amount: 3, unrecovered: 7, actorId: null });

    const before = await ledgerRowCounts(db);
    expect(await revokeCredits(db, { ...input, at: after(minutes(1)) })).toEqual({
      ...result,
      replayed: true,
    });
    await expectAppError(revokeCredits(db, { ...input, amount: 11 }), 'idempotency_mismatch');
    expect(await ledgerRowCounts(db)).toEqual(before);

    // Nothing left to take: still recorded, entirely unrecovered.
    const empty = await revokeCredits(db, { ...input, amount: 5, idempotencyKey: `refund-2:${userId}` });
    expect(empty).toMatchObject({ revoked: 0, unrecovered: 5 });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 2 });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('answers not_found for a member without an account', async () => {
    const db = database.db;
    const userId = await createMember(db);
    await expectAppError(
      revokeCredits(db, {
        userId,
        amount: 1,
        reason: 'Nothing there',
        actorId: adminId,
        idempotencyKey: `none:${userId}`,
        allowPartial: true,
        at: T0,
      }),
      'not_found',
    );
  });
});
