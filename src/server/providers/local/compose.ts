/**
 * Lays out one offline image: sky details for the light (sun, clouds, moon
 * and stars), then the scene's ground, far to near. Everything random comes
 * from one generator seeded by the seed and the prompt, so the same inputs
 * give the same layout at any size (positions are in a 1000-unit-wide space).
 */
import {
  closeBelow,
  heightAt,
  polygonPath,
  polylinePath,
  rectPath,
  regularPolygon,
  ridgePoints,
  smoothPath,
  wavePath,
  type Point,
  type Shape,
} from './geometry';
import { createRandom, hashString, type Random } from './random';
import type { Scene, Theme } from './theme';

export interface Composition {
  width: number;
  height: number;
  theme: Theme;
  shapes: Shape[];
}

interface Frame {
  width: number;
  height: number;
  /** y of the horizon. */
  horizon: number;
}

type Builder = (frame: Frame, theme: Theme, random: Random) => Shape[];

const layer = (theme: Theme, i: number) =>
  theme.palette.layers[Math.min(i, theme.palette.layers.length - 1)]!;
const accent = (theme: Theme, i: number) => theme.palette.accents[i % theme.palette.accents.length]!;

function sky({ width, horizon }: Frame, theme: Theme, random: Random): Shape[] {
  const shapes: Shape[] = [];
  const { glow } = theme.palette;
  if (theme.light === 'night') {
    const stars = random.int(70, 140);
    for (let i = 0; i < stars; i++) {
      const r = random.range(0.6, 2.2);
      shapes.push({
        kind: 'dot',
        x: random.range(0, width),
        y: random.range(0, horizon * 0.95),
        r,
        color: glow,
      });
    }
    const r = random.range(40, 65);
    shapes.push({
      kind: 'glow',
      x: random.range(120, width - 120),
      y: random.range(90, horizon * 0.45),
      r,
      color: glow,
    });
  } else if (theme.light === 'sunset') {
    const r = random.range(90, 140);
    shapes.push({
      kind: 'glow',
      x: random.range(200, width - 200),
      y: horizon - random.range(0, 60),
      r,
      color: glow,
    });
  } else {
    const r = random.range(50, 80);
    shapes.push({
      kind: 'glow',
      x: random.range(100, width - 100),
      y: random.range(80, horizon * 0.4),
      r,
      color: glow,
    });
    for (let c = random.int(2, 4); c > 0; c--) {
      const cx = random.range(0, width);
      const cy = random.range(60, horizon * 0.6);
      for (let puff = random.int(3, 5); puff > 0; puff--) {
        shapes.push({
          kind: 'dot',
          x: cx + random.range(-70, 70),
          y: cy + random.range(-15, 15),
          r: random.range(22, 42),
          color: '#ffffff',
          opacity: 0.75,
        });
      }
    }
  }
  return shapes;
}

const forest: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  for (let k = 0; k < 3; k++) {
    const ridge = ridgePoints(
      random,
      width,
      horizon + (k - 1) * height * 0.09,
      height * 0.025 * (1 + k),
      8 + k * 2,
    );
    for (let t = 10 + k * 6; t > 0; t--) {
      const x = random.range(0, width);
      const y = heightAt(ridge, x) + 4;
      const size = height * (0.05 + 0.04 * k) * random.range(0.7, 1.3);
      shapes.push({
        kind: 'area',
        d: polygonPath([
          [x, y - size],
          [x - size * 0.36, y],
          [x + size * 0.36, y],
        ]),
        color: layer(theme, k),
      });
      shapes.push({
        kind: 'area',
        d: polygonPath([
          [x, y - size * 1.3],
          [x - size * 0.27, y - size * 0.5],
          [x + size * 0.27, y - size * 0.5],
        ]),
        color: layer(theme, k),
      });
    }
    shapes.push({ kind: 'area', d: closeBelow(smoothPath(ridge), width, height), color: layer(theme, k) });
  }
  const ground = ridgePoints(random, width, horizon + height * 0.3, height * 0.02, 6);
  shapes.push({ kind: 'area', d: closeBelow(smoothPath(ground), width, height), color: layer(theme, 3) });
  return shapes;
};

