/**
 * C7, refund on failure (reliability.md 3.1): 200 generations against a
 * provider that fails every call. 180 fail for good at once (content_policy
 * or invalid_request, by prompt marker); 20 fail transiently on every
 * attempt (rate_limited or provider_error) until the 5 attempts are spent.
 * Nobody reads their status meanwhile: no SSE, no polling through the API,
 * the test only watches the database. Every one must end failed with its
 * hold voided, every member's balance back where it started, no hold open.
 *
 * Which generations fail transiently, and how, is drawn from the seed.
 * Retry-After is shortened to 100 ms so the 20 slow ones spend their five
 * attempts in about a second; what is checked here is the refund, not the
 * wait (Q2 checks that a Retry-After is honoured).
 */
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import {
  C7_MAX_ATTEMPTS as MAX_ATTEMPTS,
  C7_TRANSIENT as TRANSIENT,
  c7Plans,
  c7Prompt,
  checkC7Outcomes,
  readC7Outcomes,
} from '../../../../tests/support/c7-oracle';
import { checkInvariants, expectSound, openObserver } from '../../../../tests/support/checker';
import {
  recorded,
  reliabilitySeed,
  signUpMember,
  waitUntilFinished,
  type Member,
} from '../../../../tests/support/reliability';
import { creditAccounts } from '../../db/schema';

const MEMBERS = 10;
const PER_MEMBER = 20;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    {
      STARTER_CREDITS: String(PER_MEMBER),
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
      GENERATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      LOCAL_PROVIDER_RETRY_AFTER_MS: '100',
    },
    { workers: true },
  );
});
afterAll(() => t.close());

it('C7: 200 failing generations are all refunded with nobody watching', async () => {
  const seed = reliabilitySeed();
  const total = MEMBERS * PER_MEMBER;
  await recorded(
    'C7-refund-on-failure',
    {
      driver: t.database.driver,
      seed,
      parameters: {
        generations: total,
        members: MEMBERS,
        transient: TRANSIENT,
        permanent: total - TRANSIENT,
        maxAttempts: MAX_ATTEMPTS,
        retryAfterMs: 100,
        retryBaseMs: t.deps.config.generation.retryBaseMs,
      },
    },
    async (figures) => {
      // Seeded plan: which submissions fail transiently, and with which code.
      const plans = c7Plans(seed, total);

      const members: Member[] = [];
      for (let i = 0; i < MEMBERS; i++) members.push(await signUpMember(t));
      const userIds = members.map((m) => m.userId);

      const submitted = performance.now();
      const accepted = await Promise.all(
        plans.map(async (plan, i) => {
          const member = members[i % MEMBERS]!;
          const response = await member.submit({
            prompt: c7Prompt(seed, i, plan),
            modelId: 'local-preview',
            size: '512x512',
            n: 1,
          });
          expect(response.status, `submission ${i}`).toBe(202);
          return { ...plan, id: ((await response.json()) as { id: string }).id };
        }),
      );
      const ids = accepted.map((a) => a.id);
      await waitUntilFinished(t.database.db, ids, 90_000);
      figures.allFinishedAfterMs = Math.round(performance.now() - submitted);

      const { mismatches, voids, voidLatencyMs } = checkC7Outcomes(
        accepted,
        await readC7Outcomes(t.database.db, ids),
      );
      figures.voids = voids;
      figures.voidLatencyMs = voidLatencyMs;
      expect(mismatches, 'generations that did not end failed and voided as planned').toEqual([]);
      expect(figures.voids).toBe(total);

      const balances = await t.database.db
        .select({ available: creditAccounts.available, held: creditAccounts.held })
        .from(creditAccounts)
        .where(inArray(creditAccounts.userId, userIds));
      figures.balanceDelta = balances.reduce((sum, b) => sum + b.available + b.held - PER_MEMBER, 0);
      expect(balances).toEqual(userIds.map(() => ({ available: PER_MEMBER, held: 0 })));

      const observer = await openObserver(t.database);
      try {
        const report = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds,
          storage: t.platform.generation.storage,
        });
        figures.openHolds = report.figures?.openHolds;
        figures.storedObjects = report.figures?.storedObjects;
        expectSound(report);
        expect(report.figures).toMatchObject({ openHolds: 0, voided: total, settled: 0, storedObjects: 0 });
      } finally {
        await observer.close();
      }
    },
  );
}, 150_000);
