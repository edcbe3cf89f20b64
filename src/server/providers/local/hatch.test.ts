import { describe, expect, it } from 'vitest';
import { closeBelow, rectPath, smoothPath } from './geometry';
import { flattenPath, hatchPath } from './hatch';

const frame = { width: 1000, height: 1000 };

function segments(d: string): [number, number, number, number][] {
  return [...d.matchAll(/M(-?[\d.]+) (-?[\d.]+)L(-?[\d.]+) (-?[\d.]+)/g)].map(
    (m) => m.slice(1, 5).map(Number) as [number, number, number, number],
  );
}

describe('flattenPath', () => {
  it('reads straight paths point by point', () => {
    expect(flattenPath(rectPath(10, 20, 30, 40))).toEqual([
      [10, 20],
      [40, 20],
      [40, 60],
      [10, 60],
    ]);
  });

  it('flattens curves into pieces that end on the curve’s end point', () => {
    const points = flattenPath('M0 0 Q50 100 100 0');
    expect(points).toHaveLength(7);
    expect(points.at(-1)).toEqual([100, 0]);
    // The curve's middle is halfway to its control point.
    expect(points[3]![0]).toBeCloseTo(50);
    expect(points[3]![1]).toBeCloseTo(50);
  });
});

describe('hatchPath', () => {
  it('draws only inside the shape, spacing apart', () => {
    const square = flattenPath(rectPath(100, 100, 200, 200));
    const lines = segments(hatchPath(square, 10, 45, 10_000, frame));
    // Diagonal lines 10 units apart across a 200-unit square: its diagonal, 200 × √2, over 10.
    expect(lines.length).toBeGreaterThanOrEqual(27);
    expect(lines.length).toBeLessThanOrEqual(29);
    for (const [ax, ay, bx, by] of lines) {
      for (const value of [ax, ay, bx, by]) {
        expect(value).toBeGreaterThanOrEqual(99.9);
        expect(value).toBeLessThanOrEqual(300.1);
      }
    }
  });

  it('keeps each line within its reach of the contour', () => {
    const square = flattenPath(rectPath(100, 100, 400, 400));
    const lines = segments(hatchPath(square, 10, 45, 30, frame));
    expect(lines.length).toBeGreaterThan(0);
    for (const [ax, ay, bx, by] of lines) expect(Math.hypot(bx - ax, by - ay)).toBeLessThanOrEqual(30.2);
  });

  it('hatches from contours, not from the image edges', () => {
    // A hill closed down to the bottom corners: its sides and bottom are the frame.
    const hill = flattenPath(
      closeBelow(
        smoothPath([
          [0, 600],
          [500, 500],
          [1000, 600],
        ]),
        1000,
        1000,
      ),
    );
    const lines = segments(hatchPath(hill, 10, 45, 60, frame));
    expect(lines.length).toBeGreaterThan(0);
    for (const [ax, ay, bx, by] of lines) {
      const upper = ay < by ? [ax, ay] : [bx, by];
      // Every line starts on the ridge, never on the left, right or bottom side.
      expect(upper[1]).toBeLessThan(620);
    }
  });

  it('draws nothing for a degenerate shape', () => {
    expect(
      hatchPath(
        [
          [0, 0],
          [10, 10],
        ],
        5,
        45,
        50,
        frame,
      ),
    ).toBe('');
  });
});
