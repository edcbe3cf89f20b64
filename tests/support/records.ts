/**
 * The pieces every reliability record shares, in-process (reliability.ts) or
 * across processes (reliability-record.ts): where records go, how a seed is
 * read for a replay, and the percentile and histogram of figures. No app
 * imports, so process tests can load it cheaply.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RECORDS_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'reliability');

/** Writes one record as `test-results/reliability/<name>.json`; returns the file. */
export function writeRecord(name: string, record: unknown): string {
  mkdirSync(RECORDS_DIR, { recursive: true });
  const file = path.join(RECORDS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** The seed named by an environment variable (a replay), else a fresh random one. */
export function seedFrom(variable: string): number {
  const given = process.env[variable];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new Error(`${variable} must be an integer from 0 to 2^32-1, got "${given}"`);
    }
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 32);
}

/** The p-th percentile (nearest rank) of the values, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Counts of each value, keyed by the value, in ascending order. */
export function histogram(values: readonly number[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v]));
}
