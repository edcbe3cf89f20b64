/**
 * L1 under load (reliability.md 2): samples every few milliseconds that no
 * cached balance and no fold of ledger entries is below zero, while a test
 * drives concurrent work. Scoped like the checker (checker.ts).
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/server/db/client';
import { scopeOf } from './ledger-scope';

export interface SamplerResult {
  samples: number;
  /** Samples that found a negative cached balance or a negative fold (L1), with what they saw. */
  violations: Array<{ at: number; negativeCached: number; negativeFold: number }>;
  /** Samples whose query failed (each is a problem too: the check did not run). */
  failures: string[];
  /** Lowest `available` of the scoped accounts over all samples (null without samples). */
  minAvailable: number | null;
  /** Ticks when no sample was started because `maxInFlight` were still waiting for the database. */
  skippedTicks: number;
  /** Mean milliseconds between sample completions: the cadence the database actually allowed. */
  meanIntervalMs: number | null;
}

/**
 * Checks L1 every `intervalMs` until stopped: no cached balance below zero
 * and no fold of entries below zero, each read in one REPEATABLE READ
 * snapshot. A sample is started on every tick without waiting for the one
 * before (up to `maxInFlight`). On PGlite the database runs in WebAssembly on
 * the event loop's thread, so under load timers barely fire: the test then
 * calls `poke()` as its requests complete, which queues a sample in between
 * the requests' transactions instead of behind all of them.
 */
export function startL1Sampler(
  db: Db,
  options: { userIds?: readonly string[]; intervalMs?: number; maxInFlight?: number } = {},
): { poke(): void; stop(): Promise<SamplerResult> } {
  const intervalMs = options.intervalMs ?? 10;
  const maxInFlight = options.maxInFlight ?? 8;
  const scope = scopeOf(options.userIds);
  const result: SamplerResult = {
    samples: 0,
    violations: [],
    failures: [],
    minAvailable: null,
    skippedTicks: 0,
    meanIntervalMs: null,
  };
  const started = performance.now();
  const sample = async () => {
    const [row] = await db.transaction(
      (tx) =>
        queryRows<{ negative_cached: number; negative_fold: number; min_available: number | null }>(
          tx,
          sql`select
            (select count(*) from credit_accounts a
              where a.kind = 'user' and (a.available < 0 or a.held < 0) and ${scope.accounts(sql`a.id`)})::int
              as negative_cached,
            (select count(*) from (
              select e.account_id, e.bucket, sum(e.amount) as fold from ledger_entries e
              join credit_accounts a on a.id = e.account_id
              where a.kind = 'user' and ${scope.accounts(sql`a.id`)}
              group by e.account_id, e.bucket) f where f.fold < 0)::int as negative_fold,
            (select min(a.available) from credit_accounts a
              where a.kind = 'user' and ${scope.accounts(sql`a.id`)})::int as min_available`,
        ),
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    result.samples++;
    const negativeCached = Number(row?.negative_cached ?? 0);
    const negativeFold = Number(row?.negative_fold ?? 0);
    if (negativeCached > 0 || negativeFold > 0) {
      result.violations.push({ at: Math.round(performance.now() - started), negativeCached, negativeFold });
    }
    if (row?.min_available !== null && row?.min_available !== undefined) {
      const value = Number(row.min_available);
      result.minAvailable = result.minAvailable === null ? value : Math.min(result.minAvailable, value);
    }
  };
  const inFlight = new Set<Promise<void>>();
  const launch = () => {
    const running = sample()
      .catch((error: unknown) => {
        result.failures.push(error instanceof Error ? error.message : String(error));
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  };
  launch();
  const timer = setInterval(() => {
    if (inFlight.size >= maxInFlight) result.skippedTicks++;
    else launch();
  }, intervalMs);
  return {
    poke() {
      if (inFlight.size < maxInFlight) launch();
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      // One last sample after the load: L1 must hold at the end too.
      launch();
      await Promise.all(inFlight);
      const elapsed = performance.now() - started;
      result.meanIntervalMs = result.samples > 1 ? Math.round((elapsed / result.samples) * 10) / 10 : null;
      return result;
    },
  };
}
