/**
 * Reference images in generation requests, on the real app: every check
 * happens before any credit is held (the model must take references, the
 * count must fit its limit, an edit-only model needs one, and each id must
 * be the member's own upload, answered the same for someone else's id as
 * for one that does not exist); accepted ids are stored in order on the
 * generation; an upload in use by an unfinished generation cannot be
 * deleted; and loadReferenceImages reads them back for the job, failing
 * with a typed error when one is gone.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { seedModels } from '../catalog/seed-data';
import { generations, modelRoutes, models, uploads } from '../db/schema';
import { loadReferenceImages, ReferenceImageMissingError } from './load-reference-images';
import type { UploadView } from './queries';

let t: TestApp;
let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '20', RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' });
  png = await sharp({ create: { width: 24, height: 16, channels: 3, background: 'red' } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 16, height: 24, channels: 3, background: 'blue' } })
    .jpeg()
    .toBuffer();
  // Two models served by the offline provider: one that also edits, one that only edits.
  const local = seedModels.find((m) => m.id === 'local-preview')!;
  const db = t.database.db;
  for (const [id, textToImage] of [
    ['test-references', true],
    ['test-edit-only', false],
  ] as const) {
    await db.insert(models).values({
      id,
      nameEn: id,
      nameZh: id,
      capabilities: { ...local.capabilities, textToImage, imageToImage: true, maxReferenceImages: 2 },
      pricing: local.pricing,
    });
    await db
      .insert(modelRoutes)
      .values({ modelId: id, position: 0, providerId: 'local', providerModelId: 'preview' });
  }
});
afterAll(() => t.close());

async function member() {
  const { cookie } = await signUp(t);
  const send = (target: string, init: RequestInit & { json?: unknown } = {}) =>
    t.request(target, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const upload = async (bytes: Buffer) =>
    (
      (await (
        await send('/api/uploads', { method: 'POST', body: new Uint8Array(bytes) })
      ).json()) as UploadView
    ).id;
  const generate = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    send('/api/generations', {
      method: 'POST',
      headers,
      json: { prompt: 'a cat in the style of the reference', n: 1, ...body },
    });
  const credits = async () =>
    (await (await send('/api/credits')).json()) as { available: number; held: number };
  return { cookie, send, upload, generate, credits };
}

async function fieldError(response: Response) {
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as {
    error: { code: string; fields: { field: string; message: string }[] };
  };
  expect(error.code).toBe('validation_failed');
  return error.fields;
}

describe('generation requests with reference images', () => {
  it('refuses every bad combination before holding any credit', async () => {
    const m = await member();
    const other = await member();
    const mine = await m.upload(png);
    const theirs = await other.upload(png);
    const cases: [Record<string, unknown>, { field: string; message: string }][] = [
      [
        { modelId: 'local-preview', referenceUploadIds: [mine] },
        { field: 'referenceUploadIds', message: 'This model does not take reference images.' },
      ],
      [
        { modelId: 'test-references', referenceUploadIds: [mine, randomUUID(), randomUUID()] },
        { field: 'referenceUploadIds', message: 'This model takes at most 2 reference images.' },
      ],
      [
        { modelId: 'test-edit-only', referenceUploadIds: [] },
        { field: 'referenceUploadIds', message: 'This model needs at least one reference image.' },
      ],
      [
        { modelId: 'test-edit-only' },
        { field: 'referenceUploadIds', message: 'This model needs at least one reference image.' },
      ],
      [
        { modelId: 'test-references', referenceUploadIds: [mine, theirs] },
        { field: 'referenceUploadIds.1', message: 'This reference image was not found. Upload it again.' },
      ],
      [
        { modelId: 'test-references', referenceUploadIds: [randomUUID()] },
        { field: 'referenceUploadIds.0', message: 'This reference image was not found. Upload it again.' },
      ],
      [
        { modelId: 'test-references', referenceUploadIds: ['../../etc/passwd'] },
        { field: 'referenceUploadIds.0', message: 'This reference image was not found. Upload it again.' },
      ],
      [
        { modelId: 'test-references', referenceUploadIds: [mine, mine.toUpperCase()] },
        { field: 'referenceUploadIds.1', message: 'The same reference image is listed twice.' },
      ],
    ];
    for (const [body, expected] of cases) {
      const fields = await fieldError(await m.generate(body));
      expect([body, fields]).toEqual([body, [expected]]);
    }
    // Nothing held, nothing created.
    expect(await m.credits()).toEqual({ available: 20, held: 0 });
    expect((await (await m.send('/api/generations')).json()) as { items: unknown[] }).toMatchObject({
      items: [],
    });
  });

  it('stores the member’s own references in order and holds the price', async () => {
    const m = await member();
    const first = await m.upload(jpeg);
    const second = await m.upload(png);
    const response = await m.generate({ modelId: 'test-references', referenceUploadIds: [second, first] });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const [row] = await t.database.db.select().from(generations).where(eq(generations.id, id));
    expect(row!.referenceUploadIds).toEqual([second, first]);
    expect((await m.credits()).held).toBeGreaterThan(0);

    const edit = await m.generate({ modelId: 'test-edit-only', referenceUploadIds: [first] });
    expect(edit.status).toBe(202);
    const plain = await m.generate({ modelId: 'test-references' });
    expect(plain.status).toBe(202);
    const { id: plainId } = (await plain.json()) as { id: string };
    const [plainRow] = await t.database.db.select().from(generations).where(eq(generations.id, plainId));
    expect(plainRow!.referenceUploadIds).toEqual([]);
  });

  it('treats other references under the same Idempotency-Key as another request', async () => {
    const m = await member();
    const a = await m.upload(png);
    const b = await m.upload(jpeg);
    const key = { 'idempotency-key': randomUUID() };
    const first = await m.generate({ modelId: 'test-references', referenceUploadIds: [a] }, key);
    expect(first.status).toBe(202);
    const replay = await m.generate({ modelId: 'test-references', referenceUploadIds: [a] }, key);
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const other = await m.generate({ modelId: 'test-references', referenceUploadIds: [b] }, key);
    expect(other.status).toBe(409);
  });

  it('refuses to delete an upload a queued generation uses, until it has finished', async () => {
    const m = await member();
    const ref = await m.upload(png);
    const spare = await m.upload(jpeg);
    const { id } = (await (
      await m.generate({ modelId: 'test-edit-only', referenceUploadIds: [ref] })
    ).json()) as {
      id: string;
    };
    const refused = await m.send(`/api/uploads/${ref}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { fields: { message: string }[] } };
    expect(error.fields[0]!.message).toContain('has not finished');
    // An upload no unfinished generation uses goes at once.
    expect((await m.send(`/api/uploads/${spare}`, { method: 'DELETE' })).status).toBe(204);
    expect((await m.send(`/api/generations/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    expect((await m.send(`/api/uploads/${ref}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('loadReferenceImages', () => {
  async function generationWith(m: Awaited<ReturnType<typeof member>>, ids: string[]) {
    const response = await m.generate({ modelId: 'test-references', referenceUploadIds: ids });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const [row] = await t.database.db.select().from(generations).where(eq(generations.id, id));
    return row!;
  }
  const deps = () => ({ db: t.database.db, storage: t.deps.generation.storage });

  it('returns the stored bytes of each reference, in order, with the type found at upload', async () => {
    const m = await member();
    const a = await m.upload(jpeg);
    const b = await m.upload(png);
    const row = await generationWith(m, [b, a]);
    const images = await loadReferenceImages(deps(), row);
    expect(images.map((image) => image.mediaType)).toEqual(['image/png', 'image/jpeg']);
    for (const [index, id] of [b, a].entries()) {
      const served = Buffer.from(await (await m.send(`/api/uploads/${id}`)).arrayBuffer());
      expect(Buffer.from(images[index]!.bytes).equals(served)).toBe(true);
    }
    const meta = await sharp(images[0]!.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 24, 16]);
    expect(await loadReferenceImages(deps(), { ...row, referenceUploadIds: [] })).toEqual([]);
  });

  it('fails with a typed error when an upload’s object or row is gone, or belongs to someone else', async () => {
    const m = await member();
    const other = await member();
    const kept = await m.upload(png);
    const lost = await m.upload(jpeg);
    const row = await generationWith(m, [kept, lost]);
    await m.send(`/api/generations/${row.id}/cancel`, { method: 'POST' });

    // The object vanished from storage, the row is still there.
    const [lostRow] = await t.database.db.select().from(uploads).where(eq(uploads.id, lost));
    await t.deps.generation.storage.delete(lostRow!.objectKey);
    const objectGone = await loadReferenceImages(deps(), row).catch((e: unknown) => e);
    expect(objectGone).toBeInstanceOf(ReferenceImageMissingError);
    expect(objectGone).toMatchObject({ uploadId: lost, missing: 'object', code: 'reference_image_missing' });

    // The upload was deleted.
    expect((await m.send(`/api/uploads/${lost}`, { method: 'DELETE' })).status).toBe(204);
    await expect(loadReferenceImages(deps(), row)).rejects.toMatchObject({ uploadId: lost, missing: 'row' });

    // A row naming another member's upload never reads it.
    const theirs = await other.upload(png);
    await expect(
      loadReferenceImages(deps(), { userId: row.userId, referenceUploadIds: [theirs] }),
    ).rejects.toMatchObject({ uploadId: theirs, missing: 'row' });
    await expect(
      loadReferenceImages(deps(), { userId: row.userId, referenceUploadIds: ['not-a-uuid'] }),
    ).rejects.toBeInstanceOf(ReferenceImageMissingError);
  });
});
