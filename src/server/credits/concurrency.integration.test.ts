/**
 * Races on one database. On PostgreSQL the operations really run in
 * parallel on a connection pool; PGlite runs one query at a time, so there
 * the same tests prove the logic under interleaving at transaction
 * granularity. Every outcome must be a result or a typed AppError: a
 * deadlock or serialization error fails the test.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { T0, after, createMember, minutes } from '../../../tests/support/ledger';
import type { Database } from '../db/client';
import { creditGrants, creditHolds } from '../db/schema';
import { AppError, isAppError } from '../errors';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { expireGrants } from './expire-grants';
import { getBalance } from './get-balance';
import { grantCredits } from './grant-credits';
import { generationLedgerKeys } from './ledger-keys';
import { placeHold } from './place-hold';
import { revokeCredits } from './revoke-credits';
import { settleHold } from './settle-hold';
import { voidHold } from './void-hold';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

function codesOf(outcomes: PromiseSettledResult<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key =
      outcome.status === 'fulfilled'
        ? 'ok'
        : isAppError(outcome.reason)
          ? outcome.reason.code
          : `unexpected: ${String(outcome.reason)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('concurrent ledger operations', () => {
  it('lets exactly 10 of 200 concurrent holds of 1 through on a balance of 10 (C1 at the module level)', async () => {
    const db = database.db;
    const userId = await createMember(db);
    await grantCredits(db, {
      userId,
      amount: 10,
      kind: 'starter',
      reason: 'Race',
      idempotencyKey: `race:${userId}`,
      at: T0,
    });
    const { accountId } = await ensureAccount(db, userId);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, () => {
        const generationId = randomUUID();
        return placeHold(db, {
          userId,
          amount: 1,
          expiresAt: after(minutes(2)),
          reference: generationId,
          idempotencyKey: generationLedgerKeys(generationId).hold,
          at: T0,
        });
      }),
    );
    expect(codesOf(outcomes)).toEqual({ ok: 10, insufficient_credits: 190 });
    expect(await getBalance(db, userId)).toEqual({ available: 0, held: 10 });
    const holds = await db
      .select({ id: creditHolds.id })
      .from(creditHolds)
      .where(eq(creditHolds.accountId, accountId));
    expect(holds).toHaveLength(10);
    const report = await checkLedger(db, { accountIds: [accountId] });
    expect(report.violations).toEqual((await checkLedger(db, { accountIds: [] })).violations);
    expect(report.ok).toBe(true);
  });

  it('applies one hold for 20 concurrent requests with the same key, all answered alike', async () => {
    const db = database.db;
    const userId = await createMember(db);
    await grantCredits(db, {
      userId,
      amount: 100,
      kind: 'starter',
      reason: 'Same key',
      idempotencyKey: `same:${userId}`,
      at: T0,
    });
    const generationId = randomUUID();
    const input = {
      userId,
      amount: 7,
      expiresAt: after(minutes(2)),
      reference: generationId,
      idempotencyKey: generationLedgerKeys(generationId).hold,
      at: T0,
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => placeHold(db, input)));
    expect(new Set(results.map((r) => r.holdId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.map(({ replayed: _replayed, ...rest }) => rest)).toEqual(
      Array.from({ length: 20 }, () => ({
        holdId: results[0]!.holdId,
        amount: 7,
        expiresAt: input.expiresAt,
        reference: generationId,
      })),
    );
    expect(await getBalance(db, userId)).toEqual({ available: 93, held: 7 });
  });

  it('credits one payment once when its webhook is delivered 10 times at once', async () => {
    const db = database.db;
    const userId = await createMember(db);
    const session = `cs_${randomUUID()}`;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        grantCredits(db, {
          userId,
          amount: 500,
          kind: 'purchase',
          reason: 'Pack of 500',
          sourceRef: session,
          idempotencyKey: `stripe:${session}`,
          at: T0,
        }),
      ),
    );
    expect(codesOf(outcomes)).toEqual({ ok: 10 });
    const grants = await db.select().from(creditGrants).where(eq(creditGrants.sourceRef, session));
    expect(grants).toHaveLength(1);
    expect(await getBalance(db, userId)).toEqual({ available: 500, held: 0 });
  });

  it('keeps every invariant under a seeded mix of operations on shared accounts', async () => {
    const db = database.db;
    const members = await Promise.all(Array.from({ length: 4 }, () => createMember(db)));
    for (const userId of members) {
      await grantCredits(db, {
        userId,
        amount: 40,
        kind: 'subscription',
        expiresAt: after(minutes(30)),
        reason: 'Mix',
        idempotencyKey: `mix:${userId}`,
        at: T0,
      });
    }
    const accountIds = await Promise.all(
      members.map(async (userId) => (await ensureAccount(db, userId)).accountId),
    );
    const holdIds: string[] = [];
    const operation = fc.record({
      kind: fc.constantFrom('hold', 'hold', 'hold', 'settle', 'void', 'grant', 'revoke', 'expire'),
      member: fc.nat({ max: members.length - 1 }),
      amount: fc.integer({ min: 1, max: 6 }),
      pick: fc.nat(),
    });
    const plan = fc.sample(fc.array(operation, { minLength: 150, maxLength: 150 }), {
      seed: 20270301,
      numRuns: 1,
    })[0]!;

    // Holds first (half the plan), then everything at once, so settles and voids race with holds and each other.
    const run = async (step: (typeof plan)[number], index: number): Promise<unknown> => {
      const userId = members[step.member]!;
      const at = after(minutes(index % 40));
      switch (step.kind) {
        case 'hold': {
          const hold = await placeHold(db, {
            userId,
            amount: step.amount,
            expiresAt: after(minutes(60)),
            reference: `mix-${index}`,
            idempotencyKey: `mix:${index}:hold`,
            at,
          });
          holdIds.push(hold.holdId);
          return hold;
        }
        case 'settle':
        case 'void': {
          const holdId = holdIds[step.pick % Math.max(1, holdIds.length)];
          if (!holdId) return null;
          return step.kind === 'settle'
            ? settleHold(db, { holdId, amount: 1, idempotencyKey: `mix:${holdId}:settle`, at })
            : voidHold(db, { holdId, reason: 'failure', idempotencyKey: `mix:${holdId}:void`, at });
        }
        case 'grant':
          return grantCredits(db, {
            userId,
            amount: step.amount,
            kind: 'admin',
            expiresAt: after(minutes(20), at),
            reason: 'Mix top-up',
            idempotencyKey: `mix:${index}:grant`,
            at,
          });
        case 'revoke':
          return revokeCredits(db, {
            userId,
            amount: step.amount,
            reason: 'Mix revoke',
            actorId: null,
            idempotencyKey: `mix:${index}:revoke`,
            allowPartial: true,
            at,
          });
        case 'expire':
          return expireGrants(db, after(minutes(25 + (index % 20))));
      }
    };
    const first = await Promise.allSettled(plan.slice(0, 75).map((step, index) => run(step, index)));
    const second = await Promise.allSettled(plan.slice(75).map((step, index) => run(step, index + 75)));
    const outcomes = [...first, ...second];
    const unexpected = outcomes.filter(
      (o) =>
        o.status === 'rejected' &&
        !(o.reason instanceof AppError && ['insufficient_credits', 'hold_resolved'].includes(o.reason.code)),
    );
    expect(unexpected).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThan(75);
    const report = await checkLedger(db, { accountIds });
    expect(report.violations).toEqual((await checkLedger(db, { accountIds: [] })).violations);
    expect(report.ok).toBe(true);
    expect((await checkLedger(db)).ok).toBe(true);
  });
});
