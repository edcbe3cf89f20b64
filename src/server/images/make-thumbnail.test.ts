import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { halves, pixel, pngDeclaring, svg } from '../../../tests/support/test-images';
import { AppError } from '../errors';
import { makeThumbnail } from './make-thumbnail';

describe('makeThumbnail', () => {
  it('makes a WebP whose longer side is 512 px, keeping the aspect ratio', async () => {
    const wide = await (await halves(2000, 1000)).png().toBuffer();
    const thumbnail = await makeThumbnail(wide);
    expect(thumbnail).toMatchObject({ format: 'webp', contentType: 'image/webp', width: 512, height: 256 });
    const metadata = await sharp(thumbnail.bytes).metadata();
    expect(metadata).toMatchObject({ format: 'webp', width: 512, height: 256 });

    const tall = await (await halves(600, 1200)).jpeg().toBuffer();
    expect(await makeThumbnail(tall)).toMatchObject({ width: 256, height: 512 });
  });

  it('carries no metadata, even from an input that has plenty', async () => {
    const input = await (
      await halves(800, 400)
    )
      .jpeg()
      .withMetadata({ orientation: 1 })
      .withExif({ IFD0: { Make: 'SecretCamCo' } })
      .withIccProfile('p3')
      .toBuffer();
    const metadata = await sharp((await makeThumbnail(input)).bytes).metadata();
    expect([metadata.exif, metadata.icc, metadata.xmp, metadata.iptc]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('never enlarges a small image', async () => {
    const small = await (await halves(100, 50)).png().toBuffer();
    expect(await makeThumbnail(small)).toMatchObject({ width: 100, height: 50 });
  });

  it('turns the image upright first', async () => {
    const input = await (await halves(400, 200)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const thumbnail = await makeThumbnail(input, { maxEdge: 100 });
    expect(thumbnail).toMatchObject({ width: 50, height: 100 });
    const [r, , b] = await pixel(thumbnail.bytes, 25, 10);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(60);
  });

  it('validates its input like processImage', async () => {
    await expect(makeThumbnail(svg)).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(makeThumbnail(await pngDeclaring(14_000, 14_000))).rejects.toBeInstanceOf(AppError);
    await expect(makeThumbnail(await pngDeclaring(14_000, 14_000))).rejects.toMatchObject({
      code: 'image_too_large',
    });
  });

  it('refuses a nonsensical edge', async () => {
    const image = await (await halves(10, 10)).png().toBuffer();
    for (const maxEdge of [0, -1, 1.5, 100_000]) {
      await expect(makeThumbnail(image, { maxEdge })).rejects.toThrow(RangeError);
    }
  });
});
