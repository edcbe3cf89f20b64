/**
 * The `sketch` model's look: the same scene as a pen drawing on paper.
 * Outlines are drawn twice, a little apart, like a quick hand; a shape's
 * colour becomes hatching, denser where the preview would be darker.
 */
import { hexLuma } from './color';
import type { Composition } from './compose';
import { fmt, type Shape } from './geometry';
import { flattenPath, hatchPath } from './hatch';
import { previewLabel } from './label';

/** How far shading reaches in from a contour, in frame units (the frame is 1000 wide). */
const HATCH_REACH = 90;

/** Hatching by darkness (spacing, angle): cross-hatching, close, wide, none. */
function hatchesFor(luma: number): [number, number][] {
  if (luma < 0.3)
    return [
      [5, 45],
      [6, -45],
    ];
  if (luma < 0.5) return [[5, 45]];
  if (luma < 0.72) return [[9, 45]];
  return [];
}

function shapeSvg(shape: Shape, composition: Composition): string {
  const { paper, ink, accentInk } = composition.theme.palette;
  switch (shape.kind) {
    case 'area': {
      const outline = flattenPath(shape.d);
      const hatching = hatchesFor(hexLuma(shape.color))
        .map(([spacing, angle]) => hatchPath(outline, spacing, angle, HATCH_REACH, composition))
        .join('');
      return (
        `<path d="${shape.d}" fill="${paper}"/>` +
        (hatching ? `<path d="${hatching}" stroke="${ink}" stroke-width="0.9" stroke-opacity="0.7"/>` : '') +
        `<path d="${shape.d}" fill="none" stroke="${ink}" stroke-width="1.4" stroke-linejoin="round"/>` +
        `<path d="${shape.d}" fill="none" stroke="${ink}" stroke-width="0.7" stroke-opacity="0.4" transform="translate(1.3 -0.9)"/>`
      );
    }
    case 'dot':
      return `<circle cx="${fmt(shape.x)}" cy="${fmt(shape.y)}" r="${fmt(shape.r)}" fill="none" stroke="${ink}" stroke-width="0.8"/>`;
    case 'glow': {
      const rays =
        composition.theme.light === 'night'
          ? ''
          : Array.from({ length: 12 }, (_, i) => {
              const a = (i * Math.PI) / 6;
              const [c, s] = [Math.cos(a), Math.sin(a)];
              return `M${fmt(shape.x + c * shape.r * 1.3)} ${fmt(shape.y + s * shape.r * 1.3)} L${fmt(shape.x + c * shape.r * 1.7)} ${fmt(shape.y + s * shape.r * 1.7)}`;
            }).join(' ');
      const circle = (r: number, width: number) =>
        `<circle cx="${fmt(shape.x)}" cy="${fmt(shape.y)}" r="${fmt(r)}" fill="none" stroke="${accentInk}" stroke-width="${width}"/>`;
      return (
        circle(shape.r, 2) +
        circle(shape.r * 1.08, 0.8) +
        (rays ? `<path d="${rays}" stroke="${accentInk}" stroke-width="1.6" stroke-linecap="round"/>` : '')
      );
    }
    case 'line':
      return `<path d="${shape.d}" fill="none" stroke="${ink}" stroke-width="${fmt(Math.max(0.6, shape.width * 0.5))}" stroke-linecap="round" stroke-opacity="0.8"/>`;
  }
}

export function sketchSvg(composition: Composition, pixels: { width: number; height: number }): string {
  const { width, height, theme } = composition;
  const { paper } = theme.palette;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels.width}" height="${pixels.height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">` +
    `<rect width="${width}" height="${height}" fill="${paper}"/>` +
    composition.shapes.map((shape) => shapeSvg(shape, composition)).join('') +
    previewLabel(width, height) +
    `</svg>`
  );
}
