/**
 * The `preview` model's look: a painted scene with a gradient sky, a haloed
 * sun or moon and flat, layered colour shapes.
 */
import type { Composition } from './compose';
import { fmt, type Shape } from './geometry';
import { previewLabel } from './label';

const opacity = (value: number | undefined, attribute: string) =>
  value === undefined ? '' : ` ${attribute}="${value.toFixed(2)}"`;

function shapeSvg(shape: Shape, index: number): string {
  switch (shape.kind) {
    case 'area':
      return `<path d="${shape.d}" fill="${shape.color}"${opacity(shape.opacity, 'fill-opacity')}/>`;
    case 'dot':
      return `<circle cx="${fmt(shape.x)}" cy="${fmt(shape.y)}" r="${fmt(shape.r)}" fill="${shape.color}"${opacity(shape.opacity, 'fill-opacity')}/>`;
    case 'glow':
      return (
        `<radialGradient id="halo${index}"><stop offset="0.3" stop-color="${shape.color}" stop-opacity="0.7"/>` +
        `<stop offset="1" stop-color="${shape.color}" stop-opacity="0"/></radialGradient>` +
        `<circle cx="${fmt(shape.x)}" cy="${fmt(shape.y)}" r="${fmt(shape.r * 3)}" fill="url(#halo${index})"/>` +
        `<circle cx="${fmt(shape.x)}" cy="${fmt(shape.y)}" r="${fmt(shape.r)}" fill="${shape.color}"/>`
      );
    case 'line':
      return `<path d="${shape.d}" fill="none" stroke="${shape.color}" stroke-width="${fmt(shape.width)}" stroke-linecap="round"${opacity(shape.opacity, 'stroke-opacity')}/>`;
  }
}

export function previewSvg(
  { width, height, theme, shapes }: Composition,
  pixels: { width: number; height: number },
): string {
  const [top, middle, horizon] = theme.palette.sky;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels.width}" height="${pixels.height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">` +
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/>` +
    `<stop offset="0.55" stop-color="${middle}"/><stop offset="1" stop-color="${horizon}"/></linearGradient></defs>` +
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>` +
    shapes.map(shapeSvg).join('') +
    previewLabel(width, height) +
    `</svg>`
  );
}
