/**
 * C7's plan and check (reliability.md 3.1), shared by the in-process test
 * (src/server/generations/reliability/c7-refund-on-failure.integration.test.ts)
 * and the mode-X process test (tests/process/c7-refund-on-failure-x.process.test.ts).
 *
 * The seed draws which submissions fail transiently (rate_limited or
 * provider_error on every attempt, until the attempts are spent) and which
 * fail for good at once (content_policy or invalid_request); the failure is
 * the prompt marker `[fail:<code>]`. Each generation must end failed with its
 * code, uncharged, with the planned attempts, and its hold voided for failure.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../src/server/db/client';
import { creditHolds, generations, ledgerTransactions } from '../../src/server/db/schema';
import { createRandom } from '../../src/server/providers/local/random';
import { percentile } from './reliability-record';

export const C7_TRANSIENT = 20;
export const C7_MAX_ATTEMPTS = 5;

export type C7Plan = { kind: 'permanent' | 'transient'; code: string };
export type C7Accepted = C7Plan & { id: string };

/** Which of `total` submissions fail transiently, and each one's code (the same for the same seed). */
export function c7Plans(seed: number, total: number): C7Plan[] {
  const random = createRandom(seed);
  const order = Array.from({ length: total }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const transient = new Set(order.slice(0, C7_TRANSIENT));
  return order.map((_, i) =>
    transient.has(i)
      ? { kind: 'transient', code: random.pick(['rate_limited', 'provider_error']) }
      : { kind: 'permanent', code: random.pick(['content_policy', 'invalid_request']) },
  );
}

/** The prompt that makes the offline provider fail submission `i` as planned. */
export function c7Prompt(seed: number, i: number, plan: C7Plan): string {
  return `refund ${seed} #${i} [fail:${plan.code}]`;
}

/** Each generation with its hold and the hold's void (a second void of one hold would add a row). */
export function readC7Outcomes(db: Db, ids: string[]) {
  return db
    .select({
      id: generations.id,
      status: generations.status,
      errorCode: generations.errorCode,
      charged: generations.charged,
      attempts: generations.attempts,
      createdAt: generations.createdAt,
      holdStatus: creditHolds.status,
      voidReason: creditHolds.voidReason,
      voidedAt: ledgerTransactions.createdAt,
    })
    .from(generations)
    .innerJoin(creditHolds, eq(creditHolds.id, generations.holdId))
    .leftJoin(
      ledgerTransactions,
      and(eq(ledgerTransactions.holdId, creditHolds.id), eq(ledgerTransactions.kind, 'void')),
    )
    .where(inArray(generations.id, ids));
}

export type C7Outcome = Awaited<ReturnType<typeof readC7Outcomes>>[number];

/**
 * Compares every accepted generation with its plan: the mismatches (empty
 * when all went as planned) and, per kind, the milliseconds from creation to
 * the void.
 */
export function checkC7Outcomes(accepted: readonly C7Accepted[], rows: readonly C7Outcome[]) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const latencies = { permanent: [] as number[], transient: [] as number[] };
  const mismatches: string[] = [];
  for (const plan of accepted) {
    const row = byId.get(plan.id);
    const attempts = plan.kind === 'permanent' ? 1 : C7_MAX_ATTEMPTS;
    const seen = row && {
      status: row.status,
      errorCode: row.errorCode,
      charged: row.charged,
      attempts: row.attempts.map((a) => a.errorCode),
      hold: row.holdStatus,
      voidReason: row.voidReason,
    };
    const wanted = {
      status: 'failed',
      errorCode: plan.code,
      charged: 0,
      attempts: Array.from({ length: attempts }, () => plan.code),
      hold: 'voided',
      voidReason: 'failure',
    };
    if (JSON.stringify(seen) !== JSON.stringify(wanted)) {
      mismatches.push(`${plan.id}: ${JSON.stringify(seen)} instead of ${JSON.stringify(wanted)}`);
    }
    if (row?.voidedAt) latencies[plan.kind].push(row.voidedAt.getTime() - row.createdAt.getTime());
  }
  const all = [...latencies.permanent, ...latencies.transient];
  return {
    mismatches,
    voids: all.length,
    voidLatencyMs: {
      all: { p50: percentile(all, 50), p95: percentile(all, 95), max: percentile(all, 100) },
      permanent: { p95: percentile(latencies.permanent, 95) },
      transient: { p95: percentile(latencies.transient, 95) },
    },
  };
}
