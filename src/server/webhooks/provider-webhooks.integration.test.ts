/**
 * Asynchronous providers end to end on the real app, database, queue and
 * workers, against the Replicate and fal fakes (issue 4, part 5):
 * - with webhooks on, a verified webhook ends the wait at once (the polls
 *   are 15 s apart), duplicates and forgeries change nothing, and the hold
 *   settles exactly once whichever of webhook and poll saw the result first;
 * - a rerun of an interrupted job polls the work it had submitted instead of
 *   submitting (and paying) again.
 * The app is served on a real loopback port here, because the fakes post
 * their webhooks over HTTP to PUBLIC_URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFalFake, type FalFake } from '../../../tests/fakes/fal';
import { startReplicateFake, type ReplicateFake } from '../../../tests/fakes/replicate';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { generations } from '../db/schema';
import type { GenerationView } from '../generations/queries';
import { runGeneration, RunInterrupted } from '../generations/run-generation';

let t: TestApp;
let server: Server;
let origin: string;
let replicate: ReplicateFake;
let fal: FalFake;
let cookie: string;

beforeAll(async () => {
  replicate = await startReplicateFake();
  fal = await startFalFake();
  // The listener exists before the app does: its port becomes PUBLIC_URL.
  const listener: { handle?: ReturnType<typeof getRequestListener> } = {};
  server = createServer((req, res) => void listener.handle?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await createTestApp(
    {
      PUBLIC_URL: origin,
      PROVIDER_WEBHOOKS: 'on',
      STARTER_CREDITS: '200',
      // One attempt may wait longer than the webhook-less poll interval (15 s):
      // only a webhook can then end it early.
      GENERATION_ATTEMPT_TIMEOUT_SECONDS: '20',
      JOB_EXPIRE_SECONDS: '120',
      HOLD_TIMEOUT_SECONDS: '400',
      PROVIDER_REPLICATE_API_KEY: replicate.apiToken,
      PROVIDER_REPLICATE_BASE_URL: replicate.baseUrl,
      PROVIDER_FAL_API_KEY: fal.apiKey,
      PROVIDER_FAL_BASE_URL: fal.queueBaseUrl,
      PROVIDER_FAL_JWKS_URL: fal.jwksUrl,
    },
    { workers: true },
  );
  listener.handle = getRequestListener(t.app.fetch);
  cookie = (await signUp(t)).cookie;
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => server.close(resolve));
  await replicate.close();
  await fal.close();
});

const api = (path: string, json?: unknown) =>
  t.request(path, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { cookie, origin },
    ...(json === undefined ? {} : { json }),
  });

async function waitFinished(id: string, timeoutMs = 10_000): Promise<GenerationView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = (await (await api(`/api/generations/${id}`)).json()) as GenerationView;
    if (['succeeded', 'failed', 'canceled'].includes(view.status) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function submit(modelId: string, shape: Record<string, string>): Promise<string> {
  const response = await api('/api/generations', {
    prompt: 'a red kite over dunes',
    modelId,
    ...shape,
    n: 1,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

describe('Replicate with webhooks', () => {
  it('finishes on the webhook long before the next poll, and duplicates or forgeries change nothing', async () => {
    replicate.script({ completeAfterMs: 300 });
    const started = Date.now();
    // seedream-4.5: BytePlus has no key here, so Replicate serves it.
    const id = await submit('seedream-4.5', { size: '2048x2048' });
    const done = await waitFinished(id);
    expect(done.status).toBe('succeeded');
    // The adapter polls every 15 s while a webhook is expected, in one attempt
    // (no timeout, no retry): only the webhook explains this.
    expect(Date.now() - started).toBeLessThan(8_000);
    const [row] = await t.database.db.select().from(generations).where(eq(generations.id, id));
    expect(row?.servedBy).toBe('replicate:bytedance/seedream-4.5');
    const onReplicate = row?.attempts.filter((a) => a.provider === 'replicate') ?? [];
    expect(onReplicate).toHaveLength(1);
    expect(onReplicate[0]?.errorCode).toBeUndefined();
    expect(row?.pendingWork).toMatchObject({ providerId: 'replicate', route: 1 });

    await replicate.webhooksSettled();
    const delivery = replicate.deliveries.find((d) => d.url.endsWith(`/${id}`) && d.event === 'completed');
    expect(delivery?.url).toBe(`${origin}/api/webhooks/providers/replicate/${id}`);
    expect(delivery?.status).toBe(200);
    const again = await replicate.redeliver(delivery!.webhookId);
    expect(again.status).toBe(200);
    expect((await replicate.redeliver(delivery!.webhookId, 'bad_signature')).status).toBe(401);
    expect((await replicate.redeliver(delivery!.webhookId, 'stale_timestamp')).status).toBe(401);
    expect(t.logs.join('\n')).toMatch(/"outcome":"duplicate"/);

    const after = (await (await api(`/api/generations/${id}`)).json()) as GenerationView;
    expect(after).toMatchObject({ status: 'succeeded', charged: done.charged });
    await expectLedgerSound(t.database.db);
  });

  it('answers 404 for a provider without webhooks or a malformed generation id', async () => {
    const post = (path: string) =>
      fetch(`${origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await post('/api/webhooks/providers/openai/0b8f7c9e-7a51-4a39-9c1c-3f3f0a1d2b3c')).status).toBe(
      404,
    );
    expect((await post('/api/webhooks/providers/replicate/not-a-uuid')).status).toBe(404);
    expect(
      (await post('/api/webhooks/providers/replicate/0b8f7c9e-7a51-4a39-9c1c-3f3f0a1d2b3c')).status,
    ).toBe(401);
  });
});

describe('fal with webhooks', () => {
  it('finishes on the signed webhook; a replay is a duplicate; the hold settles once', async () => {
    fal.completeAfterMs = 300;
    const started = Date.now();
    const id = await submit('flux-schnell', { aspectRatio: '1:1' });
    const done = await waitFinished(id);
    fal.completeAfterMs = undefined;
    expect(done.status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(8_000);
    const [row] = await t.database.db.select().from(generations).where(eq(generations.id, id));
    expect(row?.servedBy).toBe('fal:fal-ai/flux/schnell');
    expect(row?.attempts).toHaveLength(1);
    const requestId = (row?.pendingWork as { requestId: string }).requestId;
    const delivery = await fal.webhookFor(requestId);
    expect(delivery.url).toBe(`${origin}/api/webhooks/providers/fal/${id}`);
    const replay = await fal.redeliverWebhook(requestId);
    expect(replay.status).toBe(200);
    await expectLedgerSound(t.database.db);
  });
});

describe('a rerun resumes the submitted work', () => {
  it('polls the stored prediction instead of creating a second one', async () => {
    replicate.script({ outcome: 'stuck' });
    const id = await submit('seedream-4.5', { size: '2048x2048' });
    // Wait until the first run has stored its pending work, then stop that run as a crash would.
    const deadline = Date.now() + 10_000;
    let work: unknown = null;
    while (!work && Date.now() < deadline) {
      [{ work } = { work: null }] = await t.database.db
        .select({ work: generations.pendingWork })
        .from(generations)
        .where(eq(generations.id, id));
      if (!work) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(work).toMatchObject({ providerId: 'replicate' });
    const predictionId = (work as { requestId: string }).requestId;
    const created = replicate.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/predictions'),
    ).length;

    // A second run of the same generation (pg-boss rerunning it after a crash): it must resume.
    const stop = new AbortController();
    const rerun = runGeneration(t.deps.generation, {
      id: 'rerun-1',
      data: { generationId: id },
      signal: stop.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const polled = replicate.requests.some(
      (r) => r.method === 'GET' && r.path.endsWith(`/predictions/${predictionId}`),
    );
    expect(polled).toBe(true);
    stop.abort(new Error('test stops the rerun'));
    await expect(rerun).rejects.toBeInstanceOf(RunInterrupted);
    expect(
      replicate.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/predictions')).length,
    ).toBe(created);
    await api(`/api/generations/${id}/cancel`, {});
    expect((await waitFinished(id)).status).toBe('canceled');
    await expectLedgerSound(t.database.db);
  });
});
