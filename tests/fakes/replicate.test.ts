/**
 * The Replicate fake speaks the predictions API as providers.md §4.2
 * describes it; these tests hold it to checklist §7.2 with plain fetch, so
 * the adapter tested against it meets the real wire format.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicateFailures, startReplicateFake, type ReplicateFake } from './replicate';

let fake: ReplicateFake;
beforeAll(async () => {
  fake = await startReplicateFake();
});
afterAll(() => fake.close());

interface Prediction {
  id: string;
  status: string;
  output: string[] | string | null;
  error: string | null;
  urls: { get: string; cancel: string };
}
interface Problem {
  title: string;
  detail: string;
  status: number;
}

const call = (
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  fetch(`${fake.baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${fake.apiToken}`,
      'content-type': 'application/json',
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

const create = (model: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  call(`/models/${model}/predictions`, { body: { input, ...extra } });

async function pollUntilDone(prediction: Prediction): Promise<{ seen: string[]; final: Prediction }> {
  const seen = [prediction.status];
  let current = prediction;
  while (!['succeeded', 'failed', 'canceled'].includes(current.status) && seen.length < 10) {
    current = (await (
      await fetch(current.urls.get, { headers: { authorization: `Bearer ${fake.apiToken}` } })
    ).json()) as Prediction;
    seen.push(current.status);
  }
  return { seen, final: current };
}

describe('Replicate fake: predictions', () => {
  it('refuses a wrong token with a 401 problem body', async () => {
    const response = await fetch(`${fake.baseUrl}/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { authorization: 'Bearer r8_wrong' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect((await call('/account')).status).toBe(200);
    expect(await response.json()).toEqual({
      title: 'Unauthenticated',
      detail: 'You did not pass a valid authentication token',
      status: 401,
    });
  });

  it('walks starting → processing → succeeded and serves real images from its own origin', async () => {
    const created = await create('black-forest-labs/flux-schnell', {
      prompt: 'a fox',
      aspect_ratio: '16:9',
      num_outputs: 2,
      output_format: 'png',
    });
    expect(created.status).toBe(201);
    const { seen, final } = await pollUntilDone((await created.json()) as Prediction);
    expect(seen).toEqual(['starting', 'processing', 'succeeded']);
    expect(final.output).toHaveLength(2);
    const url = (final.output as string[])[0]!;
    expect(new URL(url).origin).toBe(fake.origin);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', width: 1360, height: 768 });
  });

  it('creates on the version and deployment routes; single-output models answer one URL string', async () => {
    const version = fake.versions['black-forest-labs/flux-1.1-pro']!;
    const pinned = await call('/predictions', {
      body: { version, input: { prompt: 'x' } },
      headers: { prefer: 'wait=60' },
    });
    const prediction = (await pinned.json()) as Prediction;
    expect(prediction.status).toBe('succeeded');
    expect(typeof prediction.output).toBe('string');

    const deployed = await call('/deployments/acme/fast-flux/predictions', {
      body: { input: { prompt: 'x' } },
    });
    expect(deployed.status).toBe(201);
    const unknown = await call('/predictions', { body: { version: 'f'.repeat(64), input: { prompt: 'x' } } });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as Problem).title).toBe('Invalid version or not permitted');
  });

  it('answers Prefer: wait finished only when the job fits in the wait', async () => {
    fake.script({ jobSeconds: 3 });
    const short = (await (
      await create('black-forest-labs/flux-schnell', { prompt: 'x' }, {})
    ).json()) as Prediction;
    expect(short.status).toBe('starting');
    fake.script({ jobSeconds: 3 });
    const held = await call('/models/black-forest-labs/flux-schnell/predictions', {
      body: { input: { prompt: 'x' } },
      headers: { prefer: 'wait=5' },
    });
    expect(((await held.json()) as Prediction).status).toBe('succeeded');
  });

  it('validates Seedream inputs with a 422 listing the fields', async () => {
    const response = await create('bytedance/seedream-4', {
      prompt: 'x',
      size: '3K',
      image_input: Array.from({ length: 11 }, () => 'data:image/png;base64,AA=='),
      max_images: 15,
    });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as Problem & { invalid_fields: { field: string }[] };
    expect(problem.invalid_fields.map((f) => f.field)).toEqual([
      'input.size',
      'input.image_input',
      'input.max_images',
    ]);
    expect(problem.detail).toContain('input.size');
    expect((await create('bytedance/seedream-4.5', { prompt: 'x', size: '1K' })).status).toBe(422);
  });

  it('answers a retired model with 404 and cancels a running prediction', async () => {
    expect((await create('bytedance/seedream-3', { prompt: 'x' })).status).toBe(404);
    fake.script({ outcome: 'stuck' });
    const running = (await (
      await create('black-forest-labs/flux-dev', { prompt: 'x' })
    ).json()) as Prediction;
    const canceled = (await (
      await call(`/predictions/${running.id}/cancel`, { method: 'POST' })
    ).json()) as Prediction;
    expect(canceled.status).toBe('canceled');
  });
});

describe('Replicate fake: faults', () => {
  it('429 with Retry-After, 402 insufficient credit, once each', async () => {
    fake.fail({ kind: 'rate_limited' });
    const limited = await create('black-forest-labs/flux-schnell', { prompt: 'x' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '0']);
    expect(((await limited.json()) as Problem).title).toBe('Request was throttled');
    fake.fail({ kind: 'quota' });
    expect((await create('black-forest-labs/flux-schnell', { prompt: 'x' })).status).toBe(402);
    expect((await create('black-forest-labs/flux-schnell', { prompt: 'x' })).status).toBe(201);
  });

  it('ends a content-policy prediction failed on HTTP 200 with the E005 text', async () => {
    fake.fail({ kind: 'content_policy' });
    const created = (await (await create('bytedance/seedream-4', { prompt: 'x' })).json()) as Prediction;
    const { final } = await pollUntilDone(created);
    expect(final).toMatchObject({ status: 'failed', error: replicateFailures.sensitive, output: null });
  });

  it('hangs until the client gives up, and breaks bodies on request', async () => {
    fake.fail({ kind: 'hang' });
    await expect(
      fetch(`${fake.baseUrl}/models/black-forest-labs/flux-schnell/predictions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.apiToken}` },
        body: JSON.stringify({ input: { prompt: 'x' } }),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    fake.fail({ kind: 'invalid_json' });
    await expect((await create('black-forest-labs/flux-schnell', { prompt: 'x' })).json()).rejects.toThrow();
  });
});

describe('Replicate fake: webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/replicate`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('gives its secret, and POSTs the completed prediction signed with it; a redelivery keeps the id', async () => {
    const secret = (await (await call('/webhooks/default/secret')).json()) as { key: string };
    expect(secret.key).toBe(fake.webhookSecret);
    expect(secret.key).toMatch(/^whsec_/);

    fake.script({ completeAfterMs: 20 });
    const created = (await (
      await create(
        'black-forest-labs/flux-schnell',
        { prompt: 'x' },
        { webhook: receiverUrl, webhook_events_filter: ['completed'] },
      )
    ).json()) as Prediction;
    await expect.poll(() => fake.deliveries.length, { timeout: 5_000 }).toBe(1);
    await fake.webhooksSettled();
    const [first] = received;
    expect(JSON.parse(first!.body)).toMatchObject({ id: created.id, status: 'succeeded' });
    const id = String(first!.headers['webhook-id']);
    const timestamp = String(first!.headers['webhook-timestamp']);
    const key = Buffer.from(secret.key.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${first!.body}`).digest('base64');
    expect(first!.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(fake.deliveries[0]).toMatchObject({ status: 204, event: 'completed', predictionId: created.id });

    const again = await fake.redeliver(id);
    expect(again.webhookId).toBe(id);
    expect(received.at(-1)!.headers['webhook-id']).toBe(id);
    expect(received.at(-1)!.body).toBe(first!.body);
  });
});
