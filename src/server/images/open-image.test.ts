import { describe, expect, it } from 'vitest';
import { withImageSlot } from './open-image';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('withImageSlot', () => {
  it('runs at most two images at once and starts the next as one finishes, failed or not', async () => {
    const gates = Array.from({ length: 5 }, deferred);
    let active = 0;
    let most = 0;
    const started: number[] = [];
    const tasks = gates.map((gate, i) =>
      withImageSlot(async () => {
        started.push(i);
        active++;
        most = Math.max(most, active);
        try {
          await gate.promise;
        } finally {
          active--;
        }
        return i;
      }),
    );
    const outcomes = Promise.allSettled(tasks);
    await settle();
    expect(started).toEqual([0, 1]);

    gates[0]!.reject(new Error('broken image'));
    await settle();
    expect(started).toEqual([0, 1, 2]);

    for (const gate of gates.slice(1)) {
      gate.resolve();
      await settle();
    }
    const results = await outcomes;
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});
