/**
 * Turns image bytes from anywhere (a provider's output, later an upload)
 * into the original we store: checked by content, within the pixel cap,
 * turned upright, converted to sRGB and re-encoded in its own format, so
 * nothing of the input survives but its pixels. The re-encode drops every
 * metadata block (EXIF with GPS and camera serials, XMP, IPTC, ICC profiles,
 * PNG text chunks) and anything appended to or hidden in the file, such as
 * the HTML half of a JPEG/HTML polyglot.
 */
import type { Sharp } from 'sharp';
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
 */
export async function processImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<ProcessedImage> {
  return withImageSlot(async () => {
    const { pipeline, sniffed } = await openImage(bytes, limits);
    return encode(encoderFor(pipeline, sniffed), sniffed.format);
  });
}
