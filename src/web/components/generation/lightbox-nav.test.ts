import { describe, expect, it } from 'vitest';
import { clampIndex, indexForKey, moveIndex } from './lightbox-nav';

describe('lightbox moves', () => {
  it('moves by one and wraps at both ends', () => {
    expect(moveIndex(0, 1, 4)).toBe(1);
    expect(moveIndex(3, 1, 4)).toBe(0);
    expect(moveIndex(0, -1, 4)).toBe(3);
    expect(moveIndex(2, -5, 4)).toBe(1);
    expect(moveIndex(0, 1, 0)).toBe(0);
  });

  it('keeps an index inside a list that shrank', () => {
    expect(clampIndex(5, 2)).toBe(1);
    expect(clampIndex(-1, 2)).toBe(0);
    expect(clampIndex(1.7, 3)).toBe(1);
    expect(clampIndex(3, 0)).toBe(0);
  });

  it('maps the arrow keys, Home and End', () => {
    expect(indexForKey('ArrowRight', 0, 3)).toBe(1);
    expect(indexForKey('ArrowLeft', 0, 3)).toBe(2);
    expect(indexForKey('Home', 2, 3)).toBe(0);
    expect(indexForKey('End', 0, 3)).toBe(2);
  });

  it('swaps the arrows in right-to-left text', () => {
    expect(indexForKey('ArrowRight', 0, 3, true)).toBe(2);
    expect(indexForKey('ArrowLeft', 0, 3, true)).toBe(1);
  });

  it('leaves other keys, and lists of one, alone', () => {
    expect(indexForKey('Enter', 0, 3)).toBeUndefined();
    expect(indexForKey('Escape', 0, 3)).toBeUndefined();
    expect(indexForKey('ArrowRight', 0, 1)).toBeUndefined();
  });
});
