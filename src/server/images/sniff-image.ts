/**
 * Type by content, before any decoder runs: only bytes that start like a
 * PNG, JPEG or WebP ever reach sharp, so SVG (an XML parser and a script
 * vector), GIF, PDF, HTML and everything else libvips could open are
 * refused without being parsed. A declared Content-Type or file name is
 * never consulted. The container is also read just far enough to spot
 * animation (APNG's acTL chunk, WebP's ANIM flag), which sharp would quietly
 * flatten, and lossless WebP, so it can be re-encoded losslessly.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface SniffedImage {
  format: ImageFormat;
  animated: boolean;
  /** WebP only: the image is VP8L (lossless) rather than VP8 (lossy). */
  lossless: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function uint32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function uint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/* APNG declares its animation in an acTL chunk, which must come before the first IDAT. */
function isAnimatedPng(bytes: Uint8Array): boolean {
  let at = PNG_SIGNATURE.length;
  while (at + 8 <= bytes.length) {
    const length = uint32BE(bytes, at);
    const type = ascii(bytes, at + 4, 4);
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    at += 12 + length; // length, type, data, CRC
  }
  return false;
}

/* RIFF chunks: the first tells the kind of WebP; VP8X carries an animation flag and is followed by the image chunk. */
function inspectWebp(bytes: Uint8Array): { animated: boolean; lossless: boolean } {
  let animated = false;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const type = ascii(bytes, at, 4);
    const size = uint32LE(bytes, at + 4);
    if (type === 'VP8X' && at + 9 <= bytes.length) animated = (bytes[at + 8]! & 0x02) !== 0;
    if (type === 'ANIM' || type === 'ANMF') animated = true;
    if (type === 'VP8L') return { animated, lossless: true };
    if (type === 'VP8 ') return { animated, lossless: false };
    at += 8 + size + (size % 2); // chunks are padded to an even size
  }
  return { animated, lossless: false };
}

/** The image format by magic bytes, or null for anything else (including SVG, GIF and empty input). */
export function sniffImage(bytes: Uint8Array): SniffedImage | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) {
    return { format: 'png', animated: isAnimatedPng(bytes), lossless: true };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: 'jpeg', animated: false, lossless: false };
  }
  if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    return { format: 'webp', ...inspectWebp(bytes) };
  }
  return null;
}
