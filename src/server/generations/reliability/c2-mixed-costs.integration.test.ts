/**
 * C2, mixed costs (reliability.md 3.1): a member with 100 credits sends 300
 * concurrent `POST /api/generations` costing 1–4 credits each, and every
 * accepted generation then runs to the end: 70 % succeed, 30 % fail for
 * good. Afterwards the member's balance is 100 − Σ settled, every accepted
 * generation ended as planned (succeeded and settled at its cost, or failed
 * and voided), no hold is open, and L1–L3 and J2 hold. L1 is sampled every
 * 10 ms from the first request until the last generation has finished (as
 * C1 during the burst, then one sample at a time while the jobs run).
 *
 * Unlike C1, the workers run during the burst, so jobs may settle and void
 * while holds are still being placed. A void gives its credits back while
 * requests are still arriving, so what can be accepted is 100 plus the
 * credits released by then: Σ accepted cost ≤ 100 + Σ voided at the end of
 * the burst (exactly "≤ 100" when nothing was voided yet; Σ settled ≤ 100
 * always). In practice the first few dozen requests take the whole balance
 * and the jobs mostly run after the burst (the record's voidedDuringBurst
 * and settledDuringBurst show how much overlapped). When nothing was voided,
 * the balance only fell during the burst, so what is left unspent must be
 * below the cheapest refused price: no request was refused wrongly.
 *
 * The seed draws each request's price (1–4 uniformly, then a model, size and
 * image count with that price) and which 90 of the 300 requests (30 %) carry
 * a permanent-failure prompt marker (`[fail:content_policy]` or
 * `[fail:invalid_request]`). Which requests win the race is the database's
 * doing, so the failing share of the *accepted* ones is near 30 %, recorded,
 * and the check compares each generation with its own plan.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import {
  checkInvariants,
  expectSound,
  openObserver,
  startL1Sampler,
  type InvariantReport,
  type SamplerResult,
} from '../../../../tests/support/checker';
import {
  checkRejections,
  histogram,
  percentile,
  recorded,
  reliabilitySeed,
  signUpMember,
  waitUntilFinished,
} from '../../../../tests/support/reliability';
import { queryRows, type Db } from '../../db/client';
import { creditAccounts, creditHolds, generations, ledgerTransactions } from '../../db/schema';
import { createRandom, type Random } from '../../providers/local/random';

const DEEP = process.env.TEST_DEEP === '1';
const ROUNDS = DEEP ? 10 : 2;
const REQUESTS = 300;
const CREDITS = 100;
/** 30 % of the requests fail for good. */
const FAILING = Math.round(REQUESTS * 0.3);
/** Requests start within this many ms of each other (seeded), so rounds differ in their interleavings. */
const SPREAD_MS = 3;
/** Well above REQUESTS, so the per-member cap of unfinished generations never answers instead of the ledger. */
const MAX_ACTIVE = 1000;

/**
 * Request shapes of the offline models by price (seed-data.ts: 1 credit an
 * image up to 0.6 MP, 2 above; at most 4 images). The 202 answer's cost is
 * compared with the price planned here, so a catalog change shows up.
 */
const SHAPES: Record<number, ReadonlyArray<{ size: string; n: number }>> = {
  1: [
    { size: '512x512', n: 1 },
    { size: '768x768', n: 1 },
  ],
  2: [
    { size: '512x512', n: 2 },
    { size: '768x768', n: 2 },
    { size: '1024x768', n: 1 },
    { size: '1024x1024', n: 1 },
  ],
  3: [
    { size: '512x512', n: 3 },
    { size: '768x768', n: 3 },
  ],
  4: [
    { size: '512x512', n: 4 },
    { size: '768x768', n: 4 },
    { size: '1024x768', n: 2 },
  ],
};
const MODELS = ['local-preview', 'local-sketch'] as const;
const FAIL_CODES = ['content_policy', 'invalid_request'] as const;

interface Plan {
  cost: number;
  body: { prompt: string; modelId: string; size: string; n: number };
  /** The permanent failure its prompt asks for, or undefined to succeed. */
  failCode: string | undefined;
  delayMs: number;
}

