/**
 * What reliability tests leave behind (reliability.md 2): one JSON record per
 * test under test-results/reliability/ (test id, mode, parameters, seed,
 * figures, pass), and the seed of every randomised choice, printed so a run
 * can be replayed with PROCESS_TEST_SEED.
 */
import path from 'node:path';
import { seedFrom, writeRecord } from './records';
import { repoRoot } from './stack';

export interface ReliabilityRecord {
  test: string;
  mode: 'S' | 'X';
  parameters: Record<string, unknown>;
  seed: number | null;
  figures: Record<string, unknown>;
  pass: boolean;
  startedAt: string;
  durationMs: number;
}

/**
 * Runs `assertions`, then writes the record with pass = whether they held
 * (written on failure too, so failed runs can be compared), and rethrows.
 */
export async function recordOutcome(
  record: Omit<ReliabilityRecord, 'pass' | 'durationMs'> & { startedMs: number },
  assertions: () => void | Promise<void>,
): Promise<void> {
  let pass = false;
  try {
    await assertions();
    pass = true;
  } finally {
    const { startedMs, ...rest } = record;
    const full: ReliabilityRecord = { ...rest, pass, durationMs: Date.now() - startedMs };
    const file = writeRecord(`${record.test}-${record.mode}`, full);
    console.log(
      `[reliability] ${record.test} (${record.mode}) pass=${pass} -> ${path.relative(repoRoot, file)}`,
    );
  }
}

/** The run's seed: PROCESS_TEST_SEED when set (replay), else a random one; printed either way. */
export function testSeed(label: string): number {
  const seed = seedFrom('PROCESS_TEST_SEED');
  console.log(`[seed] ${label}: ${seed} (replay with PROCESS_TEST_SEED=${seed})`);
  return seed;
}

/** mulberry32: a small, fast generator of floats in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export { percentile } from './records';
