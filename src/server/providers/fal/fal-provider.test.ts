/**
 * Contract tests: the fal queue adapter against the fal fake
 * (tests/fakes/fal.ts): the request it sends per model family, the queue
 * protocol (returned URLs followed, onPending, resume, sleep, deadline),
 * webhooks shortening the wait, and one test per injected fault.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import { startFalFake, type FalFake } from '../../../../tests/fakes/fal';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateContext, GenerateRequest, ImageProvider, PendingWork } from '../types';
import { createFalProvider, FAL_PROVIDER_ID } from './fal-provider';
import { createFalWebhookVerifier } from './fal-webhook';

const SEEDREAM = 'fal-ai/bytedance/seedream/v4/text-to-image';
const SEEDREAM_EDIT = 'fal-ai/bytedance/seedream/v4/edit';
const SCHNELL = 'fal-ai/flux/schnell';

let fake: FalFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startFalFake();
  provider = createFalProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.queueBaseUrl,
    pollIntervalMs: 5,
    webhookPollIntervalMs: 5,
  });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.stuck = false;
});

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: SEEDREAM,
  prompt: 'a lighthouse on a cliff',
  n: 1,
  size: { width: 1024, height: 1024 },
  referenceId: 'gen-1:0',
  ...overrides,
});

const run = (overrides: Partial<GenerateRequest> = {}, context: Partial<GenerateContext> = {}) =>
  provider.generate(request(overrides), { signal: AbortSignal.timeout(10_000), attempt: 1, ...context });

const lastSubmission = () => fake.submissions.at(-1)!;
const png = (color: string) =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: color } })
    .png()
    .toBuffer();

describe("fal adapter: the route's edit endpoint", () => {
  it("sends a request with references to the route's editModelId, and never sends the option itself", async () => {
    const editOption = { editModelId: SEEDREAM_EDIT };
    await run({ providerOptions: editOption });
    expect(lastSubmission().endpoint).toBe(SEEDREAM);
    expect(lastSubmission().input).not.toHaveProperty('editModelId');
    const references = [
      { bytes: new Uint8Array(await png('red')), mediaType: 'image/png' },
      { bytes: new Uint8Array(await png('blue')), mediaType: 'image/png' },
    ];
    await run({ providerOptions: editOption, referenceImages: references });
    expect(lastSubmission().endpoint).toBe(SEEDREAM_EDIT);
    expect(lastSubmission().input).not.toHaveProperty('editModelId');
    expect((lastSubmission().input.image_urls as string[]).map((url) => url.slice(0, 22))).toEqual([
      'data:image/png;base64,',
      'data:image/png;base64,',
    ]);
  });
});

describe('fal adapter: Seedream', () => {
  it('submits to the endpoint id, polls the returned status URL to COMPLETED and returns n real images', async () => {
    const before = fake.requests.length;
    const result = await run({ n: 2, seed: 42 });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]!.mediaType).toBe('image/png');
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1024,
      height: 1024,
    });
    expect(result.seed).toBe(42);
    expect(result.metadata?.requestId).toBe(lastSubmission().requestId);
    expect(result.warnings).toEqual([]);

    const sent = fake.requests.slice(before);
    const id = lastSubmission().requestId;
    expect(
      sent.map((r) => `${r.method} ${r.path.replace(id, '{id}')}`).filter((l) => !l.includes('__files')),
    ).toEqual([
      `POST /queue/${SEEDREAM}`,
      'GET /queue/fal-ai/bytedance/requests/{id}/status',
      'GET /queue/fal-ai/bytedance/requests/{id}/status',
      'GET /queue/fal-ai/bytedance/requests/{id}/status',
      'GET /queue/fal-ai/bytedance/requests/{id}',
    ]);
    expect(
      sent.every((r) => r.path.startsWith('/__files/') || r.headers.authorization === `Key ${fake.apiKey}`),
    ).toBe(true);
    expect(
      sent.filter((r) => r.path.startsWith('/__files/')).every((r) => r.headers.authorization === undefined),
    ).toBe(true);
    expect(lastSubmission().input).toEqual({
      prompt: 'a lighthouse on a cliff',
      num_images: 2,
      image_size: { width: 1024, height: 1024 },
      seed: 42,
    });
  });

  it('sends several reference images to an edit endpoint as data URIs in image_urls', async () => {
    const references = await Promise.all(['#f00', '#0f0', '#00f'].map(png));
    const result = await run({
      model: SEEDREAM_EDIT,
      referenceImages: references.map((bytes) => ({ bytes, mediaType: 'image/png' })),
    });
    expect(result.images).toHaveLength(1);
    const urls = lastSubmission().input.image_urls as string[];
    expect(urls).toHaveLength(3);
    expect(urls[2]).toBe(`data:image/png;base64,${references[2]!.toString('base64')}`);
  });

  it('turns an aspect ratio into an explicit size near Seedream’s 2048² default', async () => {
    const result = await run({ size: undefined, aspectRatio: '16:9' });
    expect(lastSubmission().input.image_size).toEqual({ width: 2736, height: 1536 });
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 2736, height: 1536 });
  });

  it('warns about a negative prompt and about references on a text-to-image endpoint', async () => {
    const result = await run({
      negativePrompt: 'fog',
      referenceImages: [{ bytes: await png('#fff'), mediaType: 'image/png' }],
    });
    expect(result.warnings).toEqual([
      expect.stringContaining('referenceImages'),
      expect.stringContaining('negativePrompt'),
    ]);
    expect(lastSubmission().input).not.toHaveProperty('image_urls');
    expect(lastSubmission().input).not.toHaveProperty('negative_prompt');
  });

  it('merges the route’s providerOptions over the mapped input', async () => {
    await run({ providerOptions: { enable_safety_checker: false, image_size: 'auto_2K' } });
    expect(lastSubmission().input).toMatchObject({ enable_safety_checker: false, image_size: 'auto_2K' });
  });
});

describe('fal adapter: FLUX', () => {
  it('maps a listed ratio to fal’s preset, asks for PNG and reads has_nsfw_concepts', async () => {
    const result = await run({ model: SCHNELL, size: undefined, aspectRatio: '16:9', n: 3 });
    expect(lastSubmission().input).toMatchObject({
      image_size: 'landscape_16_9',
      output_format: 'png',
      num_images: 3,
    });
    expect(result.images).toHaveLength(3);
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1024,
      height: 576,
    });
  });

  it('sends only the first reference to a single-image endpoint, with a warning', async () => {
    const result = await run({
      model: 'fal-ai/flux/dev/image-to-image',
      referenceImages: [
        { bytes: await png('#f00'), mediaType: 'image/png' },
        { bytes: await png('#0f0'), mediaType: 'image/png' },
      ],
    });
    expect(typeof lastSubmission().input.image_url).toBe('string');
    expect(result.warnings).toEqual([expect.stringContaining('only the first')]);
  });

  it('withholds images the safety checker flagged, with a warning; all flagged is content_policy', async () => {
    fake.fail({ kind: 'content_policy', variant: 'nsfw_partial' });
    const partial = await run({ model: SCHNELL, n: 2 });
    expect(partial.images).toHaveLength(1);
    expect(partial.warnings).toEqual([expect.stringContaining('flagged'), expect.stringContaining('1 of 2')]);
    fake.fail({ kind: 'content_policy', variant: 'nsfw' });
    expect(await providerFailure(run({ model: SCHNELL, n: 2 }))).toMatchObject({ code: 'content_policy' });
  });
});

describe('fal adapter: queue protocol', () => {
  it('reports the accepted request once through onPending, with the returned URLs', async () => {
    const onPending = vi.fn((_work: PendingWork) => Promise.resolve());
    await run({}, { onPending });
    expect(onPending).toHaveBeenCalledTimes(1);
    const { requestId } = lastSubmission();
    expect(onPending.mock.calls[0]![0]).toEqual({
      providerId: FAL_PROVIDER_ID,
      requestId,
      data: {
        status: `${fake.queueBaseUrl}/fal-ai/bytedance/requests/${requestId}/status`,
        response: `${fake.queueBaseUrl}/fal-ai/bytedance/requests/${requestId}`,
      },
    });
  });

  it('waits through context.sleep with the pending work when given', async () => {
    const sleep = vi.fn((_ms: number, _work: PendingWork) => Promise.resolve());
    await run({}, { sleep });
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(sleep.mock.calls[0]![0]).toBe(5);
    expect(sleep.mock.calls[0]![1].requestId).toBe(lastSubmission().requestId);
  });

  it('resumes an earlier request instead of submitting again', async () => {
    fake.stuck = true;
    let pending: PendingWork | undefined;
    const first = await providerFailure(
      run(
        {},
        { signal: AbortSignal.timeout(150), onPending: (work) => Promise.resolve(void (pending = work)) },
      ),
    );
    expect(first.code).toBe('timeout');
    fake.stuck = false;
    const submissions = fake.submissions.length;
    const result = await run({}, { resume: pending!, attempt: 2 });
    expect(fake.submissions.length).toBe(submissions);
    expect(result.metadata?.requestId).toBe(pending!.requestId);
    expect(result.images).toHaveLength(1);
  });

  it('submits anew when the resumed request is unknown to fal, or not fal’s', async () => {
    const lost: PendingWork = {
      providerId: FAL_PROVIDER_ID,
      requestId: 'gone',
      data: {
        status: `${fake.queueBaseUrl}/fal-ai/bytedance/requests/gone/status`,
        response: `${fake.queueBaseUrl}/fal-ai/bytedance/requests/gone`,
      },
    };
    const onPending = vi.fn(() => Promise.resolve());
    const submissions = fake.submissions.length;
    const result = await run({}, { resume: lost, onPending });
    expect(fake.submissions.length).toBe(submissions + 1);
    expect(onPending).toHaveBeenCalledTimes(1);
    expect(result.metadata?.requestId).toBe(lastSubmission().requestId);
    await run({}, { resume: { providerId: 'replicate', requestId: 'p-1' } });
    expect(fake.submissions.length).toBe(submissions + 2);
  });

  it('polls only as a safety net (every 15 s by default) while a webhook is on its way', async () => {
    fake.stuck = true;
    const adapter = createFalProvider({ apiKey: fake.apiKey, baseUrl: fake.queueBaseUrl, pollIntervalMs: 5 });
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return Promise.reject(new Error('stop here'));
    };
    await providerFailure(
      adapter.generate(request(), {
        signal: AbortSignal.timeout(5_000),
        attempt: 1,
        webhookUrl: 'https://app.example/hook',
        sleep,
      }),
    );
    fake.stuck = false;
    expect(waits[0]).toBe(15_000);
  });

  it('adds ?fal_webhook= and a start deadline when the context has them', async () => {
    const deadline = new Date(Date.now() + 90_000);
    await run({}, { webhookUrl: 'https://app.example/api/webhooks/fal?route=r1', deadline });
    expect(lastSubmission().webhookUrl).toBe('https://app.example/api/webhooks/fal?route=r1');
    const timeout = Number(lastSubmission().headers['x-fal-request-timeout']);
    expect(timeout).toBeGreaterThan(80);
    expect(timeout).toBeLessThanOrEqual(90);
  });

  it('refuses to submit once the deadline has passed', async () => {
    const submissions = fake.submissions.length;
    const error = await providerFailure(run({}, { deadline: new Date(Date.now() - 1) }));
    expect(error.code).toBe('timeout');
    expect(fake.submissions.length).toBe(submissions);
  });

  it('stops polling a stuck request at the deadline', async () => {
    fake.stuck = true;
    const started = Date.now();
    const error = await providerFailure(run({}, { deadline: new Date(Date.now() + 200) }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('ends the plain-timer wait when the signal fires', async () => {
    fake.stuck = true;
    const slow = createFalProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.queueBaseUrl,
      pollIntervalMs: 60_000,
    });
    const started = Date.now();
    const error = await providerFailure(
      slow.generate(request(), { signal: AbortSignal.timeout(200), attempt: 1 }),
    );
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('fal adapter: webhook wakes the wait', () => {
  let receiver: Server;
  let webhookUrl: string;
  const wakers = new Map<string, () => void>();
  beforeAll(async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void verifier.verify(req.headers, Buffer.concat(chunks)).then((verdict) => {
          if (verdict.ok) wakers.get(verdict.requestId)?.();
          res.writeHead(verdict.ok ? 200 : 401).end();
        });
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/fal`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('polls again as soon as the verified webhook arrives, long before the interval', async () => {
    fake.completeAfterMs = 50;
    const slow = createFalProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.queueBaseUrl,
      pollIntervalMs: 60_000,
      webhookPollIntervalMs: 60_000,
    });
    const sleep = (ms: number, work: PendingWork) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wakers.set(work.requestId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    const started = Date.now();
    try {
      const result = await slow.generate(request(), {
        signal: AbortSignal.timeout(10_000),
        attempt: 1,
        webhookUrl,
        sleep,
      });
      expect(result.images).toHaveLength(1);
    } finally {
      fake.completeAfterMs = undefined;
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.webhooks.at(-1)).toMatchObject({ requestId: lastSubmission().requestId, status: 200 });
  });
});

describe('fal adapter: failures', () => {
  const cases: [FaultKind, string | undefined, ProviderErrorCode][] = [
    ['unauthorized', undefined, 'auth'],
    ['rate_limited', undefined, 'rate_limited'],
    ['rate_limited', 'status', 'rate_limited'],
    // fal's exhausted balance is a 403 told apart only by its text: auth, which the job treats like quota.
    ['quota', undefined, 'auth'],
    ['server_error', undefined, 'provider_error'],
    ['server_error', 'submit', 'provider_error'],
    ['server_error', 'request_timeout', 'timeout'],
    ['server_error', 'startup_timeout', 'timeout'],
    ['overloaded', undefined, 'provider_error'],
    ['overloaded', 'submit', 'provider_error'],
    ['overloaded', 'runner_disconnected', 'provider_error'],
    ['content_policy', undefined, 'content_policy'],
    ['retired_model', undefined, 'model_unavailable'],
    ['retired_model', 'result', 'model_unavailable'],
    ['invalid_json', undefined, 'provider_error'],
    ['invalid_json', 'submit', 'provider_error'],
    ['invalid_json', 'status', 'provider_error'],
    ['wrong_shape', undefined, 'provider_error'],
    ['wrong_shape', 'submit', 'provider_error'],
    ['wrong_shape', 'status', 'provider_error'],
    ['bad_image', undefined, 'provider_error'],
  ];
  it.each(cases)('%s (%s) → %s', async (kind, variant, code) => {
    fake.fail({ kind, ...(variant ? { variant } : {}) });
    const error = await providerFailure(run());
    expect(error.code).toBe(code);
    expect(error.providerId).toBe(FAL_PROVIDER_ID);
    if (kind === 'rate_limited') expect(error.retryAfterMs).toBe(0);
  });

  it('maps fal’s own answers: a wrong key, an unknown app, a retired path and a validation error', async () => {
    const wrongKey = createFalProvider({
      apiKey: 'wrong:key',
      baseUrl: fake.queueBaseUrl,
      pollIntervalMs: 5,
    });
    expect(
      await providerFailure(wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 })),
    ).toMatchObject({ code: 'auth', status: 401 });
    expect(await providerFailure(run({ model: 'fal-ai/retired-app/v1' }))).toMatchObject({
      code: 'model_unavailable',
      status: 404,
    });
    expect(await providerFailure(run({ model: 'fal-ai/bytedance/seedream/v3/text-to-image' }))).toMatchObject(
      {
        code: 'model_unavailable',
      },
    );
    const invalid = await providerFailure(run({ n: 7 }));
    expect(invalid).toMatchObject({ code: 'invalid_request', status: 422 });
    expect(invalid.message).toContain('less_than_equal');
  });

  it.each([undefined, 'status', 'result'])(
    'ends a hang (%s) as a timeout when the signal fires',
    async (variant) => {
      fake.fail({ kind: 'hang', ...(variant ? { variant } : {}) });
      const started = Date.now();
      const error = await providerFailure(run({}, { signal: AbortSignal.timeout(300) }));
      expect(error.code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5_000);
    },
  );

  it('waits out slow headers within the signal, and times out beyond it', async () => {
    fake.fail({ kind: 'slow_headers', delayMs: 100 });
    expect((await run()).images).toHaveLength(1);
    fake.fail({ kind: 'slow_headers', variant: 'result', delayMs: 1_000 });
    expect(await providerFailure(run({}, { signal: AbortSignal.timeout(300) }))).toMatchObject({
      code: 'timeout',
    });
  });
});

describe('fal adapter: expired output files', () => {
  let expiring: FalFake;
  beforeAll(async () => {
    expiring = await startFalFake();
  });
  afterAll(() => expiring.close());

  it('is a provider_error, not a broken image', async () => {
    expiring.expireFiles();
    const adapter = createFalProvider({
      apiKey: expiring.apiKey,
      baseUrl: expiring.queueBaseUrl,
      pollIntervalMs: 5,
    });
    const error = await providerFailure(
      adapter.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(error).toMatchObject({ code: 'provider_error', status: 404 });
  });
});