/** One round's 300 requests: prices, shapes, which 90 fail and how, and start delays. */
function planRound(random: Random, seed: number, round: number): Plan[] {
  const order = Array.from({ length: REQUESTS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const failing = new Set(order.slice(0, FAILING));
  return Array.from({ length: REQUESTS }, (_, i) => {
    const cost = random.int(1, 4);
    const shape = random.pick(SHAPES[cost]!);
    const failCode = failing.has(i) ? random.pick(FAIL_CODES) : undefined;
    return {
      cost,
      body: {
        prompt: `mixed ${seed} round ${round} #${i}${failCode ? ` [fail:${failCode}]` : ''}`,
        modelId: random.pick(MODELS),
        ...shape,
      },
      failCode,
      delayMs: random.next() * SPREAD_MS,
    };
  });
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    {
      STARTER_CREDITS: String(CREDITS),
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
      GENERATION_MAX_ACTIVE_PER_USER: String(MAX_ACTIVE),
    },
    { workers: true },
  );
});
afterAll(() => t.close());

it(
  `C2: 300 concurrent submits of mixed cost against 100 credits, run to the end, in ${ROUNDS} rounds`,
  async () => {
    const seed = reliabilitySeed();
    const random = createRandom(seed);
    await recorded(
      'C2-mixed-costs',
      {
        driver: t.database.driver,
        seed,
        parameters: {
          rounds: ROUNDS,
          requests: REQUESTS,
          credits: CREDITS,
          costs: '1-4 uniform',
          failingRequests: FAILING,
          failure: 'permanent (prompt marker content_policy / invalid_request)',
          workers: true,
          workerConcurrency: t.deps.config.worker.concurrency,
          maxActivePerUser: MAX_ACTIVE,
          deep: DEEP,
        },
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
            const plans = planRound(random, seed, round);
            const member = await signUpMember(t);
            const accountId = await accountOf(t.database.db, member.userId);
            const burstSampler = startL1Sampler(observer.db, { userIds: [member.userId] });
            const roundStarted = performance.now();
            const results = await Promise.all(
              plans.map(async (plan) => {
                await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
                const begun = performance.now();
                const response = await member.submit(plan.body);
                const latencyMs = performance.now() - begun;
                burstSampler.poke();
                const json = (await response.json()) as {
                  id?: string;
                  cost?: number;
                  error?: { code: string };
                };
                return { plan, status: response.status, json, latencyMs };
              }),
            );
            const burstMs = performance.now() - roundStarted;
            // Credits given back by failures (and spent by successes) while requests were still being accepted.
            const duringBurst = await resolvedSoFar(observer.db, accountId);
            const voidedDuringBurst = duringBurst.voided;
            const burstSamples = await burstSampler.stop();
            // While the jobs run, one sample at a time: on PGlite every sample waits its turn with the workers.
            const drainSampler = startL1Sampler(observer.db, { userIds: [member.userId], maxInFlight: 1 });

            const accepted = results.filter((r) => r.status === 202);
            const refused = results.filter(
              (r) => r.status === 402 && r.json.error?.code === 'insufficient_credits',
            );
            const other = results
              .filter(
                (r) =>
                  r.status !== 202 && !(r.status === 402 && r.json.error?.code === 'insufficient_credits'),
              )
              .map((r) => `${r.status} ${r.json.error?.code ?? ''}`.trim());
            const priceMismatches = accepted
              .filter((r) => r.json.cost !== r.plan.cost)
              .map((r) => `${JSON.stringify(r.plan.body)}: cost ${r.json.cost}, planned ${r.plan.cost}`);
            const acceptedCost = sum(accepted.map((r) => r.plan.cost));
            const planned = accepted.map((r) => ({
              id: r.json.id!,
              cost: r.plan.cost,
              failCode: r.plan.failCode,
            }));
            const plannedToFail = planned.filter((p) => p.failCode !== undefined);
            const plannedToSucceed = planned.filter((p) => p.failCode === undefined);

            await waitUntilFinished(
              t.database.db,
              planned.map((p) => p.id),
              60_000,
            );
            const roundMs = performance.now() - roundStarted;
            const drainMs = roundMs - burstMs;
            const samples = mergeSamples(burstSamples, await drainSampler.stop());

            const mismatches = checkOutcomes(
              planned,
              await readOutcomes(
                t.database.db,
                planned.map((p) => p.id),
              ),
            );
            const mine = await checkInvariants(observer.db, {
              now: t.deps.now(),
              config: t.deps.config,
              userIds: [member.userId],
            });
            const [balance] = await t.database.db
              .select({ available: creditAccounts.available, held: creditAccounts.held })
              .from(creditAccounts)
              .where(eq(creditAccounts.id, accountId));
            const settled = mine.figures?.settled ?? Number.NaN;
            const voided = mine.figures?.voided ?? Number.NaN;
            const summary = {
              round,
              accepted: accepted.length,
              acceptedCost,
              acceptedByCost: histogram(accepted.map((r) => r.plan.cost)),
              refused: refused.length,
              other,
              plannedToFail: plannedToFail.length,
              failShareOfAccepted: round3(plannedToFail.length / Math.max(1, accepted.length)),
              voidedDuringBurst,
              settledDuringBurst: duringBurst.settled,
              byStatus: mine.figures?.byStatus,
              settled,
              voided,
              finalAvailable: balance?.available,
              finalHeld: balance?.held,
              openHolds: mine.figures?.openHolds,
              ledgerDiff: await ledgerDiff(observer.db, accountId),
              samples: samples.samples,
              drainSamples: samples.drainSamples,
              meanSampleIntervalMs: samples.meanIntervalMs,
              skippedSampleTicks: samples.skippedTicks,
              minSampledAvailable: samples.minAvailable,
              l1Violations: samples.violations.length,
              samplerFailures: samples.failures.length,
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
              burstMs: Math.round(burstMs),
              drainMs: Math.round(drainMs),
              roundMs: Math.round(roundMs),
            };
            rounds.push(summary);

            const at = `round ${round}`;
            expect(other, `${at}: answers other than 202 and 402 insufficient_credits`).toEqual([]);
            expect(priceMismatches, `${at}: accepted at another price than planned`).toEqual([]);
            expect(accepted.length + refused.length).toBe(REQUESTS);
            // Σ cost accepted ≤ 100, plus whatever failures had handed back before the last answer.
            expect(acceptedCost, `${at}: Σ cost accepted`).toBeLessThanOrEqual(CREDITS + voidedDuringBurst);
            expect(accepted.length, `${at}: something was accepted`).toBeGreaterThan(0);
            if (voidedDuringBurst === 0 && refused.length > 0) {
              // Nothing came back, so the balance only fell: each refusal saw less than its cost, and
              // what is left at the end is less than the cheapest refused request (none refused wrongly).
              const cheapestRefused = Math.min(...refused.map((r) => r.plan.cost));
              expect(CREDITS - acceptedCost, `${at}: left unspent after the burst`).toBeLessThan(
                cheapestRefused,
              );
            }
            expect(samples.failures, `${at}: sampler errors`).toEqual([]);
            expect(samples.violations, `${at}: L1 samples`).toEqual([]);
            expect(samples.samples).toBeGreaterThan(1);

            expect(mismatches, `${at}: generations that did not end as planned`).toEqual([]);
            expectSound(mine, `${at}, the member (L1–L3, J1–J2)`);
            expect(mine.figures?.byStatus).toEqual({
              ...(plannedToSucceed.length > 0 ? { succeeded: plannedToSucceed.length } : {}),
              ...(plannedToFail.length > 0 ? { failed: plannedToFail.length } : {}),
            });
            expect(mine.figures).toMatchObject({
              settled: sum(plannedToSucceed.map((p) => p.cost)),
              charged: sum(plannedToSucceed.map((p) => p.cost)),
              voided: sum(plannedToFail.map((p) => p.cost)),
              openHolds: 0,
            });
            expect(settled + voided, `${at}: every accepted credit settled or voided`).toBe(acceptedCost);
            expect(settled).toBeLessThanOrEqual(CREDITS);
            expect(balance, `${at}: final balance = 100 − Σ settled`).toEqual({
              available: CREDITS - settled,
              held: 0,
            });
            expect(summary.ledgerDiff, `${at}: cached balance − fold of entries`).toBe(0);

            const everyone = await checkInvariants(observer.db, {
              now: t.deps.now(),
              config: t.deps.config,
              previous: previous.journal!,
            });
            expectSound(everyone, `${at}, whole ledger (L4 against the previous sample)`);
            previous = everyone;
          }
        } finally {
          await observer.close();
        }
        const pick = (key: string) => rounds.map((r) => r[key] as number);
        figures.acceptedCost = range(pick('acceptedCost'));
        figures.accepted = range(pick('accepted'));
        figures.settled = range(pick('settled'));
        figures.voided = range(pick('voided'));
        figures.finalAvailable = range(pick('finalAvailable'));
        figures.voidedDuringBurst = range(pick('voidedDuringBurst'));
        figures.ledgerDiffMax = Math.max(...pick('ledgerDiff'));
        figures.l1Violations = sum(pick('l1Violations'));
        figures.roundMs = range(pick('roundMs'));
        figures.checkRejections = checkRejections(t.logs);
        expect(figures.checkRejections, 'CHECK constraint rejections in the log').toBe(0);
      },
    );
  },
  30_000 + ROUNDS * 60_000,
);

