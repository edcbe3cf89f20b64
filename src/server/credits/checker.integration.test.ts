/**
 * The checker must catch what it claims to: each test breaks one invariant
 * with raw SQL (what buggy code could do, since only the journal is
 * append-only) and expects exactly that violation, pointing at the culprit.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { T0, after, createMember, minutes } from '../../../tests/support/ledger';
import { queryRows, type Database, type Db } from '../db/client';
import { checkLedger, type LedgerCheckReport } from './checker';
import { ensureAccount } from './ensure-account';
import { grantCredits } from './grant-credits';
import { placeHold } from './place-hold';
import { settleHold } from './settle-hold';
import { systemAccounts } from './system-accounts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

/** A member with 10 credits, a settled hold of 3 and an open hold of 2 (timeout T0 + 2 min). */
async function busyMember(db: Db) {
  const userId = await createMember(db);
  await grantCredits(db, {
    userId,
    amount: 10,
    kind: 'admin',
    reason: 'Check',
    idempotencyKey: `g:${userId}`,
    at: T0,
  });
  const settled = await placeHold(db, {
    userId,
    amount: 3,
    expiresAt: after(minutes(2)),
    reference: randomUUID(),
    idempotencyKey: `h1:${userId}`,
    at: T0,
  });
  await settleHold(db, { holdId: settled.holdId, amount: 3, idempotencyKey: `s1:${userId}`, at: T0 });
  const open = await placeHold(db, {
    userId,
    amount: 2,
    expiresAt: after(minutes(2)),
    reference: randomUUID(),
    idempotencyKey: `h2:${userId}`,
    at: T0,
  });
  const { accountId } = await ensureAccount(db, userId);
  return { userId, accountId, settledHoldId: settled.holdId, openHoldId: open.holdId };
}

function failing(report: LedgerCheckReport) {
  return Object.entries(report.violations)
    .filter(([, violation]) => violation.count > 0)
    .map(([name]) => name)
    .sort();
}

describe('checkLedger', () => {
  it('passes a healthy ledger and reports figures that add up', async () => {
    const db = database.db;
    const { accountId } = await busyMember(db);
    const scoped = await checkLedger(db, { accountIds: [accountId], openHoldsExpiredBefore: T0 });
    expect(scoped.ok).toBe(true);
    expect(scoped.failure).toBeUndefined();
    expect(scoped.figures).toMatchObject({
      accounts: 1,
      transactions: 4,
      entries: 8,
      openHolds: 1,
      available: 5,
      held: 2,
    });
    expect(scoped.figures?.issued).toBeUndefined();

    const whole = await checkLedger(db);
    expect(whole.ok).toBe(true);
    const f = whole.figures!;
    // Conservation: everything issued is somewhere.
    expect(f.issued).toBe(f.available + f.held + f.spent! + f.expired! + f.revoked!);
    expect(f.spent).toBeGreaterThanOrEqual(3);
  });

  it('reports a cached balance that drifted from its entries', async () => {
    const db = database.db;
    const { accountId } = await busyMember(db);
    await db.execute(sql`update credit_accounts set available = available + 1 where id = ${accountId}`);
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(report.ok).toBe(false);
    expect(failing(report)).toEqual(['cacheDiffersFromFold', 'grantsDifferFromAvailable']);
    expect(report.violations.cacheDiffersFromFold).toEqual({ count: 1, sample: [accountId] });
  });

  it('reports a transaction whose entries do not sum to zero, and a negative fold', async () => {
    const db = database.db;
    const { accountId } = await busyMember(db);
    const [row] = await queryRows<{ id: string }>(
      db,
      sql`insert into ledger_transactions (kind, account_id, amount, idempotency_key, fingerprint, created_at)
        values ('revoke', ${accountId}, 50, ${`raw:${accountId}`}, 'x', now()) returning id::text as id`,
    );
    await db.execute(sql`insert into ledger_entries (transaction_id, account_id, bucket, amount)
      values (${row!.id}, ${accountId}, 'available', -50)`);
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(report.violations.unbalancedTransaction).toEqual({ count: 1, sample: [row!.id] });
    expect(report.violations.negativeFold).toEqual({ count: 1, sample: [accountId] });
    expect(failing(report)).toEqual(['cacheDiffersFromFold', 'negativeFold', 'unbalancedTransaction']);

    // Balanced with the system account, the fold is still negative and differs from the cache.
    await db.execute(sql`insert into ledger_entries (transaction_id, account_id, bucket, amount)
      values (${row!.id}, ${systemAccounts.revoked}, 'available', 50)`);
    const balanced = await checkLedger(db, { accountIds: [accountId] });
    expect(failing(balanced)).toEqual(['cacheDiffersFromFold', 'negativeFold']);
  });

  it('reports a hold resolved without a resolving transaction, and held credits that no hold explains', async () => {
    const db = database.db;
    const { accountId, openHoldId } = await busyMember(db);
    await db.execute(sql`update credit_holds set status = 'voided', void_reason = 'cancel', resolved_at = now()
      where id = ${openHoldId}`);
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(report.violations.holdStateMismatch).toEqual({ count: 1, sample: [openHoldId] });
    expect(report.violations.holdsDifferFromHeld).toEqual({ count: 1, sample: [accountId] });
    expect(failing(report)).toEqual(['holdStateMismatch', 'holdsDifferFromHeld']);
  });

  it('reports a settled amount that disagrees with the settle transaction', async () => {
    const db = database.db;
    const { accountId, settledHoldId } = await busyMember(db);
    await db.execute(sql`update credit_holds set settled_amount = 1 where id = ${settledHoldId}`);
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(failing(report)).toEqual(['holdStateMismatch']);
  });

  it('counts open holds past the given bound as stale', async () => {
    const db = database.db;
    const { accountId, openHoldId } = await busyMember(db);
    const before = await checkLedger(db, {
      accountIds: [accountId],
      openHoldsExpiredBefore: after(minutes(2)),
    });
    expect(before.ok).toBe(true);
    const stale = await checkLedger(db, {
      accountIds: [accountId],
      openHoldsExpiredBefore: after(minutes(3)),
    });
    expect(stale.violations.staleOpenHold).toEqual({ count: 1, sample: [openHoldId] });
    expect(failing(stale)).toEqual(['staleOpenHold']);
  });

  it('changes its entries digest when an entry is appended, and only then', async () => {
    const db = database.db;
    const { userId, accountId } = await busyMember(db);
    const first = await checkLedger(db, { accountIds: [accountId] });
    const same = await checkLedger(db, { accountIds: [accountId] });
    expect(same.figures?.entriesDigest).toBe(first.figures?.entriesDigest);
    await grantCredits(db, {
      userId,
      amount: 1,
      kind: 'admin',
      reason: 'More',
      idempotencyKey: `more:${userId}`,
      at: T0,
    });
    const changed = await checkLedger(db, { accountIds: [accountId] });
    expect(changed.figures?.entriesDigest).not.toBe(first.figures?.entriesDigest);
  });

  it('reports a failure instead of throwing when it cannot run', async () => {
    const report = await checkLedger(database.db, { accountIds: ['not-a-uuid'] });
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/uuid/i);
    expect(report.figures).toBeNull();
  });
});
