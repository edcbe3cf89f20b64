/**
 * Prices and size labels of the models in the picker. Pure: the numbers the
 * page shows before submitting are computed the way the server prices a
 * request (credits per image of the chosen size or resolution, times n).
 */
import type { PublicModel } from './types';

type Capabilities = PublicModel['capabilities'];

export type SizedCapabilities = Extract<Capabilities, { sizes: unknown }>;
export type RatioCapabilities = Extract<Capabilities, { aspectRatios: unknown }>;

export function isSized(capabilities: Capabilities): capabilities is SizedCapabilities {
  return 'sizes' in capabilities;
}

/** Every price per image the model has (one per size or resolution). */
function prices(model: PublicModel): number[] {
  const caps = model.capabilities;
  return isSized(caps)
    ? caps.sizes.map((s) => s.creditsPerImage)
    : caps.resolutions.map((r) => r.creditsPerImage);
}

/** The cheapest and dearest price per image, for the picker's option labels. */
export function priceRange(model: PublicModel): { min: number; max: number } {
  const all = prices(model);
  return { min: Math.min(...all), max: Math.max(...all) };
}

/** Whether the sizes (or resolutions) of a model differ in price, so each option should show its own. */
export function hasPriceTiers(model: PublicModel): boolean {
  const { min, max } = priceRange(model);
  return min !== max;
}

export interface ShapeChoice {
  size: string | null;
  aspectRatio: string | null;
  resolution: string | null;
}

/**
 * Credits per image for a choice of size (or resolution), or undefined when
 * the model does not offer it. The first entry stands in for a missing
 * choice, as on the server.
 */
export function creditsPerImage(model: PublicModel, choice: ShapeChoice): number | undefined {
  const caps = model.capabilities;
  if (isSized(caps)) {
    const entry = choice.size === null ? caps.sizes[0] : caps.sizes.find((s) => s.size === choice.size);
    return entry?.creditsPerImage;
  }
  const entry =
    choice.resolution === null
      ? caps.resolutions[0]
      : caps.resolutions.find((r) => r.id === choice.resolution);
  return entry?.creditsPerImage;
}

export interface CostBreakdown {
  images: number;
  perImage: number;
  total: number;
}

export function costOf(model: PublicModel, choice: ShapeChoice, images: number): CostBreakdown | undefined {
  const perImage = creditsPerImage(model, choice);
  return perImage === undefined ? undefined : { images, perImage, total: perImage * images };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Ratios people know by name; a size close to one of them is labelled with it. */
const commonRatios: readonly [number, number][] = [
  [1, 1],
  [5, 4],
  [4, 3],
  [3, 2],
  [16, 10],
  [16, 9],
  [2, 1],
  [21, 9],
  [4, 5],
  [3, 4],
  [2, 3],
  [10, 16],
  [9, 16],
  [1, 2],
  [9, 21],
];

/** Exact terms above this make a label nobody reads ("683:384"), so it is approximated. */
const MAX_READABLE_TERM = 21;
/** How far (relative) a size may be from a common ratio to be labelled with it. */
const APPROXIMATION_TOLERANCE = 0.02;

/**
 * The aspect ratio of a size as people write it: "1024x768" → "4:3",
 * "1344x768" → "7:4"; awkward ones are approximated ("1000x563" → "≈16:9")
 * or, when nothing is close, given as a decimal ("1.42:1").
 */
export function ratioLabel(width: number, height: number): string {
  if (!(width > 0 && height > 0)) return '';
  const divisor = gcd(Math.round(width), Math.round(height));
  const w = Math.round(width) / divisor;
  const h = Math.round(height) / divisor;
  if (w <= MAX_READABLE_TERM && h <= MAX_READABLE_TERM) return `${w}:${h}`;
  const value = width / height;
  const close = commonRatios.find(([a, b]) => Math.abs(a / b / value - 1) <= APPROXIMATION_TOLERANCE);
  if (close) return `≈${close[0]}:${close[1]}`;
  return value >= 1 ? `${value.toFixed(2)}:1` : `1:${(1 / value).toFixed(2)}`;
}

/** "1024x768" → "1024 × 768" (with the multiplication sign people expect). */
export function dimensionsLabel(width: number, height: number): string {
  return `${width} × ${height}`;
}

/** Width and height parts of a "W:H" ratio, for drawing its shape; 1:1 when unreadable. */
export function ratioParts(ratio: string): { width: number; height: number } {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio.replace(/^≈/, ''));
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  return width > 0 && height > 0 ? { width, height } : { width: 1, height: 1 };
}

/** A box of at most `max` pixels a side with a ratio's shape (the picker's little preview). */
export function shapeBox(width: number, height: number, max: number): { width: number; height: number } {
  const scale = max / Math.max(width, height);
  return { width: Math.max(4, Math.round(width * scale)), height: Math.max(4, Math.round(height * scale)) };
}

export interface ProviderGroup {
  /** The provider's id, or '' for models without one. */
  id: string;
  name: string | null;
  models: PublicModel[];
}

/** Models grouped by provider for the picker, in the catalog's order (of first appearance). */
export function groupByProvider(models: readonly PublicModel[]): ProviderGroup[] {
  const groups: ProviderGroup[] = [];
  for (const model of models) {
    const id = model.provider?.id ?? '';
    let group = groups.find((g) => g.id === id);
    if (!group) {
      group = { id, name: model.provider?.name ?? null, models: [] };
      groups.push(group);
    }
    group.models.push(model);
  }
  return groups;
}
