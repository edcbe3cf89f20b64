/**
 * A provider that answers with something that is not an image: the
 * generation fails as invalid_output, nothing is charged and no image row is
 * left. (An object a half-finished store wrote has no row and is deleted by
 * the sweeper's orphan pass, J3, tested with the sweeper.) A PNG whose chunks
 * look plain is written while its pixels are checked (finish-generation.ts):
 * when they do not decode, that write is undone at once.
 */
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, creditsOf, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { renderLocalImage } from '../providers/local/render';
import { createProviderRegistry } from '../providers/registry';
import type { ImageProvider } from '../providers/types';
import type { GenerationView } from './queries';

let t: TestApp;
let calls = 0;
/** What the provider answers: a real image and an HTML page, or one plain PNG whose pixels do not decode. */
let answer: 'html' | 'broken-pixels' = 'html';
let brokenPixels: Uint8Array;
beforeAll(async () => {
  const valid = await renderLocalImage({
    model: 'preview',
    prompt: 'a lighthouse',
    seed: 1,
    width: 512,
    height: 512,
  });
  // Image data overwritten and its CRC fixed: every chunk looks right, the pixels do not decode.
  const png = Buffer.from(valid);
  const idat = png.indexOf(Buffer.from('IDAT', 'latin1'));
  const length = png.readUInt32BE(idat - 4);
  png.fill(0xff, idat + 4 + 2, idat + 4 + length - 4);
  png.writeUInt32BE(crc32(png.subarray(idat, idat + 4 + length)), idat + 4 + length);
  brokenPixels = png;
  // Stands in for the offline provider: the first image is real, the second is an HTML page.
  const broken: ImageProvider = {
    id: 'local',
    generate: () => {
      calls++;
      if (answer === 'broken-pixels') {
        return Promise.resolve({ images: [{ bytes: brokenPixels, mediaType: 'image/png' }] });
      }
      return Promise.resolve({
        images: [
          { bytes: valid, mediaType: 'image/png' },
          {
            bytes: new TextEncoder().encode('<html><body>not an image</body></html>'),
            mediaType: 'image/png',
          },
        ],
      });
    },
  };
  t = await createTestApp(
    { STARTER_CREDITS: '10' },
    { workers: true, providers: createProviderRegistry({ local: false, providers: [broken] }) },
  );
});
afterAll(() => t.close());

async function finished(cookie: string, id: string): Promise<GenerationView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await (
      await t.request(`/api/generations/${id}`, { headers: { cookie } })
    ).json()) as GenerationView;
    if (['succeeded', 'failed', 'canceled'].includes(view.status)) return view;
    if (Date.now() > deadline) throw new Error(`generation ${id} still ${view.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a provider answering with bytes that are not an image', () => {
  it('fails the generation as invalid_output and refunds it, without retrying', async () => {
    const { cookie } = await signUp(t);
    const response = await t.request('/api/generations', {
      headers: { cookie },
      json: { modelId: 'local-preview', prompt: 'a lighthouse', n: 2, size: '512x512' },
    });
    expect(response.status).toBe(202);
    const { id, cost } = (await response.json()) as { id: string; cost: number };
    expect(cost).toBeGreaterThan(0);

    const view = await finished(cookie, id);
    expect(view).toMatchObject({ status: 'failed', errorCode: 'invalid_output', charged: 0, images: [] });
    expect(view.errorMessage).toEqual(expect.any(String));
    // A broken answer is not worth asking again for.
    expect(calls).toBe(1);
    expect(await creditsOf(t, cookie)).toEqual({ available: 10, held: 0 });
    await expectLedgerSound(t.database.db);
  });

  it('undoes the write of a plain PNG whose pixels do not decode', async () => {
    answer = 'broken-pixels';
    const { cookie } = await signUp(t);
    const response = await t.request('/api/generations', {
      headers: { cookie },
      json: { modelId: 'local-preview', prompt: 'a lighthouse', n: 1, size: '512x512' },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const view = await finished(cookie, id);
    expect(view).toMatchObject({ status: 'failed', errorCode: 'invalid_output', charged: 0, images: [] });
    const left: string[] = [];
    for await (const entry of t.platform.generation.storage.list(`generations/${id}/`)) left.push(entry.key);
    expect(left).toEqual([]);
    await expectLedgerSound(t.database.db);
  });
});
