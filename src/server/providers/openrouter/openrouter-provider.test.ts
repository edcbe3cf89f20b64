/**
 * Contract tests: the OpenRouter adapter against the OpenRouter fake
 * (tests/fakes/openrouter.ts), on both routes (the images API and chat
 * completions with image output), for success, what goes on the wire, and
 * every injected fault.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, LoggedRequest } from '../../../../tests/fakes/fake-server';
import {
  openRouterPixels,
  startOpenRouterFake,
  type OpenRouterFake,
} from '../../../../tests/fakes/openrouter';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateRequest, ImageProvider } from '../types';
import {
  createOpenRouterProvider,
  openRouterRatioOfSize,
  OPENROUTER_PROVIDER_ID,
} from './openrouter-provider';

let fake: OpenRouterFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startOpenRouterFake();
  provider = createOpenRouterProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    appUrl: 'https://images.example.org',
    appName: 'Example Images',
  });
});
afterAll(() => fake.close());

const SEEDREAM = 'bytedance-seed/seedream-4.5';
const FLUX = 'black-forest-labs/flux.2-pro';
const GEMINI_CHAT = 'google/gemini-3.1-flash-image-preview';

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: SEEDREAM,
  prompt: 'a lighthouse in a storm',
  n: 1,
  aspectRatio: '16:9',
  referenceId: 'gen-7:0',
  ...overrides,
});
const chatRequest = (overrides: Partial<GenerateRequest> = {}) =>
  request({ model: GEMINI_CHAT, providerOptions: { api: 'chat' }, ...overrides });
const run = (overrides: Partial<GenerateRequest> = {}, signal = AbortSignal.timeout(10_000)) =>
  provider.generate(request(overrides), { signal, attempt: 1 });

/** The requests a call made, with their JSON bodies. */
async function sent<T>(
  call: () => Promise<T>,
): Promise<{ result: T; calls: (LoggedRequest & { json: Record<string, unknown> })[] }> {
  const before = fake.requests.length;
  const result = await call();
  const calls = fake.requests.slice(before).map((logged) => ({
    ...logged,
    json: JSON.parse(logged.body.toString('utf8')) as Record<string, unknown>,
  }));
  return { result, calls };
}

const png = (colour: string) =>
  sharp({ create: { width: 12, height: 12, channels: 3, background: colour } })
    .png()
    .toBuffer();

describe('OpenRouter adapter: images API', () => {
  it('posts the prompt, n, ratio and seed to /images with attribution headers, and returns n images', async () => {
    const { result, calls } = await sent(() => run({ n: 3, seed: 7, negativePrompt: 'fog' }));
    expect(result.images).toHaveLength(3);
    expect(result.images[0]!.mediaType).toBe('image/png');
    expect(await sharp(result.images[2]!.bytes).metadata()).toMatchObject({
      format: 'png',
      ...openRouterPixels('16:9'),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/api/v1/images');
    expect(calls[0]!.json).toEqual({
      model: SEEDREAM,
      prompt: 'a lighthouse in a storm',
      n: 3,
      aspect_ratio: '16:9',
      seed: 7,
    });
    expect(calls[0]!.headers).toMatchObject({
      authorization: `Bearer ${fake.apiKey}`,
      'http-referer': 'https://images.example.org',
      'x-openrouter-title': 'Example Images',
    });
    expect(result.warnings).toEqual([expect.stringContaining('negativePrompt')]);
  });

  it('sends several reference images as data URLs in input_references', async () => {
    const first = await png('#c30');
    const second = await sharp(await png('#03c'))
      .jpeg()
      .toBuffer();
    const { result, calls } = await sent(() =>
      run({
        referenceImages: [
          { bytes: first, mediaType: 'image/png' },
          { bytes: second, mediaType: 'image/jpeg' },
        ],
      }),
    );
    expect(result.images).toHaveLength(1);
    const references = calls[0]!.json.input_references as { type: string; image_url: { url: string } }[];
    expect(references.map((r) => r.type)).toEqual(['image_url', 'image_url']);
    expect(references[0]!.image_url.url).toBe(`data:image/png;base64,${first.toString('base64')}`);
    expect(references[1]!.image_url.url).toBe(`data:image/jpeg;base64,${second.toString('base64')}`);
  });

  it('sends a pixel size as size, and route options in the body, labelling images by content', async () => {
    const { result, calls } = await sent(() =>
      run({
        aspectRatio: undefined,
        size: { width: 1536, height: 1024 },
        providerOptions: { output_format: 'jpeg' },
      }),
    );
    expect(calls[0]!.json).toMatchObject({ size: '1536x1024', output_format: 'jpeg' });
    expect(calls[0]!.json).not.toHaveProperty('aspect_ratio');
    expect(result.images[0]!.mediaType).toBe('image/jpeg');
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1536, height: 1024 });
  });

  it('splits n into parallel one-image calls for a single-image model, keeping adapter options off the wire', async () => {
    const { result, calls } = await sent(() =>
      run({ model: FLUX, n: 3, providerOptions: { maxImagesPerCall: 1 } }),
    );
    expect(result.images).toHaveLength(3);
    expect(calls.map((call) => call.json.n)).toEqual([1, 1, 1]);
    expect(calls[0]!.json).not.toHaveProperty('maxImagesPerCall');
    // Without the option the model rejects n > 1, as OpenRouter does.
    expect(await providerFailure(run({ model: FLUX, n: 2 }))).toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
  });

  it('refuses a bad route option before calling', async () => {
    const before = fake.requests.length;
    const error = await providerFailure(run({ providerOptions: { api: 'responses' } }));
    expect(error.code).toBe('invalid_request');
    expect(fake.requests.length).toBe(before);
  });
});

