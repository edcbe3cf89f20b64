/**
 * C1, the overspend race (reliability.md 3.1): a member with 10 credits
 * sends 200 concurrent `POST /api/generations` for a 1-credit image. In
 * every round exactly 10 are accepted and 190 refused with 402, L1 holds in
 * every sample taken every 10 ms while the requests run, and L2–L4 and J1–J2
 * hold afterwards.
 *
 * Workers are off: the race is between holds alone, so the account row sees
 * nothing but competing `UPDATE … WHERE available >= 1`, the tightest form of
 * the race, and the outcome is exact (10 open holds, nothing available).
 * Settling while holds are placed is C2's subject, not this one's.
 *
 * The L1 sampler starts a sample every 10 ms and one more as each response
 * arrives: PGlite runs on the event loop's thread, so under this load its
 * timers barely fire, and the extra samples land in between the requests'
 * transactions instead. The record gives the samples taken per round and
 * their mean interval. On PGlite the requests are concurrent in the app but
 * the database runs one statement at a time; truly parallel transactions are
 * the PostgreSQL run's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import {
  checkInvariants,
  expectSound,
  openObserver,
  startL1Sampler,
  type InvariantReport,
} from '../../../../tests/support/checker';
import {
  checkRejections,
  percentile,
  recorded,
  reliabilitySeed,
  signUpMember,
} from '../../../../tests/support/reliability';
import { createRandom } from '../../providers/local/random';

const ROUNDS = 5;
const REQUESTS = 200;
const CREDITS = 10;
/** Requests start within this many ms of each other (seeded), so rounds differ in their interleavings. */
const SPREAD_MS = 3;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { STARTER_CREDITS: String(CREDITS), RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' },
    { workers: false },
  );
});
afterAll(() => t.close());

it('C1: 200 concurrent submits against 10 credits accept exactly 10, in every round', async () => {
  const seed = reliabilitySeed();
  const random = createRandom(seed);
  await recorded(
    'C1-overspend-race',
    {
      driver: t.database.driver,
      seed,
      parameters: { rounds: ROUNDS, requests: REQUESTS, credits: CREDITS, cost: 1, workers: false },
    },
    async (figures) => {
      const observer = await openObserver(t.database);
      const rounds: Array<Record<string, unknown>> = [];
      figures.rounds = rounds;
      try {
        let previous: InvariantReport = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
        });
        expectSound(previous, 'before the first round');
        for (let round = 1; round <= ROUNDS; round++) {
          const member = await signUpMember(t);
          const body = {
            prompt: `race ${seed} round ${round}`,
            modelId: 'local-preview',
            size: '512x512',
            n: 1,
          };
          const delays = Array.from({ length: REQUESTS }, () => random.next() * SPREAD_MS);
          const sampler = startL1Sampler(observer.db, { userIds: [member.userId] });
          const roundStarted = performance.now();
          const results = await Promise.all(
            delays.map(async (delay) => {
              await new Promise((resolve) => setTimeout(resolve, delay));
              const begun = performance.now();
              const response = await member.submit(body);
              const latencyMs = performance.now() - begun;
              sampler.poke();
              const json = (await response.json()) as { error?: { code: string } };
              return { status: response.status, code: json.error?.code, latencyMs };
            }),
          );
          const roundMs = performance.now() - roundStarted;
          const samples = await sampler.stop();

          const accepted = results.filter((r) => r.status === 202);
          const refused = results.filter((r) => r.status === 402 && r.code === 'insufficient_credits');
          const other = results.filter(
            (r) => r.status !== 202 && !(r.status === 402 && r.code === 'insufficient_credits'),
          );
          const summary = {
            round,
            accepted: accepted.length,
            rejected: refused.length,
            other: other.map((r) => `${r.status} ${r.code ?? ''}`.trim()),
            samples: samples.samples,
            meanSampleIntervalMs: samples.meanIntervalMs,
            skippedSampleTicks: samples.skippedTicks,
            minSampledAvailable: samples.minAvailable,
            l1Violations: samples.violations.length,
            samplerFailures: samples.failures.length,
            holdLatencyP50Ms: round1(
              percentile(
                accepted.map((r) => r.latencyMs),
                50,
              ),
            ),
            holdLatencyP95Ms: round1(
              percentile(
                accepted.map((r) => r.latencyMs),
                95,
              ),
            ),
            requestLatencyP95Ms: round1(
              percentile(
                results.map((r) => r.latencyMs),
                95,
              ),
            ),
            roundMs: Math.round(roundMs),
          };
          rounds.push(summary);

          expect(summary.other, `round ${round}: answers other than 202 and 402`).toEqual([]);
          expect(summary.accepted, `round ${round}: accepted`).toBe(CREDITS);
          expect(summary.rejected, `round ${round}: refused`).toBe(REQUESTS - CREDITS);
          expect(samples.failures, `round ${round}: sampler errors`).toEqual([]);
          expect(samples.violations, `round ${round}: L1 samples`).toEqual([]);
          expect(samples.samples).toBeGreaterThan(1);
          expect(samples.minAvailable).toBe(0);

          const mine = await checkInvariants(observer.db, {
            now: t.deps.now(),
            config: t.deps.config,
            userIds: [member.userId],
            liveJobs: true,
          });
          expectSound(mine, `round ${round}, the member`);
          expect(mine.ledger!.figures).toMatchObject({ available: 0, held: CREDITS, openHolds: CREDITS });
          expect(mine.figures!.byStatus).toEqual({ queued: CREDITS });

          const everyone = await checkInvariants(observer.db, {
            now: t.deps.now(),
            config: t.deps.config,
            previous: previous.journal!,
          });
          expectSound(everyone, `round ${round}, whole ledger (L4 against the previous sample)`);
          previous = everyone;
        }
      } finally {
        await observer.close();
      }
      const accepted = rounds.map((r) => r.accepted as number);
      const p95s = rounds.map((r) => r.holdLatencyP95Ms as number);
      figures.acceptedPerRound = { min: Math.min(...accepted), max: Math.max(...accepted) };
      figures.rejectedTotal = rounds.reduce((sum, r) => sum + (r.rejected as number), 0);
      figures.minSampledBalance = Math.min(...rounds.map((r) => r.minSampledAvailable as number));
      figures.holdLatencyP95MsWorstRound = Math.max(...p95s);
      figures.checkRejections = checkRejections(t.logs);
      expect(figures.checkRejections, 'CHECK constraint rejections in the log').toBe(0);
    },
  );
}, 120_000);

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