async function accountOf(db: Db, userId: string): Promise<string> {
  const [row] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(eq(creditAccounts.userId, userId));
  if (!row) throw new Error(`no credit account for ${userId}`);
  return row.id;
}

/** Credits settled and voided on the account so far. */
async function resolvedSoFar(db: Db, accountId: string): Promise<{ settled: number; voided: number }> {
  const rows = await db
    .select({
      kind: ledgerTransactions.kind,
      total: sql<number>`coalesce(sum(${ledgerTransactions.amount}), 0)::int`,
    })
    .from(ledgerTransactions)
    .where(
      and(eq(ledgerTransactions.accountId, accountId), inArray(ledgerTransactions.kind, ['settle', 'void'])),
    )
    .groupBy(ledgerTransactions.kind);
  const of = (kind: string) => Number(rows.find((row) => row.kind === kind)?.total ?? 0);
  return { settled: of('settle'), voided: of('void') };
}

/** |cached − fold of entries| over both buckets of the account: L2's difference, as a figure. */
async function ledgerDiff(db: Db, accountId: string): Promise<number> {
  const [row] = await queryRows<{ diff: number }>(
    db,
    sql`select (abs(a.available - coalesce(sum(e.amount) filter (where e.bucket = 'available'), 0))
        + abs(a.held - coalesce(sum(e.amount) filter (where e.bucket = 'held'), 0)))::int as diff
      from credit_accounts a left join ledger_entries e on e.account_id = a.id
      where a.id = ${accountId} group by a.id`,
  );
  return Number(row?.diff ?? Number.NaN);
}