describe('OpenRouter adapter: chat completions', () => {
  it('makes one call per image with modalities, image_config and reference images as content parts', async () => {
    const reference = await png('#5a5');
    const { result, calls } = await sent(() =>
      provider.generate(
        chatRequest({
          n: 2,
          aspectRatio: '3:4',
          seed: 11,
          referenceImages: [{ bytes: reference, mediaType: 'image/png' }],
          providerOptions: { api: 'chat', image_config: { image_size: '1K', aspect_ratio: '1:1' } },
        }),
        { signal: AbortSignal.timeout(10_000), attempt: 1 },
      ),
    );
    expect(result.images).toHaveLength(2);
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject(openRouterPixels('3:4'));
    expect(calls.map((call) => call.path)).toEqual(['/api/v1/chat/completions', '/api/v1/chat/completions']);
    expect(calls[0]!.json).toMatchObject({
      model: GEMINI_CHAT,
      modalities: ['image', 'text'],
      image_config: { image_size: '1K', aspect_ratio: '3:4' },
      seed: 11,
    });
    expect(calls[0]!.json).not.toHaveProperty('api');
    const parts = (
      calls[0]!.json.messages as { content: { type: string; image_url?: { url: string } }[] }[]
    )[0]!.content;
    expect(parts.find((p) => p.type === 'image_url')!.image_url!.url).toBe(
      `data:image/png;base64,${reference.toString('base64')}`,
    );
    expect(result.metadata?.requestId).toMatch(/^gen-/);
    expect(result.metadata?.costUsdMicros).toBeGreaterThan(0);
  });

  it('turns a size into its ratio, and warns when a size has none', async () => {
    expect(openRouterRatioOfSize(1024, 1536)).toBe('2:3');
    expect(openRouterRatioOfSize(1000, 700)).toBeUndefined();
    const route = { api: 'chat', modalities: ['image'] };
    const { result, calls } = await sent(() =>
      provider.generate(
        chatRequest({
          model: FLUX,
          aspectRatio: undefined,
          size: { width: 1024, height: 1536 },
          providerOptions: route,
        }),
        { signal: AbortSignal.timeout(10_000), attempt: 1 },
      ),
    );
    expect(calls[0]!.json).toMatchObject({ modalities: ['image'], image_config: { aspect_ratio: '2:3' } });
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject(openRouterPixels('2:3'));
    const odd = await sent(() =>
      provider.generate(
        chatRequest({
          model: FLUX,
          aspectRatio: undefined,
          size: { width: 1000, height: 700 },
          providerOptions: route,
        }),
        { signal: AbortSignal.timeout(10_000), attempt: 1 },
      ),
    );
    expect(odd.calls[0]!.json).not.toHaveProperty('image_config');
    expect(odd.result.warnings).toEqual([expect.stringContaining('1000x700')]);
  });

  it('fails the whole request when one of its parallel calls is refused', async () => {
    // A fake of its own: the cancelled siblings may still reach it after the call ended,
    // and would take the faults later tests queue.
    const own = await startOpenRouterFake();
    try {
      const adapter = createOpenRouterProvider({ apiKey: own.apiKey, baseUrl: own.baseUrl });
      own.fail({ kind: 'content_policy' });
      const error = await providerFailure(
        adapter.generate(chatRequest({ n: 3 }), { signal: AbortSignal.timeout(10_000), attempt: 1 }),
      );
      expect(error.code).toBe('content_policy');
    } finally {
      await own.close();
    }
  });
});

