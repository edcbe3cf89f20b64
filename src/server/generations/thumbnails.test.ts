/**
 * The sweeper's memory of generations whose thumbnails it could not
 * complete: each is held back REPAIR_AFTER_MS, then twice as long after
 * every further failure up to a day, and the memory is bounded.
 */
import { describe, expect, it } from 'vitest';
import { REPAIR_AFTER_MS, repairBackoff } from './thumbnails';

const DAY = 24 * 3600_000;

describe('repairBackoff', () => {
  it('doubles the wait after each failure, up to a day, and forgets a completed generation', () => {
    const backoff = repairBackoff();
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const at = backoff.failed('a', now);
      waits.push(at - now);
      expect(backoff.waiting(at - 1)).toEqual(['a']);
      expect(backoff.waiting(at)).toEqual([]);
      now = at;
    }
    expect(waits.slice(0, 4)).toEqual([1, 2, 4, 8].map((n) => n * REPAIR_AFTER_MS));
    expect(waits.at(-1)).toBe(DAY);
    expect(Math.max(...waits)).toBe(DAY);

    backoff.completed('a');
    expect(backoff.failed('a', now) - now).toBe(REPAIR_AFTER_MS);
  });

  it('remembers at most 1,000 generations, forgetting the ones that failed longest ago', () => {
    const backoff = repairBackoff();
    for (let i = 0; i < 1000; i++) backoff.failed(`g${i}`, 0);
    backoff.failed('g0', 1); // failed again: now the latest
    backoff.failed('new', 2);
    const waiting = backoff.waiting(3);
    expect(waiting).toHaveLength(1000);
    expect(waiting).toContain('g0');
    expect(waiting).toContain('new');
    expect(waiting).not.toContain('g1');
  });
});