const ocean: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [
    { kind: 'area', d: rectPath(0, horizon, width, height - horizon), color: layer(theme, 0) },
  ];
  const bands = 5;
  for (let k = 0; k < bands; k++) {
    const y = horizon + ((k + 0.4) / bands) * (height - horizon) * 0.9;
    const crest = wavePath(width, y, 2 + k * 3.5, random.int(3, 6), random.next());
    shapes.push({ kind: 'area', d: closeBelow(crest, width, height), color: layer(theme, Math.min(3, k)) });
    shapes.push({ kind: 'line', d: crest, color: '#ffffff', width: 1.5 + k, opacity: 0.35 });
  }
  // The light's reflection: short strokes on the water under the sun or moon.
  const glints = random.int(14, 26);
  const cx = random.range(width * 0.25, width * 0.75);
  for (let i = 0; i < glints; i++) {
    const y = horizon + random.range(6, (height - horizon) * 0.6);
    const spread = 20 + (y - horizon) * 0.6;
    const x = cx + random.range(-spread, spread);
    const d = polylinePath([
      [x, y],
      [x + random.range(12, 40), y],
    ]);
    shapes.push({ kind: 'line', d, color: theme.palette.glow, width: 2, opacity: 0.55 });
  }
  return shapes;
};

const city: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  const lit = theme.light === 'night' ? 0.45 : 0.2;
  const window = theme.light === 'night' ? accent(theme, 0) : theme.palette.sky[2];
  for (let k = 0; k < 2; k++) {
    const base = horizon + height * 0.06;
    for (let x = -random.range(0, 40); x < width;) {
      const w = random.range(30, 80) * (1 + k * 0.6);
      const h = height * random.range(0.08, 0.3) * (1 + k * 0.5);
      shapes.push({ kind: 'area', d: rectPath(x, base - h, w, h + 2), color: layer(theme, k + 1) });
      if (k === 1) {
        for (let wy = base - h + 10; wy < base - 14; wy += 18) {
          for (let wx = x + 7; wx < x + w - 10; wx += 14) {
            if (random.chance(lit)) {
              shapes.push({ kind: 'area', d: rectPath(wx, wy, 6, 9), color: window, opacity: 0.85 });
            }
          }
        }
      }
      x += w + random.range(0, 12) * (1 - k);
    }
  }
  shapes.push({
    kind: 'area',
    d: rectPath(0, horizon + height * 0.06, width, height),
    color: layer(theme, 3),
  });
  return shapes;
};

const desert: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  for (let k = 0; k < 4; k++) {
    const dune = ridgePoints(random, width, horizon + k * height * 0.1, height * 0.05, random.int(2, 4));
    shapes.push({ kind: 'area', d: closeBelow(smoothPath(dune), width, height), color: layer(theme, k) });
  }
  for (let i = random.int(6, 10); i > 0; i--) {
    const y = random.range(horizon + height * 0.2, height * 0.95);
    const x = random.range(-50, width - 100);
    const d = smoothPath([
      [x, y],
      [x + 60, y - 8],
      [x + 120, y],
      [x + 180, y - 6],
    ]);
    shapes.push({ kind: 'line', d, color: layer(theme, 3), width: 2, opacity: 0.5 });
  }
  return shapes;
};

const snow: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  for (let k = 0; k < 2; k++) {
    const base = horizon + k * height * 0.07;
    const peaks = random.int(4, 6);
    const points: Point[] = [[0, base - random.range(0, height * 0.1)]];
    for (let i = 0; i < peaks; i++) {
      const x0 = ((i + 0.5) * width) / peaks;
      points.push([x0 + random.range(-40, 40), base - random.range(0.14, 0.34) * height]);
      points.push([((i + 1) * width) / peaks, base - random.range(0, 0.07) * height]);
    }
    shapes.push({
      kind: 'area',
      d: closeBelow(polylinePath(points), width, height),
      color: layer(theme, k + 1),
    });
    // Snow caps: the top third of each peak, with a ragged lower edge.
    for (let i = 1; i < points.length - 1; i += 2) {
      const [px, py] = points[i]!;
      const [ax, ay] = points[i - 1]!;
      const [bx, by] = points[i + 1]!;
      const at = (x: number, y: number, f: number): Point => [px + (x - px) * f, py + (y - py) * f];
      const left = at(ax, ay, 0.32);
      const right = at(bx, by, 0.32);
      const cap: Point[] = [
        [px, py],
        right,
        [(px + right[0]) / 2, right[1] - 10],
        [px, (left[1] + right[1]) / 2 + 6],
        [(px + left[0]) / 2, left[1] - 10],
        left,
      ];
      shapes.push({ kind: 'area', d: polygonPath(cap), color: layer(theme, 0) });
    }
  }
  const ground = ridgePoints(random, width, horizon + height * 0.22, height * 0.02, 5);
  shapes.push({ kind: 'area', d: closeBelow(smoothPath(ground), width, height), color: layer(theme, 0) });
  for (let i = random.int(60, 120); i > 0; i--) {
    const r = random.range(1, 4);
    shapes.push({
      kind: 'dot',
      x: random.range(0, width),
      y: random.range(0, height),
      r,
      color: '#ffffff',
      opacity: 0.8,
    });
  }
  return shapes;
};

