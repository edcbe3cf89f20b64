/**
 * Shapes and path helpers for the offline provider's compositions. A
 * composition is a list of abstract shapes in a 1000-unit-wide space; each
 * style (preview, sketch) turns the same list into its own SVG, so a sketch
 * is a line drawing of the very scene the preview paints.
 */
import type { Random } from './random';

export type Shape =
  /** A closed region: hills, waves, buildings, mountains. */
  | { kind: 'area'; d: string; color: string; opacity?: number }
  /** A small disc: stars, petals, flakes, bubbles. */
  | { kind: 'dot'; x: number; y: number; r: number; color: string; opacity?: number }
  /** The sun or the moon. */
  | { kind: 'glow'; x: number; y: number; r: number; color: string }
  /** An open stroke: foam, ripples, ribbons. */
  | { kind: 'line'; d: string; color: string; width: number; opacity?: number };

export type Point = readonly [number, number];

/**
 * One decimal: enough at any size up to 2048 px, and keeps the SVG short.
 * Paths use absolute M, L, Q and Z only, which the sketch style's hatching
 * reads back (hatch.ts).
 */
export const fmt = (value: number) => (Math.round(value * 10) / 10).toString();
const pt = ([x, y]: Point) => `${fmt(x)} ${fmt(y)}`;

/** A horizon-wide line of `segments` + 1 points around `baseY`. */
export function ridgePoints(
  random: Random,
  width: number,
  baseY: number,
  amplitude: number,
  segments: number,
) {
  const points: Point[] = [];
  for (let i = 0; i <= segments; i++) {
    points.push([(i * width) / segments, baseY + random.range(-amplitude, amplitude)]);
  }
  return points;
}

/** A smooth open path through the points (quadratic curves between midpoints). */
export function smoothPath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${pt(first)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const here = rest[i]!;
    const next = rest[i + 1]!;
    d += ` Q${pt(here)} ${pt([(here[0] + next[0]) / 2, (here[1] + next[1]) / 2])}`;
  }
  const last = rest.at(-1);
  if (last) d += ` L${pt(last)}`;
  return d;
}

/** A straight-segment open path. */
export function polylinePath(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${pt(p)}`).join(' ');
}

/** Closes an open left-to-right path down to the bottom edge: ground under a ridge. */
export function closeBelow(d: string, width: number, height: number): string {
  return `${d} L${fmt(width)} ${fmt(height)} L0 ${fmt(height)} Z`;
}

/** A closed polygon. */
export function polygonPath(points: readonly Point[]): string {
  return `${polylinePath(points)} Z`;
}

export function rectPath(x: number, y: number, w: number, h: number): string {
  return polygonPath([
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
  ]);
}

/** Height of the ridge at x, interpolated linearly between its points. */
export function heightAt(points: readonly Point[], x: number): number {
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x0, y0] = points[i - 1]!;
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1);
  }
  return points.at(-1)?.[1] ?? 0;
}

/** A wavy line along y: `cycles` crests of the given amplitude across the width. */
export function wavePath(width: number, y: number, amplitude: number, cycles: number, phase: number): string {
  const step = width / cycles / 2;
  let d = `M${fmt(-step * phase)} ${fmt(y)}`;
  for (let x = -step * phase, up = true; x < width; x += step, up = !up) {
    d += ` Q${fmt(x + step / 2)} ${fmt(y + (up ? -2 : 2) * amplitude)} ${fmt(x + step)} ${fmt(y)}`;
  }
  return d;
}

/** A regular polygon, turned by `rotation` radians. */
export function regularPolygon(
  cx: number,
  cy: number,
  radius: number,
  sides: number,
  rotation: number,
): Point[] {
  return Array.from({ length: sides }, (_, i) => {
    const angle = rotation + (i * 2 * Math.PI) / sides;
    return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as const;
  });
}
