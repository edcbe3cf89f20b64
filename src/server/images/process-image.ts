/**
 * Turns image bytes from anywhere (a provider's output, an upload) into the
 * original we store: checked by content, within the pixel cap, turned
 * upright, converted to sRGB and re-encoded in its own format, so nothing of
 * the input survives but its pixels. The re-encode drops every metadata
 * block (EXIF with GPS and camera serials, XMP, IPTC, ICC profiles, PNG text
 * chunks) and anything appended to or hidden in the file, such as the HTML
 * half of a JPEG/HTML polyglot. A provider's PNG that has no metadata to
 * drop may be kept as it is (`keepPlainPng`, below).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Sharp } from 'sharp';
import { AppError } from '../errors';
import { encode, openImage, withImageSlot, type EncodedImage, type ImageLimits } from './open-image';
import type { SniffedImage } from './sniff-image';

export type ProcessedImage = EncodedImage;

/*
 * Quality 90 for lossy formats: a second lossy pass at sharp's default 80
 * visibly softens detail; 90 keeps it at a modest size cost. PNG and
 * lossless WebP stay lossless.
 */
const LOSSY_QUALITY = 90;

function encoderFor(pipeline: Sharp, sniffed: SniffedImage): Sharp {
  switch (sniffed.format) {
    case 'png':
      return pipeline.png();
    case 'jpeg':
      return pipeline.jpeg({ quality: LOSSY_QUALITY });
    case 'webp':
      return sniffed.lossless ? pipeline.webp({ lossless: true }) : pipeline.webp({ quality: LOSSY_QUALITY });
  }
}

/**
 * Validates and normalizes an image. Throws AppError `invalid_image` (not a
 * still PNG, JPEG or WebP, or broken) or `image_too_large` (over the caps).
 * Without keepMetadata()/withMetadata(), sharp writes no metadata and
 * converts colour to sRGB: that default is what strips everything.
 *
 * With `keepPlainPng` (a provider's output), a PNG that is nothing but
 * pixels (isPlainPng) is kept byte for byte once its pixels decode:
 * re-encoding it would drop no metadata and give the same pixels, at the
 * cost of a full encode (~5 ms for 512 × 512, ~10 ms for 1024 × 1024) on the
 * way to a generation's `succeeded`. Uploads from visitors are always
 * re-encoded: nothing of their files but the pixels is kept.
 */
export async function processImage(
  bytes: Uint8Array,
  limits: ImageLimits & { keepPlainPng?: boolean } = {},
): Promise<ProcessedImage> {
  return withImageSlot(async () => {
    const { pipeline, sniffed } = await openImage(bytes, limits);
    if (limits.keepPlainPng && sniffed.format === 'png' && isPlainPng(bytes)) return kept(pipeline, bytes);
    return encode(encoderFor(pipeline, sniffed), sniffed.format);
  });
}

/** Chunks a PNG of nothing but pixels may hold: pHYs is the pixel density, which sharp writes too. */
const PLAIN_PNG_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND']);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * True for a PNG with 8 bits per sample, not interlaced, whose chunks are
 * only PLAIN_PNG_CHUNKS (no text, EXIF, ICC profile, gamma or colour
 * chunks, nothing private), each with a right CRC, IDAT chunks in one run,
 * and nothing after IEND. Reads the chunk headers only; whether the pixel
 * data decodes is checked by decoding it.
 */
export function isPlainPng(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 8 + 25 + 12 || PNG_SIGNATURE.some((byte, i) => bytes[i] !== byte)) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let previous = '';
  let sawData = false;
  while (offset + 12 <= bytes.byteLength) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.byteLength) return false;
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!PLAIN_PNG_CHUNKS.has(type)) return false;
    if ((type === 'IHDR') !== (offset === 8)) return false;
    if (type === 'IDAT' && sawData && previous !== 'IDAT') return false;
    if (crc32(bytes.subarray(offset + 4, end - 4)) !== view.getUint32(end - 4)) return false;
    if (type === 'IHDR') {
      // Bit depth 8, compression 0, filter 0, no interlacing; any colour type.
      const depth = bytes[offset + 16];
      if (
        length !== 13 ||
        depth !== 8 ||
        bytes[offset + 18] !== 0 ||
        bytes[offset + 19] !== 0 ||
        bytes[offset + 20] !== 0
      ) {
        return false;
      }
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return length === 0 && sawData && end === bytes.byteLength;
    previous = type;
    offset = end;
  }
  return false;
}

/** The input itself, once its pixel data has decoded (within the caps the pipeline carries). */
async function kept(pipeline: Sharp, bytes: Uint8Array): Promise<ProcessedImage> {
  let info;
  try {
    ({ info } = await pipeline.raw().toBuffer({ resolveWithObject: true }));
  } catch (cause) {
    throw new AppError('invalid_image', { detail: 'decoding failed', cause });
  }
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    bytes: data,
    format: 'png',
    contentType: 'image/png',
    extension: 'png',
    width: info.width,
    height: info.height,
    byteSize: data.byteLength,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}
