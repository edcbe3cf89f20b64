/**
 * The library's thumbnails: WebP, at most maxEdge pixels on the longer side
 * (never enlarged), upright, sRGB, without metadata. Exported on its own so
 * a benchmark can compare it with a bare sharp pipeline.
 */
import {
  encode,
  MAX_EDGE,
  openImage,
  withImageSlot,
  type EncodedImage,
  type ImageLimits,
} from './open-image';

export type Thumbnail = EncodedImage & { format: 'webp' };

/* 512 px covers a grid cell on a 2× (retina) screen; quality 80 (sharp's default) is plenty at that size. */
export const DEFAULT_THUMBNAIL_EDGE = 512;
const THUMBNAIL_QUALITY = 80;
/*
 * libwebp's compression effort (method) 1 instead of sharp's default 4. The
 * thumbnail is the longest step of storing a generation, on its path to
 * "succeeded". 1024 px local images to 512 px thumbnails, decode and resize
 * included: effort 4 23.7 ms / 8.4 KB, 2 13.6 ms / 8.9 KB, 1 11.9 ms / 10.6 KB,
 * 0 10.9 ms / 12.1 KB. At 1 a grid of thumbnails is a few KB heavier, once
 * (they are cached as immutable), for ~1.7 ms less on every generation.
 */
const THUMBNAIL_EFFORT = 1;

export async function makeThumbnail(
  bytes: Uint8Array,
  options: ImageLimits & { maxEdge?: number } = {},
): Promise<Thumbnail> {
  const maxEdge = options.maxEdge ?? DEFAULT_THUMBNAIL_EDGE;
  if (!Number.isInteger(maxEdge) || maxEdge < 1 || maxEdge > MAX_EDGE) {
    throw new RangeError(`maxEdge must be an integer from 1 to ${MAX_EDGE}`);
  }
  return withImageSlot(async () => {
    const { pipeline } = await openImage(bytes, options);
    const resized = pipeline
      .resize({ width: maxEdge, height: maxEdge, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: THUMBNAIL_QUALITY, effort: THUMBNAIL_EFFORT });
    return (await encode(resized, 'webp')) as Thumbnail;
  });
}
