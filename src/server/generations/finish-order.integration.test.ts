/**
 * A generation is never seen `succeeded` with one of its objects missing
 * (J3): the finishing transaction commits only once the originals and the
 * thumbnails are stored (finish-generation.ts). A thumbnail that cannot be
 * stored fails the run before anything is written, and the run is tried
 * again, charging once.
 *
 * (Writing the rows while the thumbnails were still being made, committing
 * after them, measured no faster on 2 cores, where the thumbnail and the
 * original already take both, and held PGlite's lock longer: decision 015.)
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { waitFor } from '../../../tests/support/wait-finished';
import { generationImages, generations } from '../db/schema';
import type { GenerationView } from './queries';

let t: TestApp;
/** What the thumbnail writes do: wait this long first, or fail this many times. */
const thumbnailWrites = { delayMs: 0, failures: 0 };
const events: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '20' }, { workers: true });
  const storage = t.platform.generation.storage;
  const put = storage.put.bind(storage);
  storage.put = async (key, bytes, options) => {
    if (key.endsWith('.thumb.webp')) {
      if (thumbnailWrites.failures > 0) {
        thumbnailWrites.failures--;
        throw new Error('the disk is full');
      }
      await new Promise((resolve) => setTimeout(resolve, thumbnailWrites.delayMs));
      await put(key, bytes, options);
      events.push(`thumbnail stored ${key}`);
      return;
    }
    await put(key, bytes, options);
  };
});
afterAll(() => t.close());

async function statusOf(id: string) {
  const [row] = await t.database.db
    .select({ status: generations.status })
    .from(generations)
    .where(eq(generations.id, id));
  return row?.status;
}

async function submit(cookie: string) {
  const response = await t.request('/api/generations', {
    headers: { cookie },
    json: { modelId: 'local-preview', prompt: 'a lighthouse', n: 2, size: '512x512' },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function view(cookie: string, id: string): Promise<GenerationView> {
  return (await (
    await t.request(`/api/generations/${id}`, { headers: { cookie } })
  ).json()) as GenerationView;
}

describe('finishing a generation', () => {
  it('commits succeeded only once every thumbnail is stored', async () => {
    thumbnailWrites.delayMs = 400;
    events.length = 0;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    // Watch the row until it is finished: while a thumbnail is missing, it must not be succeeded.
    // Thumbnail writes take 400 ms here: had the row been committed before them, they
    // would still be on their way when it is first seen succeeded.
    await waitFor(
      async () => {
        const status = await statusOf(id);
        if (status === 'succeeded') {
          expect(events).toHaveLength(2);
          return true;
        }
        expect(['queued', 'running']).toContain(status);
        return undefined;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 10,
        describe: async () => `generation ${id} still ${await statusOf(id)}`,
      },
    );
    const finished = await view(cookie, id);
    expect(finished).toMatchObject({ status: 'succeeded', charged: 2 });
    const storage = t.platform.generation.storage;
    const rows = await t.database.db
      .select({ objectKey: generationImages.objectKey, thumbKey: generationImages.thumbKey })
      .from(generationImages)
      .where(eq(generationImages.generationId, id));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(await storage.head(row.objectKey)).not.toBeNull();
      expect(await storage.head(row.thumbKey)).not.toBeNull();
    }
    await expectLedgerSound(t.database.db);
  });

  it('runs again when a thumbnail cannot be stored, charging once', async () => {
    thumbnailWrites.delayMs = 0;
    thumbnailWrites.failures = 1;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    const finished = await waitFor(
      async () => {
        const current = await view(cookie, id);
        return ['succeeded', 'failed', 'canceled'].includes(current.status) ? current : undefined;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        describe: async () => `generation ${id} still ${(await view(cookie, id)).status}`,
      },
    );
    expect(thumbnailWrites.failures).toBe(0);
    expect(finished).toMatchObject({ status: 'succeeded', charged: 2 });
    expect(finished.images).toHaveLength(2);
    const rows = await t.database.db
      .select({ thumbKey: generationImages.thumbKey })
      .from(generationImages)
      .where(eq(generationImages.generationId, id));
    for (const row of rows) expect(await t.platform.generation.storage.head(row.thumbKey)).not.toBeNull();
    const credits = (await (await t.request('/api/credits', { headers: { cookie } })).json()) as {
      available: number;
      held: number;
    };
    expect(credits).toEqual(expect.objectContaining({ available: 18, held: 0 }));
    await expectLedgerSound(t.database.db);
  });
});
