/**
 * How a generation's objects and rows come together (J3 at every moment):
 * it is reported `succeeded` once its originals are stored and recorded;
 * each thumbnail follows, recorded on its row only once stored, and the
 * image route serves the original in its place meanwhile, never cached for
 * long (thumbnails.ts). A thumbnail that cannot be stored leaves the job to
 * run again, which completes it from the stored original without calling
 * the provider or charging again; one whose generation was deleted meanwhile
 * is deleted too; and the sweeper completes any that neither made, holding
 * back the ones it cannot complete (an original missing) instead of trying
 * them, and warning, on every pass.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, creditsOf, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { waitFor, waitUntilFinished } from '../../../tests/support/wait-finished';
import { generationImages, generations } from '../db/schema';
import type { GenerationView } from './queries';
import { readBody } from '../storage/object-storage';
import { sweepOnce } from './sweeper';
import { REPAIR_AFTER_MS, repairBackoff, thumbnailKey } from './thumbnails';

let t: TestApp;
/** What the thumbnail writes do: wait this long first, or fail this many times. */
const thumbnailWrites = { delayMs: 0, failures: 0 };
const stored: string[] = [];

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
      stored.push(key);
      return;
    }
    await put(key, bytes, options);
  };
});
afterAll(() => t.close());

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

const imagesOf = (id: string) =>
  t.database.db
    .select({
      index: generationImages.index,
      objectKey: generationImages.objectKey,
      thumbKey: generationImages.thumbKey,
    })
    .from(generationImages)
    .where(eq(generationImages.generationId, id))
    .orderBy(generationImages.index);

/** As a run that died after the success and a job that was given up on would leave an image: no thumbnail. */
async function loseThumbnail(id: string, index: number) {
  await t.platform.generation.storage.delete(thumbnailKey(id, index));
  await t.database.db
    .update(generationImages)
    .set({ thumbKey: null })
    .where(and(eq(generationImages.generationId, id), eq(generationImages.index, index)));
}

async function waitSucceeded(cookie: string, id: string): Promise<GenerationView> {
  return waitFor(
    async () => {
      const current = await view(cookie, id);
      if (current.status === 'failed' || current.status === 'canceled') throw new Error(current.status);
      return current.status === 'succeeded' ? current : undefined;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 10,
      describe: async () => `generation ${id} still ${(await view(cookie, id)).status}`,
    },
  );
}

