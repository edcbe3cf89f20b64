import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { T0, after, createMember, expectAppError, minutes } from '../../../tests/support/ledger';
import type { Database } from '../db/client';
import { expireGrants } from './expire-grants';
import { findOpenHoldsExpiredBefore } from './find-open-holds-expired-before';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { generationLedgerKeys } from './ledger-keys';
import { listEntries, type LedgerHistoryItem } from './list-entries';
import { placeHold } from './place-hold';
import { revokeCredits } from './revoke-credits';
import { settleHold } from './settle-hold';
import { voidHold } from './void-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('listEntries', () => {
  it('lists a member’s history newest first with each bucket’s change, reason and reference', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const other = await createMember(db);
    const tick = (n: number) => after(minutes(n));
    await grantCredits(db, {
      userId,
      amount: 10,
      kind: 'starter',
      reason: 'Welcome',
      expiresAt: tick(100),
      idempotencyKey: `starter:${userId}`,
      at: tick(0),
    });
    await grantCredits(db, {
      userId: other,
      amount: 99,
      kind: 'starter',
      reason: 'Other',
      idempotencyKey: `starter:${other}`,
      at: tick(0),
    });
    const genA = generationLedgerKeys('gen-a');
    const genB = generationLedgerKeys('gen-b');
    const a = await placeHold(db, {
      userId,
      amount: 4,
      expiresAt: tick(10),
      reference: 'gen-a',
      idempotencyKey: genA.hold,
      at: tick(1),
    });
    await settleHold(db, { holdId: a.holdId, amount: 3, idempotencyKey: genA.settle, at: tick(2) });
    const b = await placeHold(db, {
      userId,
      amount: 2,
      expiresAt: tick(10),
      reference: 'gen-b',
      idempotencyKey: genB.hold,
      at: tick(3),
    });
    await voidHold(db, {
      holdId: b.holdId,
      reason: 'failure',
      idempotencyKey: genB.void('failure'),
      at: tick(4),
    });
    await revokeCredits(db, {
      userId,
      amount: 1,
      reason: 'Correction',
      actorId: other,
      idempotencyKey: `fix:${userId}`,
      allowPartial: false,
      at: tick(5),
    });
    await expireGrants(db, tick(100));
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });

    const page = await listEntries(db, userId, { limit: 100 });
    expect(page.nextCursor).toBeNull();
    const summary = page.items.map((item: LedgerHistoryItem) => [
      item.kind,
      item.amount,
      item.availableChange,
      item.heldChange,
      item.reason,
      item.reference,
    ]);
    expect(summary).toEqual([
      ['expire', 6, -6, 0, null, null],
      ['revoke', 1, -1, 0, 'Correction', null],
      ['void', 2, 2, -2, 'failure', 'gen-b'],
      ['hold', 2, -2, 2, null, 'gen-b'],
      ['settle', 3, 1, -4, null, 'gen-a'],
      ['hold', 4, -4, 4, null, 'gen-a'],
      ['grant', 10, 10, 0, 'Welcome', null],
    ]);
    expect(page.items.map((item) => item.createdAt)).toEqual([
      tick(100),
      tick(5),
      tick(4),
      tick(3),
      tick(2),
      tick(1),
      tick(0),
    ]);
  });

  it('pages with a cursor without repeating or skipping, even when new entries arrive between pages', async () => {
    const db = database.db;
    const userId = await createMember(db);
    for (let i = 0; i < 7; i++) {
      await grantCredits(db, {
        userId,
        amount: i + 1,
        kind: 'admin',
        reason: `grant ${i}`,
        idempotencyKey: `p:${userId}:${i}`,
        at: T0,
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listEntries(db, userId, { cursor, limit: 3 });
      seen.push(...page.items.map((item) => item.reason ?? ''));
      cursor = page.nextCursor;
      pages += 1;
      if (pages === 1) {
        await grantCredits(db, {
          userId,
          amount: 1,
          kind: 'admin',
          reason: 'late',
          idempotencyKey: `p:${userId}:late`,
          at: T0,
        });
      }
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['grant 6', 'grant 5', 'grant 4', 'grant 3', 'grant 2', 'grant 1', 'grant 0']);
    expect((await listEntries(db, userId, { limit: 1 })).items[0]?.reason).toBe('late');
  });

  it('is empty for a member without an account and refuses a forged cursor', async () => {
    const db = database.db;
    const userId = await createMember(db);
    expect(await listEntries(db, userId)).toEqual({ items: [], nextCursor: null });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 0 });
    await expectAppError(listEntries(db, userId, { cursor: "1' or 1=1" }), 'validation_failed');
  });
});

describe('findOpenHoldsExpiredBefore', () => {
  it('finds open holds past their timeout, oldest first, up to the limit', async () => {
    const db = database.db;
    const userId = await createMember(db);
    await grantCredits(db, {
      userId,
      amount: 10,
      kind: 'admin',
      reason: 'For holds',
      idempotencyKey: `h:${userId}`,
      at: T0,
    });
    const hold = (timeoutMinutes: number) => {
      const reference = randomUUID();
      return placeHold(db, {
        userId,
        amount: 1,
        expiresAt: after(minutes(timeoutMinutes)),
        reference,
        idempotencyKey: generationLedgerKeys(reference).hold,
        at: T0,
      });
    };
    const late = await hold(30);
    const early = await hold(10);
    const middle = await hold(20);
    const resolved = await hold(5);
    await voidHold(db, {
      holdId: resolved.holdId,
      reason: 'cancel',
      idempotencyKey: `c:${resolved.holdId}`,
      at: T0,
    });
    await hold(60);

    expect(await findOpenHoldsExpiredBefore(db, after(minutes(9)), 10)).toEqual([]);
    const due = await findOpenHoldsExpiredBefore(db, after(minutes(30)), 10);
    expect(due.map((h) => h.holdId)).toEqual([early.holdId, middle.holdId, late.holdId]);
    expect(due[0]).toMatchObject({ amount: 1, reference: early.reference, expiresAt: after(minutes(10)) });
    expect((await findOpenHoldsExpiredBefore(db, after(minutes(30)), 2)).map((h) => h.holdId)).toEqual([
      early.holdId,
      middle.holdId,
    ]);
  });
});
