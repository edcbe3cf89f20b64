/**
 * C7 in mode X (reliability.md 3.1): refund on failure across real processes.
 * 200 generations, submitted over two web processes (WORKER_MODE=separate),
 * run by two worker processes on PostgreSQL against an offline provider that
 * fails every call: 180 fail for good at once (content_policy or
 * invalid_request), 20 fail transiently on every attempt (rate_limited or
 * provider_error) until the 5 attempts are spent. As in the in-process test
 * (src/server/generations/reliability/c7-refund-on-failure.integration.test.ts)
 * the failure is a prompt marker the processes obey (`[fail:<code>]`, every
 * attempt), and which generations fail transiently, and how, is drawn from
 * the seed (the same draw for the same seed). Retry-After is 100 ms
 * (LOCAL_PROVIDER_RETRY_AFTER_MS), so the slow ones spend their five attempts
 * in about a second; Q2 checks that a Retry-After is honoured.
 *
 * Nobody reads status meanwhile: after the POSTs no request reaches a web
 * process (no SSE, no polling); the test only watches PostgreSQL. Every
 * generation must end failed with its hold voided (one void each), every
 * member's balance back where it started with nothing held, and, once the
 * stack has stopped, the end-state checker (J1–J3, L1–L3) must find no open
 * hold, no settle and no stored object.
 */
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Database } from '../../src/server/db/client';
import { creditAccounts, users } from '../../src/server/db/schema';
import {
  C7_MAX_ATTEMPTS as MAX_ATTEMPTS,
  C7_TRANSIENT as TRANSIENT,
  c7Plans,
  c7Prompt,
  checkC7Outcomes,
  readC7Outcomes,
} from '../support/c7-oracle';
import { recordOutcome, testSeed } from '../support/reliability-record';
import { checkEndState, runsFromLogs } from '../support/stack-checker';
import { signUpMembers } from '../support/stack-client';
import { missingBuildReason, missingPostgresReason, startXStack, type Stack } from '../support/stack';
import { waitUntilFinished } from '../support/wait-finished';

const skip = missingBuildReason() ?? missingPostgresReason();
if (skip) console.log(`[process] C7 (X) skipped: ${skip}`);

const MEMBERS = 10;
const PER_MEMBER = 20;
const RETRY_AFTER_MS = 100;
/** How long the 200 may take before the test gives up (CI budget ≤ 35 s; the figure is recorded). */
const FINISH_TIMEOUT_MS = 90_000;

describe.skipIf(skip !== undefined)('C7 in mode X: refunds over two web and two worker processes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startXStack({
      name: 'c7-x',
      webs: 2,
      workers: 2,
      env: {
        STARTER_CREDITS: String(PER_MEMBER),
        GENERATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        LOCAL_PROVIDER_RETRY_AFTER_MS: String(RETRY_AFTER_MS),
      },
    });
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('200 failing generations are all refunded with nobody watching', async () => {
    onTestFailed(() => console.log(stack.logTails(40)));
    const seed = testSeed('C7 X');
    const total = MEMBERS * PER_MEMBER;
    const [web1, web2] = stack.webs;
    const figures: Record<string, unknown> = {};
    const startedMs = Date.now();
    await recordOutcome(
      {
        test: 'C7-refund-on-failure',
        mode: 'X',
        parameters: {
          generations: total,
          members: MEMBERS,
          transient: TRANSIENT,
          permanent: total - TRANSIENT,
          maxAttempts: MAX_ATTEMPTS,
          retryAfterMs: RETRY_AFTER_MS,
          retryBaseMs: stack.config.generation.retryBaseMs,
          webs: stack.webs.length,
          workers: stack.workers.length,
          workerConcurrency: stack.config.worker.concurrency,
        },
        seed,
        figures,
        startedAt: new Date(startedMs).toISOString(),
        startedMs,
      },
      async () => {
        const plans = c7Plans(seed, total);
        const members = await signUpMembers(web1!.url, stack.publicUrl, MEMBERS);
        const viaOther = members.map((member) => member.via(web2!.url));
        const database: Database = await stack.openDatabase();
        try {
          const userIds = (
            await database.db
              .select({ id: users.id })
              .from(users)
              .where(
                inArray(
                  users.email,
                  members.map((m) => m.email),
                ),
              )
          ).map((row) => row.id);
          expect(userIds).toHaveLength(MEMBERS);

          // Every member submits through both web processes; then no request at all until the end.
          const submitted = performance.now();
          const accepted = await Promise.all(
            plans.map(async (plan, i) => {
              const m = i % MEMBERS;
              const member = Math.floor(i / MEMBERS) % 2 ? viaOther[m]! : members[m]!;
              const result = await member.create({
                prompt: c7Prompt(seed, i, plan),
                n: 1,
              });
              expect(result.status, `submission ${i}: ${result.body}`).toBe(202);
              return { ...plan, id: result.id! };
            }),
          );
          const ids = accepted.map((a) => a.id);
          figures.submitMs = Math.round(performance.now() - submitted);
          await waitUntilFinished(database.db, ids, FINISH_TIMEOUT_MS);
          figures.allFinishedAfterMs = Math.round(performance.now() - submitted);

          const rows = await readC7Outcomes(database.db, ids);
          const { mismatches, voids, voidLatencyMs } = checkC7Outcomes(accepted, rows);
          Object.assign(figures, {
            rows: rows.length,
            voids,
            voidLatencyMs,
            mismatches: mismatches.slice(0, 20),
          });
          // One row per generation: a second void of one hold would show up as an extra row.
          expect(rows).toHaveLength(total);
          expect(mismatches, 'generations that did not end failed and voided as planned').toEqual([]);
          expect(figures.voids).toBe(total);

          const balances = await database.db
            .select({ available: creditAccounts.available, held: creditAccounts.held })
            .from(creditAccounts)
            .where(inArray(creditAccounts.userId, userIds));
          figures.balanceDelta = balances.reduce((sum, b) => sum + b.available + b.held - PER_MEMBER, 0);
          figures.heldAtEnd = balances.reduce((sum, b) => sum + b.held, 0);
          expect(balances).toEqual(userIds.map(() => ({ available: PER_MEMBER, held: 0 })));

          const exits = await stack.stopAll();
          figures.exits = exits;
          const runsPerWorker = stack.workers.map((worker) => runsFromLogs(worker.logLines()).size);
          figures.runsPerWorker = runsPerWorker;
          const report = await checkEndState({ database, config: stack.config, accepted: ids });
          Object.assign(figures, {
            byStatus: report.generations.byStatus,
            openHolds: report.holds.open,
            voidedSum: report.holds.voidedSum,
            settledSum: report.holds.settledSum,
            storedObjects: report.storage.objectsAfterSweep,
            problems: report.problems,
          });
          expect(report.problems).toEqual([]);
          expect(report.generations.byStatus).toEqual({ failed: total });
          expect(report.holds).toMatchObject({ open: 0, settledSum: 0, voidedSum: total, expired: 0 });
          expect(report.storage.objectsAfterSweep).toBe(0);
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
});
