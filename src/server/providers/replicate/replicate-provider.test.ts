/**
 * Contract tests: the Replicate adapter against the Replicate fake
 * (tests/fakes/replicate.ts): the inputs sent per model family, the
 * asynchronous protocol (onPending, polling, resume, webhooks waking the
 * sleep), and one ProviderError code per injected fault.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import { replicateFailures, startReplicateFake, type ReplicateFake } from '../../../../tests/fakes/replicate';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateContext, GenerateRequest, ImageProvider, PendingWork } from '../types';
import { createReplicateProvider, predictionIdsOf, REPLICATE_PROVIDER_ID } from './replicate-provider';
import { verifyReplicateWebhook } from './replicate-webhook';

let fake: ReplicateFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startReplicateFake();
  provider = createReplicateProvider({
    apiKey: fake.apiToken,
    baseUrl: fake.baseUrl,
    pollIntervalMs: 5,
    maxPollIntervalMs: 20,
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.processingPolls = 1;
  fake.jobSeconds = 10;
});

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'black-forest-labs/flux-schnell',
  prompt: 'a lighthouse on a cliff',
  n: 1,
  size: { width: 1024, height: 1024 },
  aspectRatio: '1:1',
  referenceId: 'gen-1',
  ...overrides,
});

const run = (overrides: Partial<GenerateRequest> = {}, context: Partial<GenerateContext> = {}) =>
  provider.generate(request(overrides), { signal: AbortSignal.timeout(10_000), attempt: 1, ...context });

type Sent = { path: string; method: string; headers: Record<string, unknown>; body: Record<string, unknown> };

/** The requests the fake saw from `from` on (files excluded), bodies parsed. */
function sentSince(from: number): Sent[] {
  return fake.requests
    .slice(from)
    .filter((r) => !r.path.startsWith('/__files/'))
    .map((r) => ({
      path: r.path,
      method: r.method,
      headers: r.headers,
      body: r.body.length > 0 ? (JSON.parse(r.body.toString('utf8')) as Record<string, unknown>) : {},
    }));
}

const creates = (sent: Sent[]) => sent.filter((r) => r.method === 'POST' && r.path.endsWith('/predictions'));

