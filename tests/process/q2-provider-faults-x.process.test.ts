/**
 * Q2 in mode X (reliability.md 3.3, CI: 200 generations in X): the provider
 * fault run of src/server/generations/reliability/q2-provider-faults.integration.test.ts
 * across real processes. Two web processes (WORKER_MODE=separate) take the
 * submissions, two worker processes run them against the offline provider
 * with the same seeded fault mix, on PostgreSQL. Every generation is checked
 * exactly against the plan its fault seed, id and attempt numbers give, by
 * the same oracle as the in-process test (tests/support/q2-oracle.ts): a
 * worker process draws the same faults as the in-process worker, so the
 * retry rules, Retry-After, the 2 s abort and the voids must come out the
 * same. Then the stack stops and the end-state checker reads PostgreSQL and
 * the bucket (J1–J3, L1–L3): every success settled and stored, every failure
 * voided, nothing open. Both workers must have taken generations.
 *
 * The seed is the fault seed (PROCESS_TEST_SEED replays it); ids come from
 * the server, so a failure names the generation and its plan.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Database } from '../../src/server/db/client';
import { expectQ2, judgeQ2, q2Parameters, q2ProviderEnv, readQ2Rows } from '../support/q2-oracle';
import { recordOutcome, testSeed } from '../support/reliability-record';
import { checkEndState, runsFromLogs } from '../support/stack-checker';
import { signUpMembers } from '../support/stack-client';
import { missingBuildReason, missingPostgresReason, startXStack, type Stack } from '../support/stack';
import { waitUntilFinished } from '../support/wait-finished';

const skip = missingBuildReason() ?? missingPostgresReason();
if (skip) console.log(`[process] Q2 (X) skipped: ${skip}`);

const MEMBERS = 10;
const PER_MEMBER = 20;
/** Per worker process: 16 in all, as the in-process test runs in its one process. */
const WORKER_CONCURRENCY = 8;
/** How long the 200 may take before the test gives up (CI budget ≤ 45 s; the figure is recorded). */
const FINISH_TIMEOUT_MS = 120_000;

describe.skipIf(skip !== undefined)(
  'Q2 in mode X: provider faults over two web and two worker processes',
  () => {
    let stack: Stack;
    let seed: number;
    beforeAll(async () => {
      seed = testSeed('Q2 X');
      stack = await startXStack({
        name: 'q2-x',
        webs: 2,
        workers: 2,
        env: { STARTER_CREDITS: String(PER_MEMBER), ...q2ProviderEnv(seed) },
        workerEnv: { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) },
      });
    });
    afterAll(async () => {
      await stack?.teardown();
    });

    it('transient faults are retried, permanent ones are not, Retry-After is honoured, failures are voided', async () => {
      onTestFailed(() => console.log(stack.logTails(40)));
      const total = MEMBERS * PER_MEMBER;
      const [web1, web2] = stack.webs;
      const figures: Record<string, unknown> = {};
      const startedMs = Date.now();
      await recordOutcome(
        {
          test: 'Q2-provider-faults',
          mode: 'X',
          parameters: {
            generations: total,
            members: MEMBERS,
            ...q2Parameters,
            webs: stack.webs.length,
            workers: stack.workers.length,
            workerConcurrency: WORKER_CONCURRENCY,
            routes: 1,
          },
          seed,
          figures,
          startedAt: new Date(startedMs).toISOString(),
          startedMs,
        },
        async () => {
          const members = await signUpMembers(web1!.url, stack.publicUrl, MEMBERS);
          const viaOther = members.map((member) => member.via(web2!.url));
          const database: Database = await stack.openDatabase();
          try {
            // Every member submits through both web processes.
            const started = performance.now();
            const ids = await Promise.all(
              Array.from({ length: total }, async (_, i) => {
                const m = i % MEMBERS;
                const member = Math.floor(i / MEMBERS) % 2 ? viaOther[m]! : members[m]!;
                const result = await member.create({ prompt: `faults ${seed} #${i}`, n: 1 });
                expect(result.status, `submission ${i}: ${result.body}`).toBe(202);
                return result.id!;
              }),
            );
            figures.submitMs = Math.round(performance.now() - started);
            await waitUntilFinished(database.db, ids, FINISH_TIMEOUT_MS);
            figures.allFinishedAfterMs = Math.round(performance.now() - started);

            const verdict = judgeQ2(seed, await readQ2Rows(database.db, ids), total);
            Object.assign(figures, verdict.figures);
            expectQ2(verdict, total);

            const exits = await stack.stopAll();
            figures.exits = exits;
            const runsPerWorker = stack.workers.map((worker) => runsFromLogs(worker.logLines()).size);
            figures.runsPerWorker = runsPerWorker;
            const report = await checkEndState({ database, config: stack.config, accepted: ids });
            Object.assign(figures, {
              byStatus: report.generations.byStatus,
              openHolds: report.holds.open,
              settledSum: report.holds.settledSum,
              voidedSum: report.holds.voidedSum,
              storedObjects: report.storage.objectsAfterSweep,
              jobReruns: report.jobs.reruns,
              problems: report.problems,
            });
            expect(report.problems).toEqual([]);
            expect(report.generations.found).toBe(total);
            expect(report.holds.open).toBe(0);
            expect(report.holds.settledSum).toBe(report.holds.costOfSucceeded);
            expect(report.holds.voidedSum).toBe(report.holds.heldForUnsuccessful);
            expect(report.storage.objectsAfterSweep).toBe(2 * (total - verdict.failures));
            expect(report.ledger.ok).toBe(true);
            expect(
              Object.values(exits).every((exit) => exit.code === 0),
              JSON.stringify(exits),
            ).toBe(true);
            expect(
              runsPerWorker.every((runs) => runs > 0),
              `runs per worker: ${runsPerWorker.join(', ')}`,
            ).toBe(true);
          } finally {
            await database.close();
          }
        },
      );
    });
  },
);
