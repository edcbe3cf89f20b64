/**
 * Image-to-image end to end (issue 4, part 7): a member's uploads reach the
 * provider as reference images. Through the real OpenAI adapter against its
 * fake, two uploads become the two `image[]` files of an `/images/edits`
 * request, in order, and the generation succeeds; a reference deleted behind
 * the platform's back between submit and run fails the generation as
 * `reference_missing`, refunded, without calling the provider.
 */
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../../../tests/fakes/openai';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { uploads } from '../db/schema';
import type { UploadView } from '../uploads/queries';
import type { GenerationView } from './queries';
import { runGeneration } from './run-generation';

let t: TestApp;
let fake: OpenAiFake;
let cookie: string;

beforeAll(async () => {
  fake = await startOpenAiFake();
  t = await createTestApp(
    {
      STARTER_CREDITS: '40',
      PROVIDER_OPENAI_API_KEY: fake.apiKey,
      PROVIDER_OPENAI_BASE_URL: fake.baseUrl,
    },
    { workers: true },
  );
  cookie = (await signUp(t)).cookie;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const send = (target: string, init: RequestInit & { json?: unknown } = {}) =>
  t.request(target, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

async function upload(color: string): Promise<UploadView> {
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: color } })
    .png()
    .toBuffer();
  const response = await send('/api/uploads?name=ref.png', { method: 'POST', body: new Uint8Array(bytes) });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadView;
}

async function waitFinished(id: string): Promise<GenerationView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await (await send(`/api/generations/${id}`)).json()) as GenerationView;
    if (['succeeded', 'failed', 'canceled'].includes(view.status) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const generate = async (referenceUploadIds: string[]) => {
  const response = await send('/api/generations', {
    method: 'POST',
    json: {
      prompt: 'the same cat, as a watercolour',
      modelId: 'gpt-image-2',
      size: '1024x1024',
      n: 1,
      referenceUploadIds,
    },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
};

describe('image-to-image through a real adapter', () => {
  it('sends the member’s uploads, in order, as the edit request’s images', async () => {
    const [red, blue] = [await upload('red'), await upload('blue')];
    const before = fake.requests.length;
    const done = await waitFinished(await generate([red.id, blue.id]));
    expect(done.status).toBe('succeeded');
    expect(done.images).toHaveLength(1);
    const edits = fake.requests.slice(before).filter((r) => r.path === '/v1/images/edits');
    expect(edits).toHaveLength(1);
    const body = edits[0]!.body.toString('latin1');
    expect(body.match(/name="image\[\]"/g)).toHaveLength(2);
    // The stored (re-encoded) PNGs went out: each part starts with the PNG signature.
    expect(body.match(/\r\n\r\n\x89PNG/g)).toHaveLength(2);
  });

  it('fails as reference_missing, refunded, when a reference vanished before the run', async () => {
    // Its own app without workers, so the run starts only when the test says.
    const quiet = await createTestApp({
      STARTER_CREDITS: '40',
      PROVIDER_OPENAI_API_KEY: fake.apiKey,
      PROVIDER_OPENAI_BASE_URL: fake.baseUrl,
    });
    try {
      const member = (await signUp(quiet)).cookie;
      const call = (target: string, init: RequestInit & { json?: unknown } = {}) =>
        quiet.request(target, { ...init, headers: { cookie: member } });
      const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: 'green' } })
        .png()
        .toBuffer();
      const gone = (await (
        await call('/api/uploads', { method: 'POST', body: new Uint8Array(bytes) })
      ).json()) as UploadView;
      const balance = async () =>
        ((await (await call('/api/credits')).json()) as { available: number }).available;
      const start = await balance();
      const accepted = await call('/api/generations', {
        method: 'POST',
        json: { prompt: 'x', modelId: 'gpt-image-2', size: '1024x1024', n: 1, referenceUploadIds: [gone.id] },
      });
      expect(accepted.status).toBe(202);
      const { id } = (await accepted.json()) as { id: string };
      expect(await balance()).toBeLessThan(start);
      // Deleted behind the API's back (the API refuses while a generation uses it).
      await quiet.database.db.delete(uploads).where(eq(uploads.id, gone.id));
      const calls = fake.requests.length;
      await runGeneration(quiet.platform.generation, {
        id: 'job-1',
        data: { generationId: id },
        signal: new AbortController().signal,
      });
      const failed = (await (await call(`/api/generations/${id}`)).json()) as GenerationView;
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'reference_missing', charged: 0 });
      expect(failed.errorMessage).toContain('reference image was deleted');
      expect(fake.requests.length).toBe(calls);
      expect(await balance()).toBe(start);
      await expectLedgerSound(quiet.database.db);
    } finally {
      await quiet.close();
    }
  });
});