describe('OpenRouter adapter: failures', () => {
  const cases: [FaultKind, string | undefined, ProviderErrorCode, number | undefined][] = [
    ['unauthorized', undefined, 'auth', 401],
    ['rate_limited', undefined, 'rate_limited', 429],
    ['quota', undefined, 'quota', 402],
    ['server_error', undefined, 'provider_error', 500],
    ['server_error', 'upstream', 'provider_error', 502],
    ['server_error', 'timeout', 'timeout', 408],
    ['server_error', 'in-body', 'provider_error', 200],
    ['overloaded', undefined, 'provider_error', 503],
    ['content_policy', undefined, 'content_policy', 403],
    ['content_policy', 'in-body', 'content_policy', 200],
    ['retired_model', undefined, 'model_unavailable', 404],
    ['invalid_json', undefined, 'provider_error', 200],
    ['wrong_shape', undefined, 'provider_error', 200],
    ['wrong_shape', 'no-image', 'provider_error', 200],
    ['bad_image', undefined, 'provider_error', undefined],
  ];
  const routes: [string, () => GenerateRequest][] = [
    ['images', () => request()],
    ['chat', () => chatRequest()],
  ];
  describe.each(routes)('on the %s route', (_route, make) => {
    it.each(cases)('%s (%s) → %s', async (kind, variant, code, status) => {
      fake.fail({ kind, ...(variant ? { variant } : {}) });
      const error = await providerFailure(
        provider.generate(make(), { signal: AbortSignal.timeout(10_000), attempt: 1 }),
      );
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.providerId).toBe(OPENROUTER_PROVIDER_ID);
      if (kind === 'rate_limited') expect(error.retryAfterMs).toBe(0);
    });
  });

  it('names the moderation reasons, and stops on a chat answer the content filter ended', async () => {
    fake.fail({ kind: 'content_policy' });
    expect((await providerFailure(run())).message).toContain('violence');
    fake.fail({ kind: 'content_policy', variant: 'filtered' });
    const filtered = await providerFailure(
      provider.generate(chatRequest(), { signal: AbortSignal.timeout(10_000), attempt: 1 }),
    );
    expect(filtered).toMatchObject({ code: 'content_policy', status: 200 });
  });

  it('reads the wait from Retry-After on a 429', async () => {
    fake.fail({ kind: 'rate_limited', variant: '3' });
    expect(await providerFailure(run())).toMatchObject({ code: 'rate_limited', retryAfterMs: 3_000 });
  });

  it('maps a wrong key, an unknown id and a delisted id answered by the API itself', async () => {
    const wrongKey = createOpenRouterProvider({ apiKey: 'sk-or-wrong', baseUrl: fake.baseUrl });
    expect(
      await providerFailure(wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 })),
    ).toMatchObject({ code: 'auth', status: 401 });
    // OpenRouter answers an id it never had with a plain 400, indistinguishable by structure from a bad field.
    expect(await providerFailure(run({ model: 'nobody/nothing' }))).toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
    expect(await providerFailure(run({ model: 'google/gemini-2.5-flash-image-preview' }))).toMatchObject({
      code: 'model_unavailable',
      status: 404,
    });
  });

  it('ends a hanging call as a timeout when the signal fires, and waits out slow headers', async () => {
    fake.fail({ kind: 'hang' });
    const started = Date.now();
    expect(await providerFailure(run({}, AbortSignal.timeout(300)))).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.fail({ kind: 'hang' });
    expect(
      await providerFailure(
        provider.generate(chatRequest({ n: 2 }), { signal: AbortSignal.timeout(300), attempt: 1 }),
      ),
    ).toMatchObject({ code: 'timeout' });
    fake.fail({ kind: 'slow_headers', delayMs: 200 });
    expect((await run()).images).toHaveLength(1);
  });
});