async function png(width: number, height: number): Promise<Uint8Array> {
  return sharp({ create: { width, height, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
}

describe('Replicate adapter: FLUX', () => {
  it('creates one prediction for n ≤ 4 on schnell, polls it, and returns real images', async () => {
    const from = fake.requests.length;
    const pending: PendingWork[] = [];
    const result = await run(
      { n: 2, aspectRatio: '16:9', size: { width: 1360, height: 768 }, seed: 42 },
      { onPending: async (work) => void pending.push(work) },
    );
    expect(result.images).toHaveLength(2);
    expect(result.images[0]?.mediaType).toBe('image/png');
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1360,
      height: 768,
    });
    expect(result.seed).toBe(42);
    const sent = sentSince(from);
    const [create] = creates(sent);
    expect(create).toMatchObject({
      path: '/v1/models/black-forest-labs/flux-schnell/predictions',
      headers: { authorization: `Bearer ${fake.apiToken}`, prefer: 'wait=5' },
      body: {
        input: {
          prompt: 'a lighthouse on a cliff',
          aspect_ratio: '16:9',
          num_outputs: 2,
          seed: 42,
          output_format: 'png',
        },
      },
    });
    expect(create!.body).not.toHaveProperty('webhook');
    expect(pending).toEqual([
      {
        providerId: REPLICATE_PROVIDER_ID,
        requestId: result.metadata?.requestId,
        data: { get: `${fake.baseUrl}/predictions/${result.metadata?.requestId}` },
      },
    ]);
    const polls = sent.filter((r) => r.method === 'GET');
    expect(polls.map((r) => r.path)).toEqual([
      `/v1/predictions/${result.metadata?.requestId}`,
      `/v1/predictions/${result.metadata?.requestId}`,
    ]);
    expect(polls[0]!.headers.authorization).toBe(`Bearer ${fake.apiToken}`);
  });

  it('splits n across one-image models, seed + i each, and reads a single-URL output', async () => {
    const from = fake.requests.length;
    const pending: PendingWork[] = [];
    const result = await run(
      { model: 'black-forest-labs/flux-1.1-pro', n: 3, seed: 7 },
      { onPending: async (work) => void pending.push(work) },
    );
    expect(result.images.map((image) => image.seed)).toEqual([7, 8, 9]);
    const bodies = creates(sentSince(from)).map((c) => c.body.input as Record<string, unknown>);
    expect(bodies.map((input) => input.seed).sort()).toEqual([7, 8, 9]);
    expect(bodies.every((input) => !('num_outputs' in input))).toBe(true);
    expect(pending).toHaveLength(1);
    expect(Object.keys(pending[0]!.data ?? {})).toEqual(['get', 'get_2', 'get_3']);
    const ids = predictionIdsOf(pending[0]!);
    expect(ids).toHaveLength(3);
    expect(ids.every((id) => fake.prediction(id)?.status === 'succeeded')).toBe(true);
  });

  it('merges the route options over the mapped inputs, and warns instead of sending what FLUX lacks', async () => {
    const from = fake.requests.length;
    const result = await run({
      negativePrompt: 'fog',
      referenceImages: [{ bytes: await png(8, 8), mediaType: 'image/png' }],
      providerOptions: { output_format: 'webp', go_fast: true },
    });
    expect(result.images[0]?.mediaType).toBe('image/webp');
    const input = creates(sentSince(from))[0]!.body.input as Record<string, unknown>;
    expect(input).toMatchObject({ output_format: 'webp', go_fast: true });
    expect(input).not.toHaveProperty('input_image');
    expect(result.warnings).toEqual([
      expect.stringContaining('negativePrompt'),
      expect.stringContaining('referenceImages'),
    ]);
  });

  it('posts a pinned owner/name:version to /predictions with the version', async () => {
    const from = fake.requests.length;
    const version = fake.versions['black-forest-labs/flux-dev']!;
    const result = await run({ model: `black-forest-labs/flux-dev:${version}` });
    expect(result.images).toHaveLength(1);
    expect(creates(sentSince(from))[0]).toMatchObject({ path: '/v1/predictions', body: { version } });
  });

  it('takes a finished prediction from a Prefer: wait create without polling', async () => {
    fake.jobSeconds = 2;
    const from = fake.requests.length;
    const result = await run();
    expect(result.images).toHaveLength(1);
    expect(sentSince(from).filter((r) => r.method === 'GET')).toEqual([]);
  });
});

describe('Replicate adapter: Seedream', () => {
  it('sends a 2K tier with its ratio and reference images as image_input data URLs', async () => {
    const from = fake.requests.length;
    const references = [await png(32, 32), await png(48, 32), await png(16, 64)].map((bytes) => ({
      bytes,
      mediaType: 'image/png',
    }));
    const result = await run({
      model: 'bytedance/seedream-4',
      size: { width: 2560, height: 1440 },
      aspectRatio: undefined,
      referenceImages: references,
      seed: 3,
    });
    expect(result.images[0]?.mediaType).toBe('image/jpeg');
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 2560, height: 1440 });
    const input = creates(sentSince(from))[0]!.body.input as Record<string, unknown>;
    expect(input).toMatchObject({
      size: '2K',
      aspect_ratio: '16:9',
      sequential_image_generation: 'disabled',
    });
    expect(input.image_input).toHaveLength(3);
    expect((input.image_input as string[])[0]).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(input).not.toHaveProperty('seed');
    expect(result.warnings).toEqual([expect.stringContaining('seed')]);
  });

  it('sends other sizes as custom pixels, one prediction per image by default', async () => {
    const from = fake.requests.length;
    const result = await run({
      model: 'bytedance/seedream-4.5',
      n: 2,
      size: { width: 1024, height: 1280 },
      aspectRatio: undefined,
    });
    expect(result.images).toHaveLength(2);
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject({ width: 1024, height: 1280 });
    const inputs = creates(sentSince(from)).map((c) => c.body.input);
    expect(inputs).toEqual([
      expect.objectContaining({ size: 'custom', width: 1024, height: 1280 }),
      expect.objectContaining({ size: 'custom', width: 1024, height: 1280 }),
    ]);
  });

  it('asks one prediction for the batch when the route sets sequential generation', async () => {
    const from = fake.requests.length;
    const result = await run({
      model: 'bytedance/seedream-4',
      n: 3,
      size: { width: 2048, height: 2048 },
      aspectRatio: undefined,
      providerOptions: { sequential_image_generation: 'auto' },
    });
    expect(result.images).toHaveLength(3);
    const sent = creates(sentSince(from));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.input).toMatchObject({
      sequential_image_generation: 'auto',
      max_images: 3,
      size: '2K',
    });
  });

  it('refuses what the model cannot take before calling', async () => {
    const from = fake.requests.length;
    const tooSmall = await providerFailure(
      run({ model: 'bytedance/seedream-4', size: { width: 800, height: 800 }, aspectRatio: undefined }),
    );
    expect(tooSmall.code).toBe('invalid_request');
    const refs = Array.from({ length: 11 }, () => ({ bytes: new Uint8Array([1]), mediaType: 'image/png' }));
    expect((await providerFailure(run({ model: 'bytedance/seedream-4', referenceImages: refs }))).code).toBe(
      'invalid_request',
    );
    expect((await providerFailure(run({ model: 'not a model id' }))).code).toBe('model_unavailable');
    expect(fake.requests.length).toBe(from);
  });
});

