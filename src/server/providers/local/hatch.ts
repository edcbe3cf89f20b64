/**
 * Hatching for the sketch style, computed rather than drawn with SVG
 * patterns: librsvg renders a pattern fill tile by tile (~18 ms per shape at
 * 1024², over a second for a forest), while a few hundred plain strokes cost
 * almost nothing. The hatch lines are clipped to the shape's outline here,
 * by intersecting them with its edges.
 */
import { fmt, type Point } from './geometry';

/**
 * The outline of a path written by geometry.ts (absolute M, L, Q and Z
 * only), with each quadratic curve flattened into straight pieces.
 */
export function flattenPath(d: string): Point[] {
  const tokens = d.match(/[MLQZ]|-?\d+(?:\.\d+)?/g) ?? [];
  const points: Point[] = [];
  let command = 'M';
  for (let i = 0; i < tokens.length;) {
    const token = tokens[i]!;
    if (/[MLQZ]/.test(token)) {
      command = token;
      i++;
      continue;
    }
    if (command === 'Q') {
      const [cx, cy, x, y] = tokens.slice(i, i + 4).map(Number) as [number, number, number, number];
      const [sx, sy] = points.at(-1) ?? [x, y];
      // Six pieces per curve: the curves here are gentle, and errors of a
      // unit or two look like a hand's imprecision in a sketch.
      for (let step = 1; step <= 6; step++) {
        const t = step / 6;
        const u = 1 - t;
        points.push([u * u * sx + 2 * u * t * cx + t * t * x, u * u * sy + 2 * u * t * cy + t * t * y]);
      }
      i += 4;
    } else {
      points.push([Number(token), Number(tokens[i + 1])]);
      i += 2;
    }
  }
  return points;
}

/**
 * Parallel lines `spacing` apart at `angle` degrees, inside the closed
 * polygon (even-odd rule). Each line is kept only for up to `reach` units
 * from its upper end, the way a hand shades along a contour instead of
 * filling a whole region: lighter to look at, and hills that run down to the
 * bottom edge cost a band of strokes instead of a field of them. The reach
 * varies a little from line to line, also like a hand. Lines whose upper end
 * is on the image's edge rather than on a contour are left out.
 */
export function hatchPath(
  polygon: readonly Point[],
  spacing: number,
  angle: number,
  reach: number,
  frame: { width: number; height: number },
): string {
  if (polygon.length < 3) return '';
  const radians = (angle * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  // Turn the polygon so the hatch lines are horizontal, cut, turn back.
  const turned = polygon.map(([x, y]) => [x * cos + y * sin, -x * sin + y * cos] as const);
  // Edges lying along or beyond the image's left, right or bottom side.
  const onFrame = polygon.map(([x0, y0], i) => {
    const [x1, y1] = polygon[(i + 1) % polygon.length]!;
    return (
      (x0 <= 0 && x1 <= 0) ||
      (x0 >= frame.width && x1 >= frame.width) ||
      (y0 >= frame.height && y1 >= frame.height)
    );
  });
  const ys = turned.map(([, y]) => y);
  const top = Math.ceil(Math.min(...ys) / spacing) * spacing;
  const bottom = Math.max(...ys);
  let d = '';
  for (let y = top; y <= bottom; y += spacing) {
    const crossings: { x: number; onFrame: boolean }[] = [];
    for (let i = 0; i < turned.length; i++) {
      const [x0, y0] = turned[i]!;
      const [x1, y1] = turned[(i + 1) % turned.length]!;
      if (y0 <= y !== y1 <= y)
        crossings.push({ x: x0 + ((y - y0) * (x1 - x0)) / (y1 - y0), onFrame: onFrame[i]! });
    }
    crossings.sort((a, b) => a.x - b.x);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      const back = (x: number): Point => [x * cos - y * sin, x * sin + y * cos];
      let start = crossings[i]!;
      let [ax, ay] = back(start.x);
      let [bx, by] = back(crossings[i + 1]!.x);
      if (by < ay) {
        [ax, ay, bx, by] = [bx, by, ax, ay];
        start = crossings[i + 1]!;
      }
      if (start.onFrame) continue;
      const length = Math.hypot(bx - ax, by - ay);
      const kept = reach * (0.75 + 0.25 * Math.abs(Math.sin(y * 12.9898)));
      if (length > kept) {
        bx = ax + ((bx - ax) * kept) / length;
        by = ay + ((by - ay) * kept) / length;
      }
      d += `M${fmt(ax)} ${fmt(ay)}L${fmt(bx)} ${fmt(by)}`;
    }
  }
  return d;
}
