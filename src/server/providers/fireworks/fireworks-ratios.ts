/**
 * Aspect ratios for Fireworks FLUX (providers.md §4.4). FLUX renders about
 * one megapixel and takes a ratio, never pixels: FLUX.1 text_to_image takes
 * one of a fixed list (its default, 16:9, is not the platform's, so 1:1 is
 * always sent), Kontext any ratio between 21:9 and 9:21. A request's size is
 * honoured as the ratio it reduces to; what cannot be honoured exactly is
 * reported as a warning, never an error.
 */
import { ProviderError } from '../errors';
import type { GenerateRequest } from '../types';
import { FIREWORKS_PROVIDER_ID } from './fireworks-errors';

/** Fireworks' list for flux-1-schnell-fp8 and flux-1-dev-fp8 text_to_image. */
export const FLUX_TEXT_RATIOS = [
  '1:1',
  '21:9',
  '16:9',
  '3:2',
  '5:4',
  '4:5',
  '2:3',
  '9:16',
  '9:21',
  '4:3',
  '3:4',
] as const;

const KONTEXT_WIDEST = 21 / 9;
/** FLUX's output area; a size far from it is honoured only as a ratio. */
const FLUX_AREA = 1024 * 1024;
/** How far (as a factor) a size's area may stray from FLUX's before it deserves a warning. */
const AREA_TOLERANCE = 1.25;

interface Ratio {
  text: string;
  value: number;
}

function parseRatio(text: string): Ratio | undefined {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width <= 0 || height <= 0) return undefined;
  return { text: `${width}:${height}`, value: width / height };
}

function reduce(width: number, height: number): Ratio {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height);
  return { text: `${width / d}:${height / d}`, value: width / height };
}

/** The ratio the request asks for, from `aspectRatio` first, then `size`; undefined when neither is set. */
function requestedRatio(request: GenerateRequest, warnings: string[]): Ratio | undefined {
  const { size, aspectRatio } = request;
  if (size) {
    const area = size.width * size.height;
    if (area > FLUX_AREA * AREA_TOLERANCE || area < FLUX_AREA / AREA_TOLERANCE) {
      warnings.push(
        `size ${size.width}x${size.height}: FLUX renders about 1 MP, only the aspect ratio is honoured`,
      );
    }
  }
  if (aspectRatio !== undefined) {
    const ratio = parseRatio(aspectRatio);
    if (!ratio) {
      throw new ProviderError('invalid_request', {
        providerId: FIREWORKS_PROVIDER_ID,
        detail: `aspect ratio ${aspectRatio} is not of the form W:H`,
      });
    }
    return ratio;
  }
  return size && size.width > 0 && size.height > 0 ? reduce(size.width, size.height) : undefined;
}

/** FLUX.1 text_to_image: the listed ratio, or the nearest one with a warning; 1:1 when nothing is asked. */
export function textToImageRatio(request: GenerateRequest, warnings: string[]): string {
  const asked = requestedRatio(request, warnings);
  if (!asked) return '1:1';
  const listed = FLUX_TEXT_RATIOS.map((text) => parseRatio(text)!);
  const exact = listed.find((ratio) => Math.abs(ratio.value - asked.value) < 1e-9);
  if (exact) return exact.text;
  const distance = (ratio: Ratio) => Math.abs(Math.log(ratio.value / asked.value));
  const nearest = listed.reduce((best, ratio) => (distance(ratio) < distance(best) ? ratio : best));
  warnings.push(`aspect ratio ${asked.text}: not offered by FLUX.1, sent as ${nearest.text}`);
  return nearest.text;
}

/**
 * Kontext: any ratio from 21:9 to 9:21, clamped with a warning beyond that.
 * Undefined when nothing is asked: Kontext then keeps the input image's
 * ratio (or makes a square).
 */
export function kontextRatio(request: GenerateRequest, warnings: string[]): string | undefined {
  const asked = requestedRatio(request, warnings);
  if (!asked) return undefined;
  if (asked.value > KONTEXT_WIDEST) {
    warnings.push(`aspect ratio ${asked.text}: wider than Kontext's 21:9, sent as 21:9`);
    return '21:9';
  }
  if (asked.value < 1 / KONTEXT_WIDEST) {
    warnings.push(`aspect ratio ${asked.text}: taller than Kontext's 9:21, sent as 9:21`);
    return '9:21';
  }
  return asked.text;
}
