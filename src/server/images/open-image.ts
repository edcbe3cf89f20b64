/**
 * What processImage and makeThumbnail share: validation by content, the
 * pixel cap, a bound on how many images are decoded at once, and the shape
 * of an encoded result.
 *
 * sharp runs libvips on libuv's thread pool, not on the event loop, so a
 * decode never blocks requests directly. But that pool is small (4 threads
 * unless UV_THREADPOOL_SIZE says otherwise) and is also where file reads
 * (the disk storage driver), DNS lookups and password hashing run. At most
 * PARALLEL_IMAGES images are therefore processed at once, leaving threads
 * for the rest; each image still uses libvips' own threads
 * (sharp.concurrency(), which sharp sets to 1 on glibc Linux without
 * jemalloc to limit memory fragmentation, and to the core count elsewhere).
 */
import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { AppError } from '../errors';
import { sniffImage, type ImageFormat, type SniffedImage } from './sniff-image';

/*
 * 40 megapixels: above any output the providers make (the largest are
 * about 4096 × 4096 ≈ 16.8 MP) and far below sharp's default of
 * 268,402,689, where one decode can take gigabytes. A decoded 40 MP RGBA
 * image is 160 MB.
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/*
 * No side may be longer than 16,383 px, WebP's own limit, so every accepted
 * image can be re-encoded in any of our formats; it also refuses 1 × 65,000
 * strips, which pass a pixel cap but are no picture anyone wants.
 */
export const MAX_EDGE = 16_383;

/* Two decodes at once leave two of libuv's four default threads for file, DNS and crypto work. */
const PARALLEL_IMAGES = 2;

/*
 * libvips caches recent operations for reuse; every image here is new, so
 * the cache would only hold memory (up to 50 MB by default).
 */
sharp.cache(false);

let running = 0;
const waiting: (() => void)[] = [];

/** Runs fn when one of the PARALLEL_IMAGES slots is free. */
export async function withImageSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL_IMAGES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export interface ImageLimits {
  /** Largest width × height accepted; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

export interface OpenedImage {
  /** A pipeline that decodes with the cap in place and applies the EXIF orientation. */
  pipeline: Sharp;
  sniffed: SniffedImage;
}

const contentTypes = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;
const extensions = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;

export interface EncodedImage {
  bytes: Buffer;
  format: ImageFormat;
  contentType: (typeof contentTypes)[ImageFormat];
  /** File extension for storage keys, without the dot. */
  extension: (typeof extensions)[ImageFormat];
  width: number;
  height: number;
  byteSize: number;
  /** Hex SHA-256 of bytes. */
  sha256: string;
}

/**
 * Checks the bytes are a still PNG, JPEG or WebP within the caps, reading
 * only the header, and returns a pipeline to encode from. Throws AppError
 * `invalid_image` or `image_too_large`.
 */
export async function openImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<OpenedImage> {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const sniffed = sniffImage(bytes);
  if (!sniffed) throw new AppError('invalid_image', { detail: 'not a PNG, JPEG or WebP by content' });
  if (sniffed.animated) throw new AppError('invalid_image', { detail: `animated ${sniffed.format}` });

  let metadata;
  try {
    // Header only; the cap is checked below, by us, so a huge image is told apart from a broken one.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'warning' }).metadata();
  } catch (cause) {
    throw new AppError('invalid_image', { detail: 'unreadable header', cause });
  }
  if (metadata.format !== sniffed.format) {
    throw new AppError('invalid_image', { detail: `decoder saw ${metadata.format}, not ${sniffed.format}` });
  }
  if ((metadata.pages ?? 1) > 1) throw new AppError('invalid_image', { detail: 'several frames' });
  // From the header alone, before any pixel is decoded.
  const { width, height } = metadata;
  if (width * height > maxPixels || width > MAX_EDGE || height > MAX_EDGE) {
    throw new AppError('image_too_large', { detail: `${width}x${height}` });
  }
  // The same cap again where pixels are decoded: the pipeline refuses whatever slipped past.
  const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' }).autoOrient();
  return { pipeline, sniffed };
}

/** Runs the encoder; a failure there means the pixel data was broken. */
export async function encode(pipeline: Sharp, format: ImageFormat): Promise<EncodedImage> {
  let output;
  try {
    output = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw new AppError('invalid_image', { detail: 'decoding failed', cause });
  }
  const { data, info } = output;
  return {
    bytes: data,
    format,
    contentType: contentTypes[format],
    extension: extensions[format],
    width: info.width,
    height: info.height,
    byteSize: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}
