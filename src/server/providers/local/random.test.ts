import { describe, expect, it } from 'vitest';
import { createRandom, hashString } from './random';

describe('hashString', () => {
  it('is stable and spreads nearby strings', () => {
    expect(hashString('gen-1')).toBe(hashString('gen-1'));
    const hashes = new Set(Array.from({ length: 1000 }, (_, i) => hashString(`gen-${i}`)));
    expect(hashes.size).toBe(1000);
    for (const hash of hashes) expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
  });
});

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 8 }, () => random.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('stays within its ranges', () => {
    const random = createRandom(99);
    const ints = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const next = random.next();
      expect(next >= 0 && next < 1).toBe(true);
      const value = random.range(-5, 5);
      expect(value >= -5 && value < 5).toBe(true);
      ints.add(random.int(1, 3));
    }
    expect([...ints].sort()).toEqual([1, 2, 3]);
    expect(['a', 'b']).toContain(random.pick(['a', 'b']));
    expect(() => random.pick([])).toThrow(RangeError);
  });
});
