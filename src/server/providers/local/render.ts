/**
 * Renders one offline image: prompt → theme, seed → layout, model → style,
 * then the SVG is rasterised to PNG by sharp (librsvg). No font, no network,
 * no clock: the same inputs give the same bytes with the same sharp build.
 */
import sharp from 'sharp';
import { compose } from './compose';
import { sketchSvg } from './style-sketch';
import { previewSvg } from './style-preview';
import { themeFromPrompt } from './theme';

export const localModels = ['preview', 'sketch'] as const;
export type LocalModel = (typeof localModels)[number];

export function isLocalModel(model: string): model is LocalModel {
  return (localModels as readonly string[]).includes(model);
}

export interface RenderInput {
  model: LocalModel;
  prompt: string;
  negativePrompt?: string;
  seed: number;
  width: number;
  height: number;
}

/** The SVG source of an image; exported for tests and for looking at compositions. */
export function localImageSvg(input: RenderInput): string {
  const theme = themeFromPrompt(input.prompt, input.negativePrompt);
  const composition = compose(theme, input.seed, input.prompt, input.height / input.width);
  const pixels = { width: input.width, height: input.height };
  return input.model === 'sketch' ? sketchSvg(composition, pixels) : previewSvg(composition, pixels);
}

/** A PNG of the image. */
export async function renderLocalImage(input: RenderInput): Promise<Uint8Array> {
  const svg = Buffer.from(localImageSvg(input));
  // Opaque RGB, as the compositions cover the whole canvas: without an alpha
  // channel the thumbnail resize skips premultiplying (1024 px: 21 -> 13 ms to
  // make a thumbnail, bench/generation.mjs) and the PNG is smaller.
  // Level 6 is zlib's default; lower levels saved ~5 ms a megapixel for ~50 % larger files.
  return sharp(svg).flatten({ background: '#ffffff' }).png({ compressionLevel: 6 }).toBuffer();
}
