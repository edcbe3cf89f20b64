/**
 * The rules the database enforces by itself, whatever the code does:
 * append-only journal (L4), no negative balance (L1), one resolution per
 * hold (L3), one grant per payment (L5). Each is tried with raw SQL that
 * bypasses the ledger module.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import {
  T0,
  after,
  createMember,
  expectAppError,
  expectDatabaseError,
  minutes,
} from '../../../tests/support/ledger';
import type { Database, Db } from '../db/client';
import { creditAccounts, users } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { listEntries } from './list-entries';
import { placeHold } from './place-hold';
import { settleHold } from './settle-hold';
import { systemAccounts } from './system-accounts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function settledHold(db: Db) {
  const userId = await createMember(db);
  await grantCredits(db, {
    userId,
    amount: 5,
    kind: 'admin',
    reason: 'Rules',
    idempotencyKey: `r:${userId}`,
    at: T0,
  });
  const hold = await placeHold(db, {
    userId,
    amount: 2,
    expiresAt: after(minutes(2)),
    reference: randomUUID(),
    idempotencyKey: `h:${userId}`,
    at: T0,
  });
  await settleHold(db, { holdId: hold.holdId, amount: 2, idempotencyKey: `s:${userId}`, at: T0 });
  const { accountId } = await ensureAccount(db, userId);
  return { userId, accountId, holdId: hold.holdId };
}

describe('append-only journal (L4)', () => {
  it.each([
    ['update ledger_entries', sql`update ledger_entries set amount = amount + 1`],
    ['delete ledger_entries', sql`delete from ledger_entries`],
    ['truncate ledger_entries', sql`truncate ledger_entries`],
    ['update ledger_transactions', sql`update ledger_transactions set amount = 0`],
    ['delete ledger_transactions', sql`delete from ledger_transactions where kind = 'settle'`],
    ['truncate ledger_transactions', sql`truncate ledger_transactions cascade`],
    ['update credit_hold_allocations', sql`update credit_hold_allocations set amount = amount + 1`],
    ['delete credit_hold_allocations', sql`delete from credit_hold_allocations`],
  ])('refuses %s', async (_name, statement) => {
    const db = database.db;
    const { accountId } = await settledHold(db);
    const before = await checkLedger(db);
    const error = await expectDatabaseError(db.execute(statement));
    expect(error.code).toBe('23001');
    expect(error.message).toContain('append-only');
    const afterwards = await checkLedger(db);
    expect(afterwards.figures?.entriesDigest).toBe(before.figures?.entriesDigest);
    expect(afterwards.figures?.transactions).toBe(before.figures?.transactions);
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
  });
});

describe('balances never negative (L1)', () => {
  it('refuses a raw update that would make available or held negative', async () => {
    const db = database.db;
    const { accountId, userId } = await settledHold(db);
    for (const statement of [
      sql`update credit_accounts set available = available - 4 where id = ${accountId}`,
      sql`update credit_accounts set held = -1 where id = ${accountId}`,
    ]) {
      const error = await expectDatabaseError(db.execute(statement));
      expect(error.code).toBe('23514');
    }
    expect(await getBalance(db, userId)).toEqual({ available: 3, held: 0 });
  });

  it('refuses a grant whose remaining would exceed its amount or go below zero', async () => {
    const db = database.db;
    await settledHold(db);
    for (const statement of [
      sql`update credit_grants set remaining = amount + 1`,
      sql`update credit_grants set remaining = -1`,
    ]) {
      expect((await expectDatabaseError(db.execute(statement))).code).toBe('23514');
    }
  });
});

describe('one resolution per hold (L3)', () => {
  it('refuses a second resolving transaction even when inserted directly', async () => {
    const db = database.db;
    const { accountId, holdId } = await settledHold(db);
    const error = await expectDatabaseError(
      db.execute(sql`insert into ledger_transactions (kind, account_id, amount, hold_id, idempotency_key, fingerprint, created_at)
        values ('void', ${accountId}, 2, ${holdId}, ${`raw:${holdId}`}, 'x', now())`),
    );
    expect(error.code).toBe('23505');
  });
});

describe('one resolution per hold, as the module sees it', () => {
  it('answers hold_resolved when only the unique index stops a second resolution', async () => {
    const db = database.db;
    const userId = await createMember(db);
    await grantCredits(db, {
      userId,
      amount: 5,
      kind: 'admin',
      reason: 'Index',
      idempotencyKey: `i:${userId}`,
      at: T0,
    });
    const hold = await placeHold(db, {
      userId,
      amount: 2,
      expiresAt: after(minutes(2)),
      reference: randomUUID(),
      idempotencyKey: `ih:${userId}`,
      at: T0,
    });
    const { accountId } = await ensureAccount(db, userId);
    // Buggy code resolved the hold in the journal but left the hold row open.
    await db.execute(sql`insert into ledger_transactions (kind, account_id, amount, hold_id, idempotency_key, fingerprint, created_at)
      values ('void', ${accountId}, 2, ${hold.holdId}, ${`raw:${hold.holdId}`}, 'x', now())`);
    await expectAppError(
      settleHold(db, { holdId: hold.holdId, amount: 2, idempotencyKey: `is:${userId}`, at: T0 }),
      'hold_resolved',
    );
    expect(await getBalance(db, userId)).toEqual({ available: 3, held: 2 });
  });
});

describe('system accounts', () => {
  it('exist once each, with the fixed ids the code uses', async () => {
    const db = database.db;
    const rows = await db
      .select({ id: creditAccounts.id, kind: creditAccounts.kind })
      .from(creditAccounts)
      .where(sql`${creditAccounts.kind} <> 'user'`);
    expect(Object.fromEntries(rows.map((row) => [row.kind, row.id]))).toEqual(systemAccounts);
    const error = await expectDatabaseError(
      db.execute(sql`insert into credit_accounts (kind) values ('spent')`),
    );
    expect(error.code).toBe('23505');
  });
});

describe('deleting a member', () => {
  it('keeps the journal and detaches the account from the person', async () => {
    const db = database.db;
    const { userId, accountId } = await settledHold(db);
    const before = await listEntries(db, userId);
    expect(before.items).toHaveLength(3);
    await db.delete(users).where(eq(users.id, userId));
    const [account] = await db.select().from(creditAccounts).where(eq(creditAccounts.id, accountId));
    expect(account).toMatchObject({ userId: null, kind: 'user', available: 3, held: 0 });
    expect((await checkLedger(db, { accountIds: [accountId] })).ok).toBe(true);
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
  });
});
