/**
 * C1 in mode X (reliability.md 3.1): the overspend race across two web
 * processes on PostgreSQL. A member with 10 credits sends 200 concurrent
 * 1-credit generations, split over both web instances: exactly 10 are
 * accepted in every round, the rest are refused as insufficient credits,
 * and the balance never goes below zero (the database's CHECK and the
 * conditional hold decide, not any one process). Workers are not started,
 * so the race is between holds only. The in-process version runs on both
 * drivers in src/server/generations/reliability/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { recordOutcome } from '../support/reliability-record';
import { Member } from '../support/stack-client';
import { missingBuildReason, missingPostgresReason, startXStack, type Stack } from '../support/stack';

const skip = missingBuildReason() ?? missingPostgresReason();
if (skip) console.log(`[process] C1 (X) skipped: ${skip}`);

const ROUNDS = 3;
const REQUESTS = 200;

describe.skipIf(skip !== undefined)('C1 in mode X: 200 concurrent submits over two web processes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startXStack({
      name: 'c1-x',
      webs: 2,
      workers: 2,
      startWorkers: false,
      env: { STARTER_CREDITS: '10' },
    });
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it(`accepts exactly 10 of ${REQUESTS} in each of ${ROUNDS} rounds`, async () => {
    onTestFailed(() => console.log(stack.logTails(40)));
    const [web1, web2] = stack.webs;
    const rounds: { accepted: number; refused: number; other: number[] }[] = [];
    const startedMs = Date.now();
    await recordOutcome(
      {
        test: 'C1',
        mode: 'X',
        parameters: { rounds: ROUNDS, requests: REQUESTS, webs: 2 },
        seed: null,
        figures: { rounds },
        startedAt: new Date(startedMs).toISOString(),
        startedMs,
      },
      async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const member = await Member.signUp(web1!.url, stack.publicUrl, `c1-${round}`);
          const viaOther = member.via(web2!.url);
          const results = await Promise.all(
            Array.from({ length: REQUESTS }, (_, i) =>
              (i % 2 ? viaOther : member).create({ prompt: `race ${round}-${i}`, n: 1 }),
            ),
          );
          const accepted = results.filter((r) => r.status === 202).length;
          const refused = results.filter((r) => r.status === 402).length;
          const other = results.filter((r) => r.status !== 202 && r.status !== 402).map((r) => r.status);
          rounds.push({ accepted, refused, other });
          expect(other).toEqual([]);
          expect(accepted).toBe(10);
          expect(refused).toBe(REQUESTS - 10);
          expect(await member.credits()).toEqual({ available: 0, held: 10 });
        }
      },
    );
  });
});
