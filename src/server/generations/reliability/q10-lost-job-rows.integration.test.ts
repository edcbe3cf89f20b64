/**
 * Q10, lost job rows (reliability.md 3.3): the generation row is the record,
 * pg-boss rows only carry it out. With the workers off, 50 generations are
 * queued in two batches a minute apart (on the injected clock). Then their
 * jobs go wrong behind the product's back: half are deleted from
 * pgboss.job outright, the rest are taken with pg-boss's own API and
 * completed, or failed until pg-boss gives up on them, without the
 * handler ever writing anything.
 *
 * The clock then stands past the first batch's hold timeout but inside the
 * second's, and the sweeper runs once. Every generation must be finished or
 * have a fresh live job under a still-valid hold: the first batch failed
 * (`timeout`) and voided by expiry; in the second, lost and completed jobs
 * re-enqueued, jobs pg-boss failed for good turned into failed generations
 * (`internal`) and voided. With the clock past the second batch's timeout,
 * a second pass fails and voids the re-enqueued ones too: no hold is left.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import { checkInvariants, expectSound, openObserver } from '../../../../tests/support/checker';
import { recorded, reliabilitySeed, signUpMember, waitFor } from '../../../../tests/support/reliability';
import { creditAccounts, creditHolds, generations } from '../../db/schema';
import { GENERATION_QUEUE, type GenerationJobData } from '../../jobs/queue';
import { createRandom } from '../../providers/local/random';
import { sweepOnce } from '../sweeper';

const PER_BATCH = 25;
const BATCH_GAP_SECONDS = 60;

type Fate = 'deleted' | 'completed' | 'failed';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { STARTER_CREDITS: String(PER_BATCH), RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' },
    { workers: false },
  );
});
afterAll(() => t.close());

it('Q10: the sweeper repairs generations whose jobs were deleted, completed or failed behind its back', async () => {
  const seed = reliabilitySeed();
  const random = createRandom(seed);
  const { holdTimeoutSeconds } = t.deps.config.generation;
  await recorded(
    'Q10-lost-job-rows',
    {
      driver: t.database.driver,
      seed,
      parameters: {
        generations: 2 * PER_BATCH,
        batchGapSeconds: BATCH_GAP_SECONDS,
        holdTimeoutSeconds,
        retryLimit: t.deps.config.jobs.retryLimit,
        jobs: 'half deleted outright; the rest fetched, then completed or failed until final',
      },
    },
    async (figures) => {
      const deps = t.platform.generation;
      const boss = deps.queue.boss;
      const db = t.database.db;

      // Two batches, a minute apart on the injected clock, each with its own member.
      const batches: Array<{ userId: string; ids: string[] }> = [];
      for (const batch of [0, 1]) {
        if (batch === 1) t.advance(BATCH_GAP_SECONDS * 1000);
        const member = await signUpMember(t);
        const ids: string[] = [];
        for (let i = 0; i < PER_BATCH; i++) {
          const response = await member.submit({
            prompt: `lost jobs ${seed} batch ${batch} #${i}`,
            modelId: 'local-preview',
            size: '512x512',
            n: 1,
          });
          expect(response.status).toBe(202);
          ids.push(((await response.json()) as { id: string }).id);
        }
        batches.push({ userId: member.userId, ids });
      }
      const userIds = batches.map((b) => b.userId);
      const allIds = batches.flatMap((b) => b.ids);

      // Half of the jobs deleted (13 + 12), the rest alternately completed and failed; who gets what is seeded.
      const fate = new Map<string, Fate>();
      for (const [index, { ids }] of batches.entries()) {
        const order = [...ids];
        for (let i = order.length - 1; i > 0; i--) {
          const j = random.int(0, i);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const deleted = index === 0 ? Math.ceil(PER_BATCH / 2) : Math.floor(PER_BATCH / 2);
        order.forEach((id, i) =>
          fate.set(id, i < deleted ? 'deleted' : (i - deleted) % 2 === 0 ? 'completed' : 'failed'),
        );
      }
      const rows = await db.select().from(generations).where(inArray(generations.id, allIds));
      const originalJob = new Map(rows.map((row) => [row.id, row.jobId!]));
      const jobsOf = (kind: Fate) =>
        allIds.filter((id) => fate.get(id) === kind).map((id) => originalJob.get(id)!);

      const deletedJobs = jobsOf('deleted');
      await db.execute(
        sql`delete from pgboss.job where name = ${GENERATION_QUEUE} and id in (${sql.join(
          deletedJobs.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      );
      for (const id of deletedJobs) expect(await deps.queue.jobState(id)).toBeUndefined();

      // The rest are claimed as a worker would, and settled without the handler's write.
      const claimed = await boss.fetch<GenerationJobData>(GENERATION_QUEUE, { batchSize: 2 * PER_BATCH });
      expect(claimed.map((job) => job.id).sort()).toEqual(
        [...jobsOf('completed'), ...jobsOf('failed')].sort(),
      );
      const toComplete = new Set(jobsOf('completed'));
      await boss.complete(
        GENERATION_QUEUE,
        claimed.filter((job) => toComplete.has(job.id)),
      );
      let failing = claimed.filter((job) => !toComplete.has(job.id));
      let failRounds = 0;
      while (failing.length > 0) {
        await boss.fail(GENERATION_QUEUE, failing);
        failRounds++;
        const states = await Promise.all(failing.map((job) => deps.queue.jobState(job.id)));
        if (states.every((state) => state === 'failed')) break;
        expect(states.every((state) => state === 'retry')).toBe(true);
        // pg-boss retries after JOB_RETRY_DELAY_SECONDS (on the database's clock): take them again.
        const pending = new Set(failing.map((job) => job.id));
        failing = await waitFor(
          async () => {
            const again = (
              await boss.fetch<GenerationJobData>(GENERATION_QUEUE, { batchSize: 2 * PER_BATCH })
            ).filter((job) => pending.has(job.id));
            return again.length === pending.size ? again : undefined;
          },
          { timeoutMs: 15_000, describe: () => `${pending.size} jobs never came back for a retry` },
        );
      }
      figures.failRoundsUntilFinal = failRounds;
      for (const id of jobsOf('completed')) expect(await deps.queue.jobState(id)).toBe('completed');
      for (const id of jobsOf('failed')) expect(await deps.queue.jobState(id)).toBe('failed');

      // Past the first batch's hold timeout, inside the second's.
      t.advance((holdTimeoutSeconds - BATCH_GAP_SECONDS + 5) * 1000);
      const first = await sweepOnce(deps);
      figures.firstSweep = first;

      const observer = await openObserver(t.database);
      try {
        const repaired = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds,
          liveJobs: true,
        });
        expectSound(repaired, 'after the first sweep: finished, or a live job under a valid hold');

        const now = t.deps.now();
        const after = await db
          .select({ generation: generations, hold: creditHolds })
          .from(generations)
          .innerJoin(creditHolds, eq(creditHolds.id, generations.holdId))
          .where(inArray(generations.id, allIds));
        const outcome = (row: (typeof after)[number]) => {
          const { generation: g, hold } = row;
          if (g.status === 'queued' && g.jobId !== originalJob.get(g.id) && hold.status === 'open') {
            return hold.expiresAt > now ? 'requeued under a valid hold' : 'requeued under an expired hold';
          }
          return `${g.status}/${g.errorCode}/${hold.status}/${hold.voidReason}`;
        };
        const wanted = (batch: number, id: string) => {
          if (batch === 0) return 'failed/timeout/voided/expiry';
          return fate.get(id) === 'failed' ? 'failed/internal/voided/failure' : 'requeued under a valid hold';
        };
        const seen = after.map((row) => ({ id: row.generation.id, outcome: outcome(row) }));
        const expected = after.map((row) => ({
          id: row.generation.id,
          outcome: wanted(batches[0]!.ids.includes(row.generation.id) ? 0 : 1, row.generation.id),
        }));
        expect(seen).toEqual(expected);
        const requeued = after.filter((row) => row.generation.status === 'queued');
        for (const { generation } of requeued)
          expect(await deps.queue.jobState(generation.jobId!)).toBe('created');
        figures.afterFirstSweep = {
          requeued: requeued.length,
          failedByExpiry: seen.filter((s) => s.outcome.endsWith('expiry')).length,
          failedAsJobFailed: seen.filter((s) => s.outcome.endsWith('failure')).length,
          nonTerminalWithoutLiveJob: repaired.violations.generationWithoutLiveJob.count,
        };
        expect(first).toMatchObject({
          expiredHolds: PER_BATCH,
          reenqueued: requeued.length,
          failedWithoutJob: seen.filter((s) => s.outcome.endsWith('failure')).length,
        });

        // Past the second batch's hold timeout: the re-enqueued ones end too.
        t.advance(BATCH_GAP_SECONDS * 1000);
        const second = await sweepOnce(deps);
        figures.secondSweep = second;
        expect(second.expiredHolds).toBe(requeued.length);
        for (const { generation } of requeued) {
          const [row] = await db.select().from(generations).where(eq(generations.id, generation.id));
          expect(row).toMatchObject({ status: 'failed', errorCode: 'timeout', charged: 0 });
          expect(await deps.queue.jobState(row!.jobId!)).toBe('cancelled');
        }

        const end = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds,
          previous: repaired.journal!,
          liveJobs: true,
          storage: deps.storage,
        });
        figures.holdsLeftOpen = end.figures?.openHolds;
        expectSound(end, 'at the end');
        expect(end.figures).toMatchObject({ openHolds: 0, byStatus: { failed: 2 * PER_BATCH }, settled: 0 });
        const balances = await db
          .select({ available: creditAccounts.available, held: creditAccounts.held })
          .from(creditAccounts)
          .where(inArray(creditAccounts.userId, userIds));
        expect(balances).toEqual([
          { available: PER_BATCH, held: 0 },
          { available: PER_BATCH, held: 0 },
        ]);
      } finally {
        await observer.close();
      }
    },
  );
}, 60_000);
