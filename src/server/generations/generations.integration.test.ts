/**
 * The generation API end to end on the real app, database, job queue,
 * storage and the built-in offline provider: accept, run, store, settle;
 * refunds on failure and cancel; ownership; bad input; idempotency; SSE.
 */
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { waitUntilFinished } from '../../../tests/support/wait-finished';
import { generations } from '../db/schema';
import type { GenerationView } from './queries';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '20', RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' }, { workers: true });
});
afterAll(() => t.close());

async function member() {
  const { cookie } = await signUp(t);
  const get = (path: string, init: RequestInit = {}) =>
    t.request(path, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const post = (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    t.request(path, {
      method: 'POST',
      headers: { cookie, ...headers },
      ...(json === undefined ? {} : { json }),
    });
  const balance = async () =>
    (await (await get('/api/credits')).json()) as { available: number; held: number };
  return { cookie, get, post, balance };
}

async function waitFor(
  get: (path: string) => Promise<Response>,
  id: string,
  done = (g: GenerationView) => ['succeeded', 'failed', 'canceled'].includes(g.status),
): Promise<GenerationView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await (await get(`/api/generations/${id}`)).json()) as GenerationView;
    if (done(view) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('models', () => {
  it('lists the offline models first, with prices per size and nothing internal', async () => {
    const response = await t.request('/api/models', { headers: { 'accept-language': 'zh' } });
    expect(response.status).toBe(200);
    const { models } = (await response.json()) as { models: Array<Record<string, unknown>> };
    expect(models.map((m) => m.id)).toEqual(['local-preview', 'local-sketch']);
    expect(models[0]).toMatchObject({ provider: { id: 'local', name: '本地预览（离线）' } });
    const text = JSON.stringify(models);
    expect(text).not.toMatch(/routes|settings|providerModelId/);
  });
});

describe('a generation', () => {
  it('starts with the starter credits, makes 4 images, and charges exactly the price', async () => {
    const m = await member();
    expect(await m.balance()).toEqual({ available: 20, held: 0 });
    const response = await m.post('/api/generations', {
      prompt: 'a lighthouse at sunset over the ocean',
      modelId: 'local-preview',
      size: '1024x1024',
      n: 4,
      seed: 42,
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; status: string; cost: number };
    expect(accepted).toMatchObject({ status: 'queued', cost: 8 });

    const done = await waitFor(m.get, accepted.id);
    expect(done).toMatchObject({ status: 'succeeded', cost: 8, charged: 8, errorCode: null, n: 4 });
    expect(done.images.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(done.images.map((i) => i.seed)).toEqual([42, 43, 44, 45]);
    expect(await m.balance()).toEqual({ available: 12, held: 0 });

    const original = await m.get(done.images[0]!.url);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('x-content-type-options')).toBe('nosniff');
    expect(original.headers.get('cache-control')).toContain('immutable');
    const meta = await sharp(Buffer.from(await original.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);
    await waitUntilFinished(t.database.db, [accepted.id], 10_000); // the thumbnails follow the success
    const thumb = await m.get(done.images[0]!.thumbUrl);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('cache-control')).toContain('immutable');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp');
    const download = await m.get(done.images[1]!.downloadUrl);
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="image-[0-9a-f]{8}-2\.png"/,
    );
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const again = await m.get(done.images[0]!.url, {
      headers: { 'if-none-match': original.headers.get('etag')! },
    });
    expect(again.status).toBe(304);

    await expectLedgerSound(t.database.db);
  });

  it('is invisible to other members: 404 for the generation, its images, cancel and delete', async () => {
    const owner = await member();
    const other = await member();
    const { id } = (await (
      await owner.post('/api/generations', {
        prompt: 'a quiet forest',
        modelId: 'local-sketch',
        size: '512x512',
        n: 1,
      })
    ).json()) as { id: string };
    const done = await waitFor(owner.get, id);
    expect(done.status).toBe('succeeded');
    expect((await other.get(`/api/generations/${id}`)).status).toBe(404);
    const stolen = await other.get(done.images[0]!.url);
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).not.toContain('generations/');
    expect((await other.get(`/api/generations/${id}/events`)).status).toBe(404);
    expect((await other.post(`/api/generations/${id}/cancel`)).status).toBe(404);
    expect((await other.get(`/api/generations/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await t.request(done.images[0]!.url)).status).toBe(401);
    expect((await owner.get(`/api/generations/${id}`)).status).toBe(200);
  });

  it('refunds a failure with nobody watching, and says so in the member’s language', async () => {
    const m = await member();
    const { id } = (await (
      await m.post('/api/generations', {
        prompt: 'a city at night [fail:content_policy]',
        modelId: 'local-preview',
        size: '512x512',
        n: 2,
      })
    ).json()) as { id: string };
    await expect
      .poll(
        async () => (await t.database.db.select().from(generations).where(eq(generations.id, id)))[0]?.status,
        { timeout: 15_000 },
      )
      .toBe('failed');
    expect(await m.balance()).toEqual({ available: 20, held: 0 });
    const view = (await (
      await m.get(`/api/generations/${id}`, { headers: { 'accept-language': 'zh' } })
    ).json()) as GenerationView;
    expect(view).toMatchObject({ status: 'failed', errorCode: 'content_policy', charged: 0, images: [] });
    expect(view.errorMessage).toContain('积分已退还');
    expect(view).not.toHaveProperty('attempts');
  });
});

describe('bad input', () => {
  const valid = { prompt: 'a red kite', modelId: 'local-preview', size: '512x512', n: 1 };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an empty prompt', { ...valid, prompt: '   ' }, 'prompt'],
    ['a missing prompt', { modelId: 'local-preview', n: 1 }, 'prompt'],
    ['an over-long prompt', { ...valid, prompt: 'x'.repeat(4_001) }, 'prompt'],
    ['an unknown model', { ...valid, modelId: 'no-such-model' }, 'modelId'],
    ['a disabled model', { ...valid, modelId: 'gpt-image-2' }, 'modelId'],
    ['an unsupported size', { ...valid, size: '999x999' }, 'size'],
    ['an aspect ratio on a sized model', { ...valid, size: undefined, aspectRatio: '16:9' }, 'aspectRatio'],
    ['zero images', { ...valid, n: 0 }, 'n'],
    ['a fractional count', { ...valid, n: 1.5 }, 'n'],
    ['more images than the model makes', { ...valid, n: 5 }, 'n'],
    ['a negative seed', { ...valid, seed: -1 }, 'seed'],
    ['a fractional seed', { ...valid, seed: 2.5 }, 'seed'],
    ['a string count', { ...valid, n: '2' }, 'n'],
    ['an unknown field', { ...valid, style: 'x' }, 'style'],
  ];

  it.each(cases)('refuses %s with a localized field error and holds nothing', async (_name, body, field) => {
    const m = await member();
    const response = await m.post('/api/generations', body, { 'accept-language': 'zh' });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; fields: { field: string; message: string }[] };
    };
    expect(error.code).toBe('validation_failed');
    expect(error.fields.map((f) => f.field)).toContain(field);
    expect(error.fields[0]!.message).toMatch(/[\u4e00-\u9fff]/);
    expect(await m.balance()).toEqual({ available: 20, held: 0 });
  });

  it('answers 402 insufficient_credits when the price is above the balance, and writes nothing', async () => {
    const m = await member();
    const before = await t.database.db.select().from(generations);
    const response = await m.post('/api/generations', { ...valid, size: '1024x1024', n: 4, prompt: 'x' }, {});
    expect(response.status).toBe(202); // 8 of 20
    const second = await m.post('/api/generations', { ...valid, size: '1024x1024', n: 4 });
    expect(second.status).toBe(202); // 16 of 20
    const third = await m.post('/api/generations', { ...valid, size: '1024x1024', n: 4 });
    expect(third.status).toBe(402);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('insufficient_credits');
    const after = await t.database.db.select().from(generations);
    expect(after.length - before.length).toBe(2);
  });

  it('requires a session', async () => {
    const response = await t.request('/api/generations', { json: valid });
    expect(response.status).toBe(401);
  });
});

describe('idempotency', () => {
  it('returns the first generation for a repeated key, and refuses the key with another request', async () => {
    const m = await member();
    const body = { prompt: 'a paper boat', modelId: 'local-preview', size: '512x512', n: 2 };
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map(() => m.post('/api/generations', body, { 'idempotency-key': 'submit-1' })),
    );
    const ids = new Set<string>();
    for (const response of responses) {
      expect(response.status).toBe(202);
      ids.add(((await response.json()) as { id: string }).id);
    }
    expect(ids.size).toBe(1);
    const mismatch = await m.post('/api/generations', { ...body, n: 1 }, { 'idempotency-key': 'submit-1' });
    expect(mismatch.status).toBe(409);
    const [id] = [...ids];
    await waitFor(m.get, id!);
    expect(await m.balance()).toEqual({ available: 18, held: 0 });
  });
});

describe('history', () => {
  it('pages newest first with a cursor, and deletes a generation with its stored images', async () => {
    const m = await member();
    const ids: string[] = [];
    for (const prompt of ['one', 'two', 'three']) {
      const r = await m.post('/api/generations', { prompt, modelId: 'local-preview', size: '512x512', n: 1 });
      ids.push(((await r.json()) as { id: string }).id);
    }
    for (const id of ids) await waitFor(m.get, id);
    await waitUntilFinished(t.database.db, ids, 30_000); // and their thumbnails, which follow
    const first = (await (await m.get('/api/generations?limit=2')).json()) as {
      items: GenerationView[];
      nextCursor: string;
    };
    expect(first.items.map((g) => g.prompt)).toEqual(['three', 'two']);
    const second = (await (await m.get(`/api/generations?limit=2&cursor=${first.nextCursor}`)).json()) as {
      items: GenerationView[];
      nextCursor: string | null;
    };
    expect(second.items.map((g) => g.prompt)).toEqual(['one']);
    expect(second.nextCursor).toBeNull();
    expect((await m.get('/api/generations?cursor=bogus')).status).toBe(400);

    const victim = first.items[0]!;
    const keys = (
      await t.database.db.query.generationImages.findMany({
        where: (i, { eq: is }) => is(i.generationId, victim.id),
      })
    )
      .flatMap((i) => [i.objectKey, i.thumbKey])
      .filter((key): key is string => key !== null);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(await t.platform.generation.storage.head(key)).not.toBeNull();
    const deleted = await m.get(`/api/generations/${victim.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await m.get(`/api/generations/${victim.id}`)).status).toBe(404);
    for (const key of keys) expect(await t.platform.generation.storage.head(key)).toBeNull();
  });
});