function readOutcomes(db: Db, ids: string[]) {
  return db
    .select({
      id: generations.id,
      status: generations.status,
      errorCode: generations.errorCode,
      charged: generations.charged,
      holdStatus: creditHolds.status,
      holdAmount: creditHolds.amount,
      settledAmount: creditHolds.settledAmount,
      voidReason: creditHolds.voidReason,
    })
    .from(generations)
    .innerJoin(creditHolds, eq(creditHolds.id, generations.holdId))
    .where(inArray(generations.id, ids));
}

/** Each accepted generation against its plan: succeeded and settled at its cost, or failed and voided. */
function checkOutcomes(
  planned: ReadonlyArray<{ id: string; cost: number; failCode: string | undefined }>,
  rows: Awaited<ReturnType<typeof readOutcomes>>,
): string[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const mismatches: string[] = [];
  for (const plan of planned) {
    const row = byId.get(plan.id);
    const seen = row && {
      status: row.status,
      errorCode: row.errorCode,
      charged: row.charged,
      hold: row.holdStatus,
      holdAmount: row.holdAmount,
      settledAmount: row.settledAmount,
      voidReason: row.voidReason,
    };
    const wanted = plan.failCode
      ? {
          status: 'failed',
          errorCode: plan.failCode,
          charged: 0,
          hold: 'voided',
          holdAmount: plan.cost,
          settledAmount: null,
          voidReason: 'failure',
        }
      : {
          status: 'succeeded',
          errorCode: null,
          charged: plan.cost,
          hold: 'settled',
          holdAmount: plan.cost,
          settledAmount: plan.cost,
          voidReason: null,
        };
    if (JSON.stringify(seen) !== JSON.stringify(wanted)) {
      mismatches.push(`${plan.id}: ${JSON.stringify(seen)} instead of ${JSON.stringify(wanted)}`);
    }
  }
  return mismatches;
}

/** Both phases' L1 samples as one result (the mean interval is the burst's, where it is tightest). */
function mergeSamples(burst: SamplerResult, drain: SamplerResult): SamplerResult & { drainSamples: number } {
  const mins = [burst.minAvailable, drain.minAvailable].filter((v): v is number => v !== null);
  return {
    samples: burst.samples + drain.samples,
    drainSamples: drain.samples,
    violations: [...burst.violations, ...drain.violations],
    failures: [...burst.failures, ...drain.failures],
    minAvailable: mins.length > 0 ? Math.min(...mins) : null,
    skippedTicks: burst.skippedTicks + drain.skippedTicks,
    meanIntervalMs: burst.meanIntervalMs,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function range(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
