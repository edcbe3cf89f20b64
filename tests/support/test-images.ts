/**
 * Test images made on the spot with sharp (and a few hand-built byte
 * strings), so the fixtures show exactly what they contain. Used by the
 * image tests only.
 */
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export const red = { r: 255, g: 0, b: 0 };
export const blue = { r: 0, g: 0, b: 255 };

/** A width × height image, left half red and right half blue, so orientation can be checked by pixel. */
export async function halves(width: number, height: number): Promise<Sharp> {
  const left = await sharp({ create: { width: width / 2, height, channels: 3, background: red } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: blue } }).composite([
    { input: left, left: 0, top: 0 },
  ]);
}

/** The RGB value of one pixel. */
export async function pixel(bytes: Uint8Array, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

/** A PNG chunk with its length and CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A tiny valid PNG whose header (IHDR) claims other dimensions, with a
 * correct CRC: a decoder reading only the header sees a huge image.
 */
export async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } })
      .png()
      .toBuffer(),
  );
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height; the CRC covers type and data.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** An APNG: a PNG with an animation-control chunk (2 frames, endless) before its image data. */
export async function animatedPng(): Promise<Buffer> {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: red } })
    .png()
    .toBuffer();
  const ihdrEnd = 8 + 12 + 13;
  const acTL = Buffer.alloc(8);
  acTL.writeUInt32BE(2, 0);
  acTL.writeUInt32BE(0, 4);
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('acTL', acTL), png.subarray(ihdrEnd)]);
}

export async function animatedWebp(): Promise<Buffer> {
  const frames = await Promise.all(
    [red, blue, red].map((background) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .webp({ loop: 0, delay: [100, 100, 100] })
    .toBuffer();
}

export const svg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
);
