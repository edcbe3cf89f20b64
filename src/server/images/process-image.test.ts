import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { crc32 } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import {
  animatedPng,
  animatedWebp,
  blue,
  halves,
  pixel,
  pngChunk,
  pngDeclaring,
  red,
  svg,
} from '../../../tests/support/test-images';
import { AppError } from '../errors';
import { DEFAULT_MAX_PIXELS } from './open-image';
import { isPlainPng, processImage } from './process-image';
import { sniffImage } from './sniff-image';

const camera = { IFD0: { Make: 'SecretCamCo', Model: 'Spy 3000', Copyright: 'Jane Doe' } };
const gps = { IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 29/1', GPSLongitudeRef: 'E' } };
const xmp =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XmpAuthor</dc:creator>' +
  '</rdf:Description></rdf:RDF></x:xmpmeta>';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** Every metadata block sharp can report; all must be absent after processing. */
async function metadataLeft(bytes: Uint8Array) {
  const m = await sharp(bytes).metadata();
  return {
    exif: m.exif,
    icc: m.icc,
    xmp: m.xmp,
    iptc: m.iptc,
    comments: m.comments,
    orientation: m.orientation,
  };
}
const noMetadata = {
  exif: undefined,
  icc: undefined,
  xmp: undefined,
  iptc: undefined,
  comments: undefined,
  orientation: undefined,
};

describe('processImage', () => {
  it('applies EXIF orientation 6, then strips EXIF, GPS and the camera details from a JPEG', async () => {
    const input = await (
      await halves(40, 20)
    )
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ ...camera, ...gps })
      .toBuffer();
    const before = await sharp(input).metadata();
    // The fixture really carries what must go.
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes('SecretCamCo')).toBe(true);
    // The GPS IFD pointer (tag 0x8825), in either byte order.
    const gpsTag = [Buffer.from([0x88, 0x25]), Buffer.from([0x25, 0x88])];
    expect(gpsTag.some((tag) => before.exif?.includes(tag))).toBe(true);

    const result = await processImage(input);
    expect(result).toMatchObject({
      format: 'jpeg',
      contentType: 'image/jpeg',
      extension: 'jpg',
      width: 20,
      height: 40,
    });
    expect(await metadataLeft(result.bytes)).toEqual(noMetadata);
    expect(result.bytes.includes('SecretCamCo')).toBe(false);
    expect(result.bytes.includes('Jane Doe')).toBe(false);
    // Turned 90° clockwise: the red left half is now on top.
    const top = await pixel(result.bytes, 10, 5);
    const bottom = await pixel(result.bytes, 10, 34);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });

  it('keeps a PNG a PNG, losslessly, without its EXIF, XMP or text chunks', async () => {
    const source = await halves(32, 16);
    const input = await source.png().withExif(camera).withXmp(xmp).toBuffer();
    expect((await sharp(input).metadata()).xmp).toBeDefined();

    const result = await processImage(input);
    expect(result).toMatchObject({ format: 'png', contentType: 'image/png', width: 32, height: 16 });
    expect(await metadataLeft(result.bytes)).toEqual(noMetadata);
    expect(result.bytes.includes('XmpAuthor')).toBe(false);
    const original = await sharp(input).raw().toBuffer();
    expect((await sharp(result.bytes).raw().toBuffer()).equals(original)).toBe(true);
  });

  it('keeps a lossy WebP lossy and a lossless WebP lossless, without XMP', async () => {
    const lossy = await (await halves(32, 16)).webp({ quality: 70 }).withXmp(xmp).toBuffer();
    const lossless = await (await halves(32, 16)).webp({ lossless: true }).toBuffer();

    const a = await processImage(lossy);
    expect(a).toMatchObject({ format: 'webp', contentType: 'image/webp', extension: 'webp' });
    expect(sniffImage(a.bytes)?.lossless).toBe(false);
    expect(await metadataLeft(a.bytes)).toEqual(noMetadata);

    const b = await processImage(lossless);
    expect(sniffImage(b.bytes)?.lossless).toBe(true);
    const original = await sharp(lossless).raw().toBuffer();
    expect((await sharp(b.bytes).raw().toBuffer()).equals(original)).toBe(true);
  });

  it('converts a wide-gamut (Display P3) image to sRGB and drops the profile', async () => {
    const input = await sharp({
      create: { width: 4, height: 4, channels: 3, background: { r: 0, g: 128, b: 0 } },
    })
      .png()
      .withIccProfile('p3')
      .toBuffer();
    const stored = await sharp(input, { ignoreIcc: true }).raw().toBuffer();
    // The file holds P3 numbers, which differ from the sRGB colour they mean.
    expect([...stored.subarray(0, 3)]).not.toEqual([0, 128, 0]);

    const result = await processImage(input);
    expect((await sharp(result.bytes).metadata()).icc).toBeUndefined();
    const [r, g, b] = await pixel(result.bytes, 0, 0);
    expect(Math.abs(r - 0)).toBeLessThanOrEqual(2);
    expect(Math.abs(g - 128)).toBeLessThanOrEqual(2);
    expect(Math.abs(b - 0)).toBeLessThanOrEqual(2);
  });

  it('reports size and SHA-256 of the bytes it returns', async () => {
    const result = await processImage(await (await halves(8, 8)).png().toBuffer());
    expect(result.byteSize).toBe(result.bytes.length);
    expect(result.sha256).toBe(createHash('sha256').update(result.bytes).digest('hex'));
  });

  it('drops whatever follows the image, such as the HTML half of a JPEG/HTML polyglot', async () => {
    const jpeg = await (await halves(16, 16)).jpeg().toBuffer();
    const polyglot = Buffer.concat([
      jpeg,
      Buffer.from('<html><script>alert(document.cookie)</script></html>'),
    ]);
    const result = await processImage(polyglot);
    expect(result.format).toBe('jpeg');
    expect(result.bytes.includes('<script>')).toBe(false);
  });

  it('refuses a PNG whose header declares 14,000 × 14,000 pixels, before decoding it', async () => {
    const bomb = await pngDeclaring(14_000, 14_000);
    expect(bomb.length).toBeLessThan(100);
    expect((await sharp(bomb).metadata()).width).toBe(14_000);
    const error = await rejection(processImage(bomb));
    expect(error.code).toBe('image_too_large');
    expect(error.status).toBe(413);
  });

  it('uses a cap far below sharp’s default, and honours a lower one', async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(40_000_000);
    expect(DEFAULT_MAX_PIXELS).toBeLessThan(268_402_689 / 6);
    // 7,000 × 7,000 = 49 MP: under sharp's default, over ours.
    expect((await rejection(processImage(await pngDeclaring(7000, 7000)))).code).toBe('image_too_large');

    const image = await sharp({ create: { width: 100, height: 50, channels: 3, background: red } })
      .png()
      .toBuffer();
    await expect(processImage(image, { maxPixels: 5000 })).resolves.toMatchObject({ width: 100, height: 50 });
    expect((await rejection(processImage(image, { maxPixels: 4999 }))).code).toBe('image_too_large');
  });

  it('refuses a 1 × 65,000 strip: too long a side, however few pixels', async () => {
    expect((await rejection(processImage(await pngDeclaring(1, 65_000)))).code).toBe('image_too_large');
  });

  it.each([
    ['nothing', Buffer.alloc(0)],
    ['text', Buffer.from('hello, this is not an image')],
    ['HTML', Buffer.from('<!doctype html><html><script>alert(1)</script></html>')],
    ['SVG', svg],
    ['SVG with an XML declaration', Buffer.concat([Buffer.from('<?xml version="1.0"?>\n'), svg])],
    ['PDF', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF')],
    ['ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0])],
    [
      'a PNG signature with garbage after it',
      Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(64, 7)]),
    ],
    [
      'a JPEG start with garbage after it',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]),
    ],
  ])('refuses %s as invalid_image', async (_name, bytes) => {
    const error = await rejection(processImage(bytes));
    expect(error.code).toBe('invalid_image');
    expect(error.status).toBe(422);
  });

  it('refuses a GIF, even a real one', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: blue } })
      .gif()
      .toBuffer();
    expect((await rejection(processImage(gif))).code).toBe('invalid_image');
  });

  it('refuses a truncated PNG', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: blue } })
      .png()
      .toBuffer();
    const truncated = png.subarray(0, png.length - 20);
    expect((await rejection(processImage(truncated))).code).toBe('invalid_image');
  });

  it('refuses animated images: WebP and APNG', async () => {
    const webp = await animatedWebp();
    expect((await sharp(webp).metadata()).pages).toBe(3);
    expect((await rejection(processImage(webp))).code).toBe('invalid_image');

    const apng = await animatedPng();
    // sharp itself would decode the first frame and call it a still PNG.
    expect((await sharp(apng).metadata()).format).toBe('png');
    expect((await rejection(processImage(apng))).code).toBe('invalid_image');
  });
});

