/**
 * C6, hold expiry (reliability.md 3.1): the provider hangs and ignores its
 * abort signal (the offline provider's `hang_ignoring_abort`, allowed by
 * LOCAL_PROVIDER_FAIL_MARKERS=all), so the job can neither finish nor stop.
 * The domain clock is moved past the hold timeout plus one sweep and the
 * sweeper runs: it voids the hold, fails the generation with `timeout` and
 * cancels its pg-boss job. Then the hang is released, so the stalled attempt
 * comes back with images and tries to finish: its settle is refused (a hold
 * resolves once), the credits stay returned, and its images are discarded
 * (J3: nothing stored).
 *
 * pg-boss's own timers (expiry after JOB_EXPIRE_SECONDS, heartbeats) run on
 * the database's clock, which the test does not move: only the sweeper, on
 * the injected clock, decides here. The in-process sweeper also runs every
 * SWEEP_INTERVAL_SECONDS on the same clock; either pass may be the one that
 * acts, so the test checks the outcome, not which pass produced it.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, creditsOf, type TestApp } from '../../../../tests/support/app';
import { checkInvariants, expectSound, openObserver } from '../../../../tests/support/checker';
import { expectAppError } from '../../../../tests/support/ledger';
import { recorded, reliabilitySeed, signUpMember, waitFor } from '../../../../tests/support/reliability';
import { generationLedgerKeys, settleHold } from '../../credits';
import { creditHolds, generations, ledgerTransactions } from '../../db/schema';
import { sweepOnce } from '../sweeper';

const CREDITS = 10;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { STARTER_CREDITS: String(CREDITS), LOCAL_PROVIDER_FAIL_MARKERS: 'all' },
    { workers: true },
  );
});
afterAll(() => t.close());

it('C6: the sweeper voids an expired hold under a hung provider, and the late result is refused', async () => {
  const seed = reliabilitySeed();
  const { holdTimeoutSeconds, sweepIntervalSeconds } = t.deps.config.generation;
  await recorded(
    'C6-hold-expiry',
    {
      driver: t.database.driver,
      seed,
      parameters: { holdTimeoutSeconds, sweepIntervalSeconds, fault: 'hang_ignoring_abort', n: 2 },
    },
    async (figures) => {
      const local = t.platform.generation.providers.local!;
      const deps = t.platform.generation;
      const member = await signUpMember(t);
      const response = await member.submit({
        prompt: `a lighthouse ${seed} [fail:hang_ignoring_abort]`,
        modelId: 'local-preview',
        size: '512x512',
        n: 2,
      });
      expect(response.status).toBe(202);
      const { id, cost } = (await response.json()) as { id: string; cost: number };
      await waitFor(async () => (local.hangingCount === 1 ? true : undefined), {
        timeoutMs: 15_000,
        describe: () => `the provider holds ${local.hangingCount} calls`,
      });
      const [queued] = await t.database.db.select().from(generations).where(eq(generations.id, id));
      expect(queued).toMatchObject({ status: 'running' });
      expect(await deps.queue.jobState(queued!.jobId!)).toBe('active');

      t.advance((holdTimeoutSeconds + sweepIntervalSeconds + 1) * 1000);
      const report = await sweepOnce(deps);
      figures.sweep = report;

      const [failed] = await t.database.db.select().from(generations).where(eq(generations.id, id));
      const [hold] = await t.database.db.select().from(creditHolds).where(eq(creditHolds.id, queued!.holdId));
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'timeout', charged: 0 });
      expect(hold).toMatchObject({ status: 'voided', voidReason: 'expiry' });
      figures.jobStateAfterSweep = await deps.queue.jobState(queued!.jobId!);
      expect(figures.jobStateAfterSweep).toBe('cancelled');

      expect(await creditsOf(t, member.cookie)).toEqual({ available: CREDITS, held: 0 });

      const observer = await openObserver(t.database);
      try {
        const afterSweep = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds: [member.userId],
        });
        figures.openHoldsAfterSweep = afterSweep.figures?.openHolds;
        expectSound(afterSweep, 'after the sweep');

        // The stalled attempt's settle, as the worker would send it: refused, the hold resolved once.
        await expectAppError(
          settleHold(t.database.db, {
            holdId: queued!.holdId,
            amount: cost,
            idempotencyKey: generationLedgerKeys(id).settle,
            at: t.deps.now(),
          }),
          'hold_resolved',
        );

        // Release the hang: the attempt now returns its images late and its job tries to finish.
        local.releaseHanging();
        expect(local.hangingCount).toBe(0);
        // Stopping the workers waits for the running handler, so everything it does is done after this.
        await deps.queue.stop(15);
        figures.lateOutputStoredThenDiscarded = t.logs.some(
          (line) => line.includes(id) && line.includes('images discarded'),
        );

        const resolutions = await t.database.db
          .select({ kind: ledgerTransactions.kind })
          .from(ledgerTransactions)
          .where(and(eq(ledgerTransactions.holdId, queued!.holdId)));
        figures.lateSettlesAccepted = resolutions.filter((r) => r.kind === 'settle').length;
        expect(resolutions).toEqual([{ kind: 'void' }]);
        const [final] = await t.database.db.select().from(generations).where(eq(generations.id, id));
        expect(final).toMatchObject({ status: 'failed', errorCode: 'timeout', charged: 0 });
        expect(await creditsOf(t, member.cookie)).toEqual({ available: CREDITS, held: 0 });

        const end = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds: [member.userId],
          previous: afterSweep.journal!,
          storage: deps.storage,
        });
        figures.storedObjects = end.figures?.storedObjects;
        expectSound(end, 'after the late attempt');
        expect(end.figures?.storedObjects).toBe(0);
      } finally {
        await observer.close();
      }
    },
  );
}, 60_000);
