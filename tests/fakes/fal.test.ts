/**
 * The fal fake against providers.md §4.3 and checklist §7.3, with plain
 * fetch: Key auth, the queue lifecycle and its URLs, validation, faults in
 * fal's shapes, and signed webhooks checked with node:crypto alone.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFalFake, type FalFake } from './fal';

let fake: FalFake;
beforeAll(async () => {
  fake = await startFalFake({ queuedPolls: 2, runningPolls: 1 });
});
afterAll(() => fake.close());

const SCHNELL = 'fal-ai/flux/schnell';
const SEEDREAM = 'fal-ai/bytedance/seedream/v4/text-to-image';

const call = (url: string, init: RequestInit = {}, key = fake.apiKey) =>
  fetch(url, {
    ...init,
    headers: { authorization: `Key ${key}`, 'content-type': 'application/json', ...init.headers },
  });
const submit = (endpoint: string, input: unknown, query = '') =>
  call(`${fake.queueBaseUrl}/${endpoint}${query}`, { method: 'POST', body: JSON.stringify(input) });

interface Submitted {
  request_id: string;
  status_url: string;
  response_url: string;
  cancel_url: string;
  queue_position: number;
}
type Detail = { loc: (string | number)[]; type: string; categories?: string[] };

async function submitted(endpoint: string, input: unknown, query = ''): Promise<Submitted> {
  const response = await submit(endpoint, input, query);
  expect(response.status).toBe(200);
  return (await response.json()) as Submitted;
}

/** Polls until COMPLETED; returns every status answer seen. */
async function pollToEnd(statusUrl: string): Promise<{ code: number; body: Record<string, unknown> }[]> {
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const response = await call(`${statusUrl}?logs=1`);
    const body = (await response.json()) as Record<string, unknown>;
    seen.push({ code: response.status, body });
    if (body.status === 'COMPLETED') return seen;
  }
  throw new Error('never completed');
}

async function resultOf(endpoint: string, input: unknown): Promise<Response> {
  const accepted = await submitted(endpoint, input);
  await pollToEnd(accepted.status_url);
  return call(accepted.response_url);
}