const bloom: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  for (let k = 1; k < 4; k++) {
    const hill = ridgePoints(random, width, horizon + (k - 1) * height * 0.08, height * 0.03, 4 + k);
    shapes.push({ kind: 'area', d: closeBelow(smoothPath(hill), width, height), color: layer(theme, k) });
  }
  const flowers: { x: number; y: number }[] = [];
  for (let i = random.int(30, 55); i > 0; i--) {
    flowers.push({ x: random.range(0, width), y: random.range(horizon + height * 0.12, height) });
  }
  flowers.sort((a, b) => a.y - b.y); // far ones first, so near ones overlap them
  for (const { x, y } of flowers) {
    const depth = (y - horizon) / (height - horizon);
    const r = 3 + 13 * depth;
    const color = accent(theme, random.int(0, 2));
    const stem = polylinePath([
      [x, y],
      [x, y + r * 3],
    ]);
    shapes.push({ kind: 'line', d: stem, color: layer(theme, 3), width: 1 + depth * 2 });
    for (let p = 0; p < 5; p++) {
      const angle = (p * 2 * Math.PI) / 5;
      shapes.push({ kind: 'dot', x: x + r * Math.cos(angle), y: y + r * Math.sin(angle), r: r * 0.7, color });
    }
    shapes.push({ kind: 'dot', x, y, r: r * 0.45, color: theme.palette.glow });
  }
  return shapes;
};

const abstract: Builder = ({ width, height, horizon }, theme, random) => {
  const shapes: Shape[] = [];
  for (let k = 0; k < 2; k++) {
    const hill = ridgePoints(random, width, horizon + k * height * 0.15, height * 0.06, 3 + k);
    shapes.push({ kind: 'area', d: closeBelow(smoothPath(hill), width, height), color: layer(theme, k * 2) });
  }
  for (let i = random.int(6, 12); i > 0; i--) {
    shapes.push({
      kind: 'dot',
      x: random.range(0, width),
      y: random.range(0, height),
      r: random.range(40, 200),
      color: random.chance(0.6) ? accent(theme, i) : layer(theme, i),
      opacity: random.range(0.3, 0.65),
    });
  }
  for (let i = random.int(4, 8); i > 0; i--) {
    const polygon = regularPolygon(
      random.range(0, width),
      random.range(0, height),
      random.range(40, 150),
      random.int(3, 6),
      random.range(0, Math.PI),
    );
    shapes.push({
      kind: 'area',
      d: polygonPath(polygon),
      color: accent(theme, i),
      opacity: random.range(0.5, 0.85),
    });
  }
  for (let i = random.int(2, 3); i > 0; i--) {
    const points: Point[] = Array.from({ length: 5 }, (_, j) => [
      (j * width) / 4,
      random.range(height * 0.15, height * 0.85),
    ]);
    shapes.push({
      kind: 'line',
      d: smoothPath(points),
      color: accent(theme, i + 1),
      width: random.range(3, 9),
      opacity: 0.7,
    });
  }
  return shapes;
};

const builders: Record<Scene, Builder> = { forest, ocean, city, desert, snow, bloom, abstract };

/** The layout for a theme, seed and prompt, in a 1000-unit-wide frame of the image's aspect ratio. */
export function compose(theme: Theme, seed: number, prompt: string, aspect: number): Composition {
  const random = createRandom(hashString(`${seed}:${prompt}`));
  const width = 1000;
  const height = Math.round(width * aspect);
  const frame: Frame = { width, height, horizon: height * random.range(0.5, 0.66) };
  return {
    width,
    height,
    theme,
    shapes: [...sky(frame, theme, random), ...builders[theme.scene](frame, theme, random)],
  };
}
