/**
 * The "LOCAL PREVIEW" mark drawn in a corner of every offline image, so a
 * placeholder is never mistaken for, or passed off as, a model's output.
 * Letters are strokes on a 4 × 6 grid rather than text: no font lookup, so
 * rendering stays fast and gives the same pixels on every machine.
 */
import { fmt } from './geometry';

// Each stroke is a polyline: x y pairs on the 4 × 6 grid, y down.
const glyphs: Record<string, readonly string[]> = {
  A: ['0 6 0 2 2 0 4 2 4 6', '0 3.6 4 3.6'],
  C: ['4 0 0 0 0 6 4 6'],
  E: ['4 0 0 0 0 6 4 6', '0 3 3 3'],
  I: ['2 0 2 6', '1 0 3 0', '1 6 3 6'],
  L: ['0 0 0 6 4 6'],
  O: ['0 0 4 0 4 6 0 6 0 0'],
  P: ['0 6 0 0 4 0 4 3 0 3'],
  R: ['0 6 0 0 4 0 4 3 0 3', '1.6 3 4 6'],
  V: ['0 0 2 6 4 0'],
  W: ['0 0 1 6 2 2.6 3 6 4 0'],
};

const text = 'LOCAL PREVIEW';

/** Path data of the text with its top-left corner at (x, y), letters `unit` × 6 tall. */
function textPath(x: number, y: number, unit: number): string {
  let d = '';
  let cursor = x;
  for (const char of text) {
    for (const stroke of glyphs[char] ?? []) {
      const numbers = stroke.split(' ').map(Number);
      for (let i = 0; i < numbers.length; i += 2) {
        d += `${i === 0 ? 'M' : 'L'}${fmt(cursor + numbers[i]! * unit)} ${fmt(y + numbers[i + 1]! * unit)}`;
      }
    }
    cursor += 6.5 * unit;
  }
  return d;
}

/**
 * SVG for the mark in the bottom-right corner of a frame `width` units wide:
 * a dark halo under a light stroke, readable on any background.
 */
export function previewLabel(width: number, height: number): string {
  const unit = 2.2;
  const textWidth = text.length * 6.5 * unit;
  const d = textPath(width - textWidth - 14, height - 6 * unit - 14, unit);
  return (
    `<g fill="none" stroke-linecap="round" stroke-linejoin="round" opacity="0.75">` +
    `<path d="${d}" stroke="#000000" stroke-opacity="0.55" stroke-width="4"/>` +
    `<path d="${d}" stroke="#ffffff" stroke-width="1.6"/></g>`
  );
}