describe('fal fake: queue', () => {
  it('runs IN_QUEUE → IN_PROGRESS → COMPLETED, 202 until done, with queue position and logs', async () => {
    const accepted = await submitted(SCHNELL, {
      prompt: 'a kite',
      image_size: 'landscape_16_9',
      num_images: 2,
    });
    expect(accepted.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(accepted.status_url).toBe(
      `${fake.queueBaseUrl}/fal-ai/flux/requests/${accepted.request_id}/status`,
    );
    expect(accepted.response_url).toBe(`${fake.queueBaseUrl}/fal-ai/flux/requests/${accepted.request_id}`);

    const early = await call(accepted.response_url);
    expect(early.status).toBe(400);
    expect(await early.json()).toEqual({ detail: 'Request is still in progress' });

    const seen = await pollToEnd(accepted.status_url);
    expect(seen.map((s) => [s.code, s.body.status])).toEqual([
      [202, 'IN_QUEUE'],
      [202, 'IN_QUEUE'],
      [202, 'IN_PROGRESS'],
      [200, 'COMPLETED'],
    ]);
    expect(seen[0]!.body.queue_position).toBe(1);
    expect(seen[2]!.body.logs).toEqual([expect.objectContaining({ message: expect.any(String) as string })]);
    expect(seen[3]!.body.metrics).toEqual({ inference_time: expect.any(Number) as number });

    const result = await call(accepted.response_url);
    expect(result.status).toBe(200);
    const output = (await result.json()) as {
      images: { url: string; width: number; content_type: string }[];
      has_nsfw_concepts: boolean[];
      seed: number;
    };
    expect(output.images).toHaveLength(2);
    expect(output.has_nsfw_concepts).toEqual([false, false]);
    expect(output.images[0]!.url.startsWith(`${fake.origin}/__files/`)).toBe(true);
    const bytes = Buffer.from(await (await fetch(output.images[0]!.url)).arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 1024, height: 576 });
  });

  it('answers status and result only under the first two endpoint segments', async () => {
    const accepted = await submitted(SEEDREAM, { prompt: 'x', image_size: { width: 1024, height: 1024 } });
    expect(accepted.status_url).toContain('/fal-ai/bytedance/requests/');
    const rebuilt = await call(`${fake.queueBaseUrl}/${SEEDREAM}/requests/${accepted.request_id}/status`);
    expect(rebuilt.status).toBe(404);
  });

  it('validates input on the runner: 422 detail entries with loc and type', async () => {
    const response = await resultOf(SEEDREAM, {
      prompt: 'x',
      num_images: 7,
      image_size: { width: 512, height: 512 },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { detail: Detail[] };
    expect(body.detail.map((d) => [d.loc.join('.'), d.type])).toEqual([
      ['body.image_size', 'value_error'],
      ['body.num_images', 'less_than_equal'],
    ]);
    const edit = await resultOf('fal-ai/bytedance/seedream/v4/edit', {
      prompt: 'x',
      image_urls: ['data:image/png;base64,AAAA'],
    });
    expect(((await edit.json()) as { detail: Detail[] }).detail[0]).toMatchObject({
      loc: ['body', 'image_urls', 0],
      type: 'image_load_error',
    });
  });

  it('refuses a wrong key with 401 {detail}, and an unknown app with 404 at submit', async () => {
    const denied = await call(`${fake.queueBaseUrl}/${SCHNELL}`, { method: 'POST', body: '{}' }, 'nope');
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ detail: expect.any(String) as string });
    const unknown = await submit('fal-ai/no-such-app', { prompt: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('answers an unknown path under a known app with the runner 404 on the result', async () => {
    const response = await resultOf('fal-ai/bytedance/seedream/v3/text-to-image', { prompt: 'x' });
    expect(response.status).toBe(404);
  });

  it('cancels a running request', async () => {
    const accepted = await submitted(SCHNELL, { prompt: 'x' });
    const cancelled = await call(accepted.cancel_url, { method: 'PUT' });
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toEqual({ status: 'CANCELLATION_REQUESTED' });
  });

  it('serves the sync route too', async () => {
    const response = await call(`${fake.runBaseUrl}/${SCHNELL}`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'x', output_format: 'png' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { images: unknown[] }).images).toHaveLength(1);
  });
});

describe('fal fake: faults', () => {
  it('429 at submit with Retry-After', async () => {
    fake.fail({ kind: 'rate_limited' });
    const response = await submit(SCHNELL, { prompt: 'x' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('0');
  });

  it('content policy as a 422 result with a typed detail entry', async () => {
    fake.fail({ kind: 'content_policy', variant: 'violence' });
    const response = await resultOf(SCHNELL, { prompt: 'x' });
    expect(response.status).toBe(422);
    expect(response.headers.get('x-fal-retryable')).toBe('false');
    const body = (await response.json()) as { detail: Detail[] };
    expect(body.detail[0]).toMatchObject({ type: 'content_policy_violation', categories: ['violence'] });
  });

  it('runner failure as a 503 result with error_type and X-Fal-Error-Type', async () => {
    fake.fail({ kind: 'overloaded' });
    const response = await resultOf(SCHNELL, { prompt: 'x' });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-fal-error-type')).toBe('runner_scheduling_failure');
    expect(await response.json()).toMatchObject({ error_type: 'runner_scheduling_failure' });
  });

  it('flags outputs with has_nsfw_concepts and black images', async () => {
    fake.fail({ kind: 'content_policy', variant: 'nsfw_partial' });
    const response = await resultOf(SCHNELL, { prompt: 'x', num_images: 2, output_format: 'png' });
    const output = (await response.json()) as { images: { url: string }[]; has_nsfw_concepts: boolean[] };
    expect(output.has_nsfw_concepts).toEqual([true, false]);
    const black = await sharp(Buffer.from(await (await fetch(output.images[0]!.url)).arrayBuffer())).stats();
    expect(black.channels[0]!.max).toBe(0);
  });

  it('hangs a status poll until the client gives up', async () => {
    fake.fail({ kind: 'hang', variant: 'status' });
    const accepted = await submitted(SCHNELL, { prompt: 'x' });
    await expect(call(accepted.status_url, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });
});

describe('fal fake: webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { headers: IncomingMessage['headers']; body: Buffer }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/fal`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('posts the result signed with Ed25519 over id, user, timestamp and body hash, key in the JWKS', async () => {
    const accepted = await submitted(
      SCHNELL,
      { prompt: 'x' },
      `?fal_webhook=${encodeURIComponent(receiverUrl)}`,
    );
    await fake.finish(accepted.request_id);
    const delivery = await fake.webhookFor(accepted.request_id);
    expect(delivery.status).toBe(200);
    const got = received.at(-1)!;
    const body = JSON.parse(got.body.toString('utf8')) as {
      request_id: string;
      status: string;
      payload: { images: unknown[] };
    };
    expect(body).toMatchObject({ request_id: accepted.request_id, status: 'OK' });
    expect(body.payload.images).toHaveLength(1);

    const jwks = (await (await fetch(fake.jwksUrl)).json()) as {
      keys: { kty: string; crv: string; x: string }[];
    };
    const key = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' });
    const message = [
      got.headers['x-fal-webhook-request-id'],
      got.headers['x-fal-webhook-user-id'],
      got.headers['x-fal-webhook-timestamp'],
      createHash('sha256').update(got.body).digest('hex'),
    ].join('\n');
    const signature = Buffer.from(String(got.headers['x-fal-webhook-signature']), 'hex');
    expect(verify(null, Buffer.from(message), key, signature)).toBe(true);

    await fake.redeliverWebhook(accepted.request_id);
    expect(received.at(-1)!.body.equals(got.body)).toBe(true);
    expect(received.at(-1)!.headers['x-fal-webhook-signature']).toBe(got.headers['x-fal-webhook-signature']);
  });

  it('reports a failed request as status ERROR with the error body as payload', async () => {
    fake.fail({ kind: 'content_policy' });
    const accepted = await submitted(
      SCHNELL,
      { prompt: 'x' },
      `?fal_webhook=${encodeURIComponent(receiverUrl)}`,
    );
    await fake.finish(accepted.request_id);
    const delivery = await fake.webhookFor(accepted.request_id);
    expect(JSON.parse(delivery.body)).toMatchObject({
      status: 'ERROR',
      error: 'Invalid status code: 422',
      payload: { detail: [{ type: 'content_policy_violation' }] },
    });
  });
});
