/**
 * Q2, provider faults (reliability.md 3.3), the in-process CI version on both
 * drivers: 200 generations against the offline provider with its seeded fault
 * mix (20 % rate_limited with Retry-After 1 s, 10 % provider_error, 10 % hangs
 * until the 2 s attempt timeout, 5 % malformed bodies, 5 % invalid_request),
 * each checked exactly against the plan that its fault seed, id and attempt
 * numbers give. The oracle (the plan, the outcome checks and the figures) is
 * tests/support/q2-oracle.ts, shared with the mode-X process test
 * (tests/process/q2-provider-faults-x.process.test.ts); its header says what
 * is checked and why. Here the in-process checker adds L1–L4 and J1–J3.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import { checkInvariants, expectSound, openObserver } from '../../../../tests/support/checker';
import {
  expectQ2,
  judgeQ2,
  q2Parameters,
  q2ProviderEnv,
  readQ2Rows,
} from '../../../../tests/support/q2-oracle';
import {
  recorded,
  reliabilitySeed,
  signUpMember,
  waitUntilFinished,
  type Member,
} from '../../../../tests/support/reliability';

const MEMBERS = 10;
const PER_MEMBER = 20;

const seed = reliabilitySeed();

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    {
      STARTER_CREDITS: String(PER_MEMBER),
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
      ...q2ProviderEnv(seed),
      // A faulty call mostly waits (Retry-After, a hang, backoff) rather than computes, so
      // more concurrent jobs than cores keep the run short without loading the machine.
      WORKER_CONCURRENCY: '16',
    },
    { workers: true },
  );
});
afterAll(() => t.close());

it('Q2: transient faults are retried, permanent ones are not, Retry-After is honoured, failures are voided', async () => {
  const total = MEMBERS * PER_MEMBER;
  await recorded(
    'Q2-provider-faults',
    {
      driver: t.database.driver,
      seed,
      parameters: {
        generations: total,
        ...q2Parameters,
        workerConcurrency: 16,
        routes: 1,
      },
    },
    async (figures) => {
      const members: Member[] = [];
      for (let i = 0; i < MEMBERS; i++) members.push(await signUpMember(t));
      const userIds = members.map((m) => m.userId);
      const started = performance.now();
      const ids = await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          const response = await members[i % MEMBERS]!.submit({
            prompt: `faults ${seed} #${i}`,
            modelId: 'local-preview',
            size: '512x512',
            n: 1,
          });
          expect(response.status, `submission ${i}`).toBe(202);
          return ((await response.json()) as { id: string }).id;
        }),
      );
      await waitUntilFinished(t.database.db, ids, 120_000);
      figures.allFinishedAfterMs = Math.round(performance.now() - started);

      const verdict = judgeQ2(seed, await readQ2Rows(t.database.db, ids), total);
      Object.assign(figures, verdict.figures);
      expectQ2(verdict, total);

      const observer = await openObserver(t.database);
      try {
        const report = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds,
          storage: t.platform.generation.storage,
        });
        figures.storedObjects = report.figures?.storedObjects;
        expectSound(report);
        expect(report.figures?.openHolds).toBe(0);
        expect(report.figures?.storedObjects).toBe(2 * (total - verdict.failures));
      } finally {
        await observer.close();
      }
    },
  );
}, 180_000);
