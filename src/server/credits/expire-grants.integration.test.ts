import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { after, createMember, ledgerRowCounts, minutes } from '../../../tests/support/ledger';
import type { Database, Db } from '../db/client';
import { creditGrants, ledgerEntries, ledgerTransactions } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { expireGrants } from './expire-grants';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { placeHold } from './place-hold';
import { settleHold } from './settle-hold';
import { systemAccounts } from './system-accounts';
import { voidHold } from './void-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const DAY = minutes(24 * 60);
/** Each test moves its own clock past every earlier test's expiries, so runs only see their own grants. */
let epoch = 0;
function clock() {
  epoch += 1;
  return after(epoch * 100 * DAY);
}

async function grant(db: Db, userId: string, amount: number, at: Date, expiresAt: Date | null) {
  return grantCredits(db, {
    userId,
    amount,
    kind: 'subscription',
    expiresAt,
    reason: 'Monthly credits',
    idempotencyKey: `grant:${randomUUID()}`,
    at,
  });
}

async function grantRow(db: Db, grantId: string) {
  const [row] = await db
    .select({ remaining: creditGrants.remaining, expired: creditGrants.expired })
    .from(creditGrants)
    .where(eq(creditGrants.id, grantId));
  return row;
}

describe('expireGrants', () => {
  it('moves the remaining credits of grants past their date to the expired account, once', async () => {
    const db = database.db;
    const start = clock();
    const userId = await createMember(db);
    const expiring = await grant(db, userId, 5, start, after(DAY, start));
    await grant(db, userId, 10, start, null);
    const { accountId } = await ensureAccount(db, userId);

    expect(await expireGrants(db, after(DAY - 1, start))).toEqual({ grants: 0, credits: 0 });
    expect(await getBalance(db, userId)).toEqual({ available: 15, held: 0 });

    expect(await expireGrants(db, after(DAY, start))).toEqual({ grants: 1, credits: 5 });
    expect(await getBalance(db, userId)).toEqual({ available: 10, held: 0 });
    expect(await grantRow(db, expiring.grantId)).toEqual({ remaining: 0, expired: 5 });
    const [expiry] = await db
      .select({
        id: ledgerTransactions.id,
        amount: ledgerTransactions.amount,
        createdAt: ledgerTransactions.createdAt,
      })
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.grantId, expiring.grantId));
    expect(expiry).toMatchObject({ amount: 5, createdAt: after(DAY, start) });
    const entries = await db
      .select({ accountId: ledgerEntries.accountId, amount: ledgerEntries.amount })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.transactionId, expiry!.id));
    expect(entries).toEqual(
      expect.arrayContaining([
        { accountId, amount: -5 },
        { accountId: systemAccounts.expired, amount: 5 },
      ]),
    );

    const before = await ledgerRowCounts(db);
    expect(await expireGrants(db, after(2 * DAY, start))).toEqual({ grants: 0, credits: 0 });
    expect(await ledgerRowCounts(db)).toEqual(before);
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('leaves held credits alone; a void returns them to the expired grant and the next run expires them', async () => {
    const db = database.db;
    const start = clock();
    const userId = await createMember(db);
    const expiring = await grant(db, userId, 5, start, after(DAY, start));
    const { accountId } = await ensureAccount(db, userId);
    const hold = await placeHold(db, {
      userId,
      amount: 3,
      expiresAt: after(2 * DAY, start),
      reference: 'gen-1',
      idempotencyKey: `gen:${randomUUID()}:hold`,
      at: start,
    });

    expect(await expireGrants(db, after(DAY, start))).toEqual({ grants: 1, credits: 2 });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 3 });

    await voidHold(db, {
      holdId: hold.holdId,
      reason: 'failure',
      idempotencyKey: `v:${hold.holdId}`,
      at: after(DAY, start),
    });
    expect(await getBalance(db, userId)).toEqual({ available: 3, held: 0 });
    expect(await grantRow(db, expiring.grantId)).toEqual({ remaining: 3, expired: 2 });

    expect(await expireGrants(db, after(DAY + 1, start))).toEqual({ grants: 1, credits: 3 });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
    expect(await grantRow(db, expiring.grantId)).toEqual({ remaining: 0, expired: 5 });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });

  it('expires the unspent part of a partial settle returned to an expired grant', async () => {
    const db = database.db;
    const start = clock();
    const userId = await createMember(db);
    const expiring = await grant(db, userId, 4, start, after(DAY, start));
    const hold = await placeHold(db, {
      userId,
      amount: 4,
      expiresAt: after(2 * DAY, start),
      reference: 'gen-2',
      idempotencyKey: `gen:${randomUUID()}:hold`,
      at: start,
    });
    expect(await expireGrants(db, after(DAY, start))).toEqual({ grants: 0, credits: 0 });
    await settleHold(db, {
      holdId: hold.holdId,
      amount: 1,
      idempotencyKey: `s:${hold.holdId}`,
      at: after(DAY, start),
    });
    expect(await getBalance(db, userId)).toEqual({ available: 3, held: 0 });
    expect(await expireGrants(db, after(DAY, start))).toEqual({ grants: 1, credits: 3 });
    expect(await grantRow(db, expiring.grantId)).toEqual({ remaining: 0, expired: 3 });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
  });

  it('keeps expired credits spendable until the sweep runs (expiry is exact to the sweep interval)', async () => {
    const db = database.db;
    const start = clock();
    const userId = await createMember(db);
    await grant(db, userId, 2, start, after(DAY, start));
    const hold = await placeHold(db, {
      userId,
      amount: 2,
      expiresAt: after(2 * DAY, start),
      reference: 'gen-3',
      idempotencyKey: `gen:${randomUUID()}:hold`,
      at: after(DAY + 1, start),
    });
    expect(hold.replayed).toBe(false);
    expect(await expireGrants(db, after(DAY + 2, start))).toEqual({ grants: 0, credits: 0 });
  });

  it('sweeps every account with due grants in one call', async () => {
    const db = database.db;
    const start = clock();
    const members = await Promise.all([createMember(db), createMember(db), createMember(db)]);
    for (const [index, userId] of members.entries()) {
      await grant(db, userId, index + 1, start, after(DAY, start));
      await grant(db, userId, 1, start, after(3 * DAY, start));
    }
    expect(await expireGrants(db, after(DAY, start))).toEqual({ grants: 3, credits: 6 });
    for (const userId of members) expect(await getBalance(db, userId)).toEqual({ available: 1, held: 0 });
    expect(await expireGrants(db, after(3 * DAY, start))).toEqual({ grants: 3, credits: 3 });
    for (const userId of members) expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
  });
});
