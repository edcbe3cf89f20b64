/**
 * Which pixel size the offline provider renders for a request. It takes any
 * size within limits, so whatever sizes the catalog offers work; given only
 * an aspect ratio it picks about one megapixel in steps of 64, the way image
 * models size their outputs (16:9 → 1344 × 768).
 */
import { ProviderError } from '../errors';
import type { GenerateRequest, ImageSize } from '../types';

/** 64 px is the smallest useful thumbnail; 2048 px keeps one image under ~100 ms and 17 MB of pixels. */
export const localSizeLimits = { min: 64, max: 2048 } as const;

const defaultSize: ImageSize = { width: 1024, height: 1024 };
const targetPixels = 1024 * 1024;

function invalid(detail: string): ProviderError {
  return new ProviderError('invalid_request', { providerId: 'local', detail });
}

/** "W:H" with positive integers, between 1:8 and 8:1 (the widest ratios Gemini offers). */
export function parseAspectRatio(text: string): number {
  const match = /^(\d{1,3}):(\d{1,3})$/.exec(text.trim());
  const ratio = match ? Number(match[1]) / Number(match[2]) : NaN;
  if (!Number.isFinite(ratio) || ratio < 1 / 8 || ratio > 8)
    throw invalid(`unsupported aspect ratio ${text}`);
  return ratio;
}

/** About a megapixel at the ratio, both sides multiples of 64 and within the limits. */
export function sizeForAspectRatio(ratio: number): ImageSize {
  const round64 = (value: number) => Math.max(64, Math.round(value / 64) * 64);
  let width = round64(Math.sqrt(targetPixels * ratio));
  let height = round64(Math.sqrt(targetPixels / ratio));
  const scale = Math.min(1, localSizeLimits.max / Math.max(width, height));
  if (scale < 1) {
    width = Math.max(localSizeLimits.min, Math.floor((width * scale) / 64) * 64);
    height = Math.max(localSizeLimits.min, Math.floor((height * scale) / 64) * 64);
  }
  return { width, height };
}

/** The size to render and any warning about what was not honoured. */
export function resolveLocalSize(request: Pick<GenerateRequest, 'size' | 'aspectRatio'>): {
  size: ImageSize;
  warning?: string;
} {
  const ratio = request.aspectRatio === undefined ? undefined : parseAspectRatio(request.aspectRatio);
  if (!request.size) return { size: ratio === undefined ? defaultSize : sizeForAspectRatio(ratio) };
  const { width, height } = request.size;
  for (const side of [width, height]) {
    if (!Number.isInteger(side) || side < localSizeLimits.min || side > localSizeLimits.max) {
      throw invalid(`size ${width}x${height} outside ${localSizeLimits.min}-${localSizeLimits.max} px`);
    }
  }
  // Both given: the exact size wins, as with providers that take both.
  const mismatch = ratio !== undefined && Math.abs(width / height / ratio - 1) > 0.02;
  return mismatch
    ? {
        size: { width, height },
        warning: `aspect ratio ${request.aspectRatio} ignored for size ${width}x${height}`,
      }
    : { size: { width, height } };
}