describe('Replicate adapter: resume', () => {
  async function startPrediction(input: Record<string, unknown> = { prompt: 'x' }) {
    const response = await fetch(`${fake.baseUrl}/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input }),
    });
    return (await response.json()) as { id: string; urls: { get: string } };
  }

  const resumeOf = (id: string, get: string): PendingWork => ({
    providerId: REPLICATE_PROVIDER_ID,
    requestId: id,
    data: { get },
  });

  it('polls the stored prediction instead of submitting again', async () => {
    const started = await startPrediction();
    const from = fake.requests.length;
    const pending: PendingWork[] = [];
    const result = await run(
      {},
      { resume: resumeOf(started.id, started.urls.get), onPending: async (w) => void pending.push(w) },
    );
    expect(result.images).toHaveLength(1);
    expect(result.metadata?.requestId).toBe(started.id);
    expect(creates(sentSince(from))).toEqual([]);
    expect(pending).toEqual([]);
  });

  it('submits again when the stored prediction is gone, ended in vain, or lost its output', async () => {
    const failed = await (async () => {
      fake.script({ outcome: 'failed', error: replicateFailures.outOfMemory, processingPolls: 0 });
      const p = await startPrediction();
      await fetch(p.urls.get, { headers: { authorization: `Bearer ${fake.apiToken}` } });
      return p;
    })();
    const removed = await startPrediction();
    await run({}, { resume: resumeOf(removed.id, removed.urls.get) });
    fake.removeData(removed.id);
    const cases: PendingWork[] = [
      resumeOf('pred-missing', `${fake.baseUrl}/predictions/pred-missing`),
      resumeOf(failed.id, failed.urls.get),
      resumeOf(removed.id, removed.urls.get),
      // Another origin: never sent the token, submitted anew instead.
      resumeOf('pred-elsewhere', 'https://elsewhere.example/v1/predictions/pred-elsewhere'),
    ];
    for (const resume of cases) {
      const from = fake.requests.length;
      const pending: PendingWork[] = [];
      const result = await run({}, { resume, onPending: async (w) => void pending.push(w) });
      expect(result.images, resume.requestId).toHaveLength(1);
      expect(creates(sentSince(from)), resume.requestId).toHaveLength(1);
      expect(pending[0]?.requestId).not.toBe(resume.requestId);
    }
  });

  it('ends with content_policy, without submitting, when the stored prediction was refused', async () => {
    fake.script({ outcome: 'failed', error: replicateFailures.sensitive, processingPolls: 0 });
    const refused = await startPrediction();
    const from = fake.requests.length;
    const error = await providerFailure(run({}, { resume: resumeOf(refused.id, refused.urls.get) }));
    expect(error.code).toBe('content_policy');
    expect(creates(sentSince(from))).toEqual([]);
  });
});

describe('Replicate adapter: webhooks and waiting', () => {
  let receiver: Server;
  let receiverUrl: string;
  const wakers = new Map<string, () => void>();
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const verified = verifyReplicateWebhook({
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          secret: fake.webhookSecret,
        });
        res.writeHead(verified.ok ? 204 : 401).end();
        if (verified.ok) wakers.get(verified.prediction.id)?.();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/replicate`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  /** Like the platform's: sleeps `ms`, or until a verified webhook names the work's prediction. */
  const sleep = (ms: number, work: PendingWork) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakers.set(work.requestId, () => {
        clearTimeout(timer);
        resolve();
      });
    });

  it('sends the webhook without Prefer: wait, and a verified delivery wakes the sleep', async () => {
    const webhookProvider = createReplicateProvider({
      apiKey: fake.apiToken,
      baseUrl: fake.baseUrl,
      webhookPollIntervalMs: 60_000,
    });
    fake.script({ completeAfterMs: 30 });
    const from = fake.requests.length;
    const started = Date.now();
    const result = await webhookProvider.generate(request(), {
      signal: AbortSignal.timeout(10_000),
      attempt: 1,
      webhookUrl: receiverUrl,
      sleep,
    });
    expect(result.images).toHaveLength(1);
    // A poll every minute: only the webhook can have ended the wait this soon.
    expect(Date.now() - started).toBeLessThan(5_000);
    const sent = sentSince(from);
    expect(creates(sent)[0]!.body).toMatchObject({
      webhook: receiverUrl,
      webhook_events_filter: ['completed'],
    });
    expect(creates(sent)[0]!.headers).not.toHaveProperty('prefer');
    expect(sent.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(fake.deliveries.at(-1)).toMatchObject({ predictionId: result.metadata?.requestId, status: 204 });
  });

  it('ends a prediction that never finishes as a timeout, and leaves it running for the next attempt', async () => {
    fake.script({ outcome: 'stuck' });
    const from = fake.requests.length;
    const error = await providerFailure(run({}, { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe('timeout');
    expect(sentSince(from).filter((r) => r.path.endsWith('/cancel'))).toEqual([]);
  });

  it('stops polling at the deadline', async () => {
    fake.script({ outcome: 'stuck' });
    const started = Date.now();
    const error = await providerFailure(run({}, { deadline: new Date(Date.now() + 200) }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('keeps polling through a status it does not know, until the signal ends it', async () => {
    fake.script({ outcome: 'unknown', processingPolls: 0 });
    const error = await providerFailure(run({}, { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe('timeout');
  });
});

describe('Replicate adapter: failures', () => {
  /*
   * Faults meant for the create are queued for its path alone: a poll that an
   * earlier test aborted may still reach the fake after this test queued its
   * fault, and would otherwise take it (a flake CI saw once).
   */
  const createPath = () =>
    `${new URL(fake.baseUrl).pathname}/models/black-forest-labs/flux-schnell/predictions`;
  const cases: [FaultKind, ProviderErrorCode, string?][] = [
    ['unauthorized', 'auth'],
    ['rate_limited', 'rate_limited'],
    ['quota', 'quota'],
    ['server_error', 'provider_error'],
    ['server_error', 'provider_error', 'model_failure'],
    ['overloaded', 'provider_error'],
    ['content_policy', 'content_policy'],
    ['content_policy', 'content_policy', 'nsfw'],
    ['retired_model', 'model_unavailable'],
    ['invalid_json', 'provider_error'],
    ['wrong_shape', 'provider_error'],
    ['bad_image', 'provider_error'],
  ];
  it.each(cases)('%s (%s) on create → %s', async (kind, code, variant) => {
    fake.fail({ kind, path: createPath(), ...(variant ? { variant } : {}) });
    const error = await providerFailure(run());
    expect(error.code).toBe(code);
    expect(error.providerId).toBe('replicate');
    if (kind === 'rate_limited') expect(error.retryAfterMs).toBe(0);
  });

  it('reads a throttled answer’s wait from its body when the header is missing', async () => {
    fake.fail({ kind: 'rate_limited', variant: 'body', path: createPath() });
    expect(await providerFailure(run())).toMatchObject({ code: 'rate_limited', retryAfterMs: 7_000 });
  });

  it.each([
    ['rate_limited', 'rate_limited'],
    ['server_error', 'provider_error'],
    ['content_policy', 'content_policy'],
    ['wrong_shape', 'provider_error'],
  ] as [FaultKind, ProviderErrorCode][])('%s on a poll → %s', async (kind, code) => {
    const onPending = async (work: PendingWork) => {
      fake.fail({ kind, path: new URL(work.data!.get!).pathname });
    };
    expect((await providerFailure(run({}, { onPending }))).code).toBe(code);
  });

  it('maps the API’s own answers: wrong key, retired model, unknown version, invalid input', async () => {
    const wrongKey = createReplicateProvider({ apiKey: 'r8_wrong', baseUrl: fake.baseUrl });
    const auth = await providerFailure(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(auth).toMatchObject({ code: 'auth', status: 401 });
    expect(await providerFailure(run({ model: 'bytedance/seedream-3' }))).toMatchObject({
      code: 'model_unavailable',
      status: 404,
    });
    expect(
      await providerFailure(run({ model: `black-forest-labs/flux-dev:${'0'.repeat(64)}` })),
    ).toMatchObject({
      code: 'model_unavailable',
      status: 422,
    });
    expect(await providerFailure(run({ providerOptions: { num_outputs: 9 } }))).toMatchObject({
      code: 'invalid_request',
      status: 422,
    });
  });

  it('maps predictions that end canceled or aborted to provider_error', async () => {
    for (const outcome of ['canceled', 'aborted'] as const) {
      fake.script({ outcome });
      expect((await providerFailure(run())).code, outcome).toBe('provider_error');
    }
  });

  it('returns the images that came when one of several predictions failed, with a warning', async () => {
    fake.script({});
    fake.script({ outcome: 'failed', error: replicateFailures.sensitive });
    const result = await run({ model: 'black-forest-labs/flux-1.1-pro', n: 2 });
    expect(result.images).toHaveLength(1);
    expect(result.warnings).toEqual([
      expect.stringContaining('content_policy'),
      expect.stringContaining('1 of 2'),
    ]);
  });

  it('cancels the predictions it had created when a sibling was refused', async () => {
    fake.fail({ kind: 'rate_limited' });
    const from = fake.requests.length;
    expect((await providerFailure(run({ model: 'black-forest-labs/flux-1.1-pro', n: 2 }))).code).toBe(
      'rate_limited',
    );
    await expect
      .poll(() => sentSince(from).filter((r) => r.path.endsWith('/cancel')).length, { timeout: 2_000 })
      .toBe(1);
  });

  it('cancels the work it could not report, and fails the call', async () => {
    const from = fake.requests.length;
    const onPending = async () => {
      throw new Error('database unavailable');
    };
    expect((await providerFailure(run({}, { onPending }))).code).toBe('provider_error');
    await expect
      .poll(() => sentSince(from).filter((r) => r.path.endsWith('/cancel')).length, { timeout: 2_000 })
      .toBe(1);
  });

  it('ends a hanging create as a timeout when the signal fires, and waits out slow headers', async () => {
    fake.fail({ kind: 'hang' });
    const started = Date.now();
    expect((await providerFailure(run({}, { signal: AbortSignal.timeout(300) }))).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.fail({ kind: 'slow_headers', delayMs: 100 });
    expect((await run()).images).toHaveLength(1);
  });

  it('refuses output files that expired', async () => {
    const expiring = await startReplicateFake();
    try {
      const local = createReplicateProvider({
        apiKey: expiring.apiToken,
        baseUrl: expiring.baseUrl,
        pollIntervalMs: 5,
      });
      expiring.expireFiles();
      const error = await providerFailure(
        local.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
      );
      expect(error).toMatchObject({ code: 'provider_error', status: 404 });
    } finally {
      await expiring.close();
    }
  });
});