describe('finishing a generation', () => {
  it('reports succeeded with the originals stored, then records each thumbnail once it is stored', async () => {
    thumbnailWrites.delayMs = 400;
    stored.length = 0;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    const done = await waitSucceeded(cookie, id);
    expect(done).toMatchObject({ charged: 2 });
    expect(done.images).toHaveLength(2);
    // Thumbnail writes take 400 ms here: none is stored yet, and no row names one.
    expect(stored).toEqual([]);
    const storage = t.platform.generation.storage;
    for (const image of await imagesOf(id)) {
      expect(await storage.head(image.objectKey)).not.toBeNull();
      expect(image.thumbKey).toBeNull();
    }
    // Meanwhile the thumbnail's URL serves the original, revalidated on every use.
    const standIn = await t.request(done.images[0]!.thumbUrl, { headers: { cookie } });
    expect(standIn.status).toBe(200);
    expect(standIn.headers.get('content-type')).toBe('image/png');
    expect(standIn.headers.get('cache-control')).toBe('private, no-cache');
    await standIn.arrayBuffer();

    await waitUntilFinished(t.database.db, [id], 10_000);
    expect(stored.sort()).toEqual([thumbnailKey(id, 0), thumbnailKey(id, 1)]);
    for (const image of await imagesOf(id)) {
      expect(image.thumbKey).toBe(thumbnailKey(id, image.index));
      expect(await storage.head(image.thumbKey!)).not.toBeNull();
    }
    const thumbnail = await t.request(done.images[0]!.thumbUrl, { headers: { cookie } });
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.headers.get('cache-control')).toContain('immutable');
    await thumbnail.arrayBuffer();
    await expectLedgerSound(t.database.db);
  });

  it('runs the job again when a thumbnail cannot be stored, completing it from the original and charging once', async () => {
    thumbnailWrites.delayMs = 0;
    thumbnailWrites.failures = 1;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    await waitSucceeded(cookie, id);
    await waitUntilFinished(t.database.db, [id], 30_000);
    expect(thumbnailWrites.failures).toBe(0);
    const storage = t.platform.generation.storage;
    for (const image of await imagesOf(id)) expect(await storage.head(image.thumbKey!)).not.toBeNull();
    const [row] = await t.database.db
      .select({ attempts: generations.attempts, charged: generations.charged })
      .from(generations)
      .where(eq(generations.id, id));
    // The rerun found the generation finished: the provider was called once, and charged once.
    expect(row?.attempts).toHaveLength(1);
    expect(row?.charged).toBe(2);
    expect(await creditsOf(t, cookie)).toEqual({ available: 18, held: 0 });
    await expectLedgerSound(t.database.db);
  });

  it('deletes a thumbnail whose generation was deleted while it was made', async () => {
    thumbnailWrites.delayMs = 400;
    stored.length = 0;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    await waitSucceeded(cookie, id);
    const deleted = await t.request(`/api/generations/${id}`, { method: 'DELETE', headers: { cookie } });
    expect(deleted.status).toBe(204);
    await waitFor(async () => (stored.length === 2 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
      describe: () => `${stored.length} of 2 thumbnails written`,
    });
    // The maker records nothing (the rows are gone) and deletes what it wrote.
    await waitFor(
      async () => {
        const left: string[] = [];
        for await (const entry of t.platform.generation.storage.list(`generations/${id}/`))
          left.push(entry.key);
        return left.length === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20, describe: () => `objects of ${id} still stored` },
    );
  });

  it('has the sweeper complete a thumbnail that neither the run nor a rerun made', async () => {
    thumbnailWrites.delayMs = 0;
    const { cookie } = await signUp(t);
    const id = await submit(cookie);
    await waitSucceeded(cookie, id);
    await waitUntilFinished(t.database.db, [id], 10_000);
    // As a job that pg-boss gave up on after the success would leave it: no thumbnail, long ago.
    const storage = t.platform.generation.storage;
    await loseThumbnail(id, 1);
    const deps = t.platform.generation;
    expect((await sweepOnce(deps)).thumbnailsCompleted).toBe(0); // too recent: its job may still make it
    t.advance(REPAIR_AFTER_MS + 1_000);
    expect((await sweepOnce(deps)).thumbnailsCompleted).toBe(1);
    const missing = await t.database.db
      .select({ index: generationImages.index })
      .from(generationImages)
      .where(and(eq(generationImages.generationId, id), isNull(generationImages.thumbKey)));
    expect(missing).toEqual([]);
    expect(await storage.head(thumbnailKey(id, 1))).not.toBeNull();
    expect((await sweepOnce(deps)).thumbnailsCompleted).toBe(0);
  });

  it('holds back a generation whose thumbnail cannot be made, trying it again less and less often', async () => {
    const { cookie } = await signUp(t);
    const broken = await submit(cookie);
    await waitSucceeded(cookie, broken);
    const fine = await submit(cookie);
    await waitSucceeded(cookie, fine);
    await waitUntilFinished(t.database.db, [broken, fine], 10_000);
    // The earlier tests' thumbnails too: the sweeps below must find only these two.
    await waitFor(
      async () =>
        (await t.database.db.select().from(generationImages).where(isNull(generationImages.thumbKey)))
          .length === 0 || undefined,
      { timeoutMs: 10_000, intervalMs: 20, describe: async () => 'images without a thumbnail remain' },
    );
    const storage = t.platform.generation.storage;
    // Both lost a thumbnail; the first also lost the original it would be made from.
    const [original] = await imagesOf(broken);
    const originalBytes = await readBody((await storage.get(original!.objectKey))!);
    await storage.delete(original!.objectKey);
    for (const id of [broken, fine]) await loseThumbnail(id, 0);
    const deps = t.platform.generation;
    const thumbnailBackoff = repairBackoff();
    const warnings = () =>
      t.logs.filter((line) => line.includes('thumbnails not completed') && line.includes(broken)).length;
    const sweep = async () => (await sweepOnce(deps, { thumbnailBackoff })).thumbnailsCompleted;

    t.advance(REPAIR_AFTER_MS + 1_000);
    expect(await sweep()).toBe(1); // the fine one; the broken one is held back
    expect(await storage.head(thumbnailKey(fine, 0))).not.toBeNull();
    expect(warnings()).toBe(1);
    expect(t.logs.find((line) => line.includes('thumbnails not completed') && line.includes(broken))).toMatch(
      /"withoutOriginal":1/,
    );

    // Held back: the next passes neither try it nor warn again.
    expect(await sweep()).toBe(0);
    t.advance(REPAIR_AFTER_MS / 2);
    expect(await sweep()).toBe(0);
    expect(warnings()).toBe(1);

    // Its time comes: tried once more, then held back twice as long.
    t.advance(REPAIR_AFTER_MS / 2 + 1_000);
    expect(await sweep()).toBe(0);
    expect(warnings()).toBe(2);
    t.advance(REPAIR_AFTER_MS + 1_000);
    expect(await sweep()).toBe(0);
    expect(warnings()).toBe(2);

    // The original is back (restored from a backup): the next try completes the thumbnail.
    await storage.put(original!.objectKey, originalBytes, { contentType: 'image/png' });
    t.advance(REPAIR_AFTER_MS + 1_000);
    expect(await sweep()).toBe(1);
    expect(warnings()).toBe(2);
    expect(await storage.head(thumbnailKey(broken, 0))).not.toBeNull();
    expect((await imagesOf(broken))[0]!.thumbKey).toBe(thumbnailKey(broken, 0));
  });
});