describe("processImage with keepPlainPng (a provider's output)", () => {
  const plain = () =>
    sharp({ create: { width: 64, height: 48, channels: 3, background: blue } })
      .png()
      .toBuffer();
  /** `png` with `chunk` inserted after IHDR. */
  const withChunk = (png: Buffer, chunk: Buffer) =>
    Buffer.concat([png.subarray(0, 8 + 12 + 13), chunk, png.subarray(8 + 12 + 13)]);

  it('keeps a PNG of nothing but pixels byte for byte, with its size and hash', async () => {
    const png = await plain();
    expect(isPlainPng(png)).toBe(true);
    const kept = await processImage(png, { keepPlainPng: true });
    expect(Buffer.compare(kept.bytes, png)).toBe(0);
    expect(kept).toMatchObject({
      format: 'png',
      contentType: 'image/png',
      extension: 'png',
      width: 64,
      height: 48,
    });
    expect(kept.byteSize).toBe(png.byteLength);
    expect(kept.sha256).toBe(createHash('sha256').update(png).digest('hex'));
  });

  it('re-encodes a PNG with a text, EXIF or private chunk, as without the option', async () => {
    const png = await plain();
    for (const chunk of [
      pngChunk('tEXt', Buffer.from('Comment\0made by SecretCamCo', 'latin1')),
      pngChunk('eXIf', Buffer.from('MM\0*\0\0\0\x08\0\0', 'latin1')),
      pngChunk('prVt', Buffer.from('anything')),
      pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
    ]) {
      const input = withChunk(png, chunk);
      expect(isPlainPng(input)).toBe(false);
      const processed = await processImage(input, { keepPlainPng: true });
      expect(processed.bytes.includes(chunk.subarray(4, 8))).toBe(false);
      expect(await pixel(processed.bytes, 10, 10)).toEqual([0, 0, 255]);
    }
  });

  it('re-encodes what follows IEND away, and a chunk with a wrong CRC', async () => {
    const png = await plain();
    const appended = Buffer.concat([png, Buffer.from('<html><script>alert(1)</script></html>')]);
    expect(isPlainPng(appended)).toBe(false);
    const processed = await processImage(appended, { keepPlainPng: true });
    expect(processed.bytes.includes(Buffer.from('<html>'))).toBe(false);

    const badCrc = withChunk(png, pngChunk('pHYs', Buffer.alloc(9)));
    const crcAt = 8 + 12 + 13 + 8 + 9; // the pHYs chunk's CRC
    badCrc.writeUInt8(badCrc.readUInt8(crcAt) ^ 0xff, crcAt);
    expect(isPlainPng(badCrc)).toBe(false);
  });

  it('still refuses a plain PNG whose pixel data does not decode, and one over the cap', async () => {
    const png = await plain();
    // Flip bytes inside the image data and fix the CRC: the chunks look right, the pixels do not.
    const idat = png.indexOf(Buffer.from('IDAT', 'latin1'));
    const length = png.readUInt32BE(idat - 4);
    const broken = Buffer.from(png);
    broken.fill(0xff, idat + 4 + 2, idat + 4 + length - 4);
    broken.writeUInt32BE(crc32(broken.subarray(idat, idat + 4 + length)), idat + 4 + length);
    expect(isPlainPng(broken)).toBe(true);
    expect((await rejection(processImage(broken, { keepPlainPng: true }))).code).toBe('invalid_image');

    const huge = await pngDeclaring(14_000, 14_000);
    expect((await rejection(processImage(huge, { keepPlainPng: true }))).code).toBe('image_too_large');
  });

  it('re-encodes 16-bit and interlaced PNGs, and always without the option', async () => {
    const deep = await sharp({ create: { width: 8, height: 8, channels: 3, background: red } })
      .png({ bitdepth: 16 } as never)
      .toColourspace('rgb16')
      .toBuffer();
    const interlaced = await sharp({ create: { width: 8, height: 8, channels: 3, background: red } })
      .png({ progressive: true })
      .toBuffer();
    expect(deep[8 + 8 + 8]).toBe(16); // IHDR's bit depth
    expect(interlaced[8 + 8 + 12]).toBe(1); // IHDR's interlace method
    expect(isPlainPng(interlaced)).toBe(false);
    expect(isPlainPng(deep)).toBe(false);
    const png = await plain();
    const spy = vi.spyOn(sharp.prototype, 'png');
    await processImage(png);
    expect(spy).toHaveBeenCalled();
    spy.mockClear();
    await processImage(png, { keepPlainPng: true });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
