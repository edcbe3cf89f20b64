/**
 * Contract tests: the Ark adapter against the Ark fake (tests/fakes/ark.ts),
 * for what goes on the wire, success in every mode, partial group results,
 * and every injected fault.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArkFake, type ArkFake } from '../../../../tests/fakes/ark';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateRequest, ImageProvider, ReferenceImage } from '../types';
import { arkCodeCategory } from './ark-errors';
import { createArkProvider } from './ark-provider';

let fake: ArkFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startArkFake({ now: () => new Date('2026-11-28T12:00:00Z') });
  provider = createArkProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
});
afterAll(() => fake.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'seedream-4-0-250828',
  prompt: 'a paper lantern festival',
  n: 1,
  size: { width: 1280, height: 720 },
  referenceId: 'gen-8:0',
  ...overrides,
});
const run = (overrides: Partial<GenerateRequest> = {}, signal = AbortSignal.timeout(10_000)) =>
  provider.generate(request(overrides), { signal, attempt: 1 });

/** The JSON body of the last images/generations call. */
const lastBody = () => {
  const call = fake.requests.filter((r) => r.path === '/api/v3/images/generations').at(-1)!;
  return JSON.parse(call.body.toString('utf8')) as Record<string, unknown>;
};

async function reference(format: 'png' | 'jpeg', mediaType = `image/${format}`): Promise<ReferenceImage> {
  const image = sharp({ create: { width: 40, height: 30, channels: 3, background: '#2a6' } });
  const bytes = await (format === 'png' ? image.png() : image.jpeg()).toBuffer();
  return { bytes: new Uint8Array(bytes), mediaType };
}

/** The darkest channel value of a 4x4 patch at the bottom-right corner: high when watermarked. */
async function cornerMin(bytes: Uint8Array): Promise<number> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const patch = await sharp(bytes)
    .extract({ left: width - 6, top: height - 6, width: 4, height: 4 })
    .raw()
    .toBuffer();
  return Math.min(...patch);
}

describe('Ark adapter: text-to-image', () => {
  it('posts the request with Bearer auth, no watermark and b64_json, and returns the JPEG', async () => {
    const result = await run();
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.mediaType).toBe('image/jpeg');
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1280, height: 720 });
    expect(await cornerMin(result.images[0]!.bytes)).toBeLessThan(200);
    expect(result.metadata?.requestId).toMatch(/^ark-req-\d+$/);
    expect(result.warnings).toEqual([]);
    const call = fake.requests.at(-1)!;
    expect([call.method, call.path]).toEqual(['POST', '/api/v3/images/generations']);
    expect(call.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(lastBody()).toEqual({
      model: 'seedream-4-0-250828',
      prompt: 'a paper lantern festival',
      size: '1280x720',
      watermark: false,
      response_format: 'b64_json',
    });
  });

  it('keeps the watermark when the route asks, and passes other Ark fields through', async () => {
    const result = await run({
      providerOptions: { watermark: true, optimize_prompt_options: { mode: 'fast' } },
    });
    expect(await cornerMin(result.images[0]!.bytes)).toBeGreaterThan(240);
    expect(lastBody()).toMatchObject({ watermark: true, optimize_prompt_options: { mode: 'fast' } });
  });

  it('turns an aspect ratio into Ark’s size at the route’s tier, or sends the tier itself', async () => {
    const sizes: [Partial<GenerateRequest>, string][] = [
      [{ size: undefined, aspectRatio: '16:9' }, '2560x1440'],
      [{ size: undefined, aspectRatio: '16:9', providerOptions: { size: '1K' } }, '1280x720'],
      [{ size: undefined, aspectRatio: '5:4' }, '2288x1824'],
      [{ size: undefined, providerOptions: { size: '1K' } }, '1K'],
    ];
    for (const [overrides, size] of sizes) {
      const result = await run(overrides);
      expect(lastBody().size).toBe(size);
      const expected = size === '1K' ? [1024, 1024] : size.split('x').map(Number);
      const { width, height } = await sharp(result.images[0]!.bytes).metadata();
      expect([width, height]).toEqual(expected);
    }
    const error = await providerFailure(run({ size: undefined, aspectRatio: '20:1' }));
    expect(error.code).toBe('invalid_request');
  });

  it('lets Ark judge a size against the model’s pixel rules (4.5 needs 2560x1440 or more)', async () => {
    const error = await providerFailure(
      run({ model: 'seedream-4-5-251128', size: { width: 1024, height: 1024 } }),
    );
    expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    const result = await run({ model: 'seedream-4-5-251128', size: { width: 2560, height: 1440 } });
    expect(result.images).toHaveLength(1);
  });

  it('sends a seed only to Seedream 3.0, and warns elsewhere', async () => {
    const seeded = await run({
      model: 'seedream-3-0-t2i-250415',
      size: { width: 1024, height: 1024 },
      seed: 42,
    });
    expect(lastBody().seed).toBe(42);
    expect(seeded.seed).toBe(42);
    expect(seeded.warnings).toEqual([]);

    const folded = await run({
      model: 'seedream-3-0-t2i-250415',
      size: { width: 1024, height: 1024 },
      seed: 2 ** 32 - 1,
    });
    expect(lastBody().seed).toBe(2_147_483_647);
    expect(folded.warnings).toEqual([expect.stringContaining('seed')]);

    const ignored = await run({ seed: 42, negativePrompt: 'blur' });
    expect(lastBody()).not.toHaveProperty('seed');
    expect(ignored.seed).toBeUndefined();
    expect(ignored.warnings).toEqual([
      expect.stringContaining('seed'),
      expect.stringContaining('negativePrompt'),
    ]);
  });

  it('calls an inference endpoint id as the model, and keeps reserved fields to itself', async () => {
    const result = await run({
      model: 'ep-20260101000000-seedream',
      size: { width: 2048, height: 2048 },
      providerOptions: { stream: true, n: 4 },
    });
    expect(result.images).toHaveLength(1);
    expect(lastBody()).toMatchObject({ model: 'ep-20260101000000-seedream' });
    expect(lastBody()).not.toHaveProperty('stream');
    expect(lastBody()).not.toHaveProperty('n');
    expect(result.warnings).toEqual([
      expect.stringContaining('providerOptions.stream'),
      expect.stringContaining('providerOptions.n'),
    ]);
  });
});

describe('Ark adapter: reference images', () => {
  it('sends several references as data URLs, typed by their bytes in lower case', async () => {
    const png = await reference('png');
    const mislabelled = await reference('jpeg', 'image/PNG');
    await run({ referenceImages: [png, mislabelled] });
    const images = lastBody().image as string[];
    expect(images).toHaveLength(2);
    expect(images[0]).toBe(`data:image/png;base64,${Buffer.from(png.bytes).toString('base64')}`);
    expect(images[1]).toBe(`data:image/jpeg;base64,${Buffer.from(mislabelled.bytes).toString('base64')}`);
  });

  it('sends one reference as a string', async () => {
    await run({ referenceImages: [await reference('png')] });
    expect(lastBody().image).toEqual(expect.stringMatching(/^data:image\/png;base64,/));
  });

  it('refuses more than 14 references before calling', async () => {
    const png = await reference('png');
    const before = fake.requests.length;
    const error = await providerFailure(run({ referenceImages: Array.from({ length: 15 }, () => png) }));
    expect(error.code).toBe('invalid_request');
    expect(fake.requests.length).toBe(before);
  });
});

describe('Ark adapter: n > 1 as group generation', () => {
  it('asks for a group of n and returns n distinct images', async () => {
    const result = await run({ n: 3 });
    expect(lastBody()).toMatchObject({
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images: 3 },
    });
    expect(lastBody()).not.toHaveProperty('n');
    expect(result.images).toHaveLength(3);
    const digests = new Set(result.images.map((image) => Buffer.from(image.bytes).toString('base64')));
    expect(digests.size).toBe(3);
  });

  it('returns fewer images with a warning when the model stops early', async () => {
    fake.groupSize = 2;
    try {
      const result = await run({ n: 4 });
      expect(result.images).toHaveLength(2);
      expect(result.warnings).toEqual(['Ark returned 2 of 4 images']);
    } finally {
      fake.groupSize = undefined;
    }
  });

  it('keeps references plus images within 15', async () => {
    const png = await reference('png');
    const result = await run({ n: 3, referenceImages: Array.from({ length: 14 }, () => png) });
    expect(lastBody().sequential_image_generation_options).toEqual({ max_images: 1 });
    expect(result.images).toHaveLength(1);
    expect(result.warnings).toEqual([expect.stringContaining('at most 15'), 'Ark returned 1 of 3 images']);
  });

  it('returns the images of a group where one was filtered, naming the code', async () => {
    fake.fail({ kind: 'content_policy', variant: 'per-image' });
    const result = await run({ n: 3 });
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual([
      'Ark failed 1 image(s): OutputImageSensitiveContentDetected',
      'Ark returned 2 of 3 images',
    ]);
  });

  it('returns what a group made before an internal error ended it', async () => {
    fake.fail({ kind: 'server_error', variant: 'per-image' });
    const result = await run({ n: 3 });
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toContain('Ark failed 1 image(s): InternalServiceError');
  });

  it('fails by the per-image codes when no image came back', async () => {
    fake.fail({ kind: 'content_policy', variant: 'per-image' });
    expect(await providerFailure(run())).toMatchObject({ code: 'content_policy', status: 200 });
    fake.fail({ kind: 'server_error', variant: 'per-image' });
    expect(await providerFailure(run())).toMatchObject({ code: 'provider_error', status: 200 });
  });
});

describe('Ark adapter: URL answers', () => {
  it('downloads each URL from the answer with the call’s signal and no credentials', async () => {
    const signals: (AbortSignal | null | undefined)[] = [];
    const tracked = createArkProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      fetch: (input, init) => {
        signals.push(init?.signal);
        return fetch(input, init);
      },
    });
    const signal = AbortSignal.timeout(10_000);
    const result = await tracked.generate(request({ n: 2, providerOptions: { response_format: 'url' } }), {
      signal,
      attempt: 1,
    });
    expect(lastBody().response_format).toBe('url');
    expect(result.images.map((image) => image.mediaType)).toEqual(['image/jpeg', 'image/jpeg']);
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject({ width: 1280, height: 720 });
    expect(signals).toEqual([signal, signal, signal]);
    const downloads = fake.requests.slice(-2);
    expect(downloads.map((call) => call.path)).toEqual([
      expect.stringMatching(/^\/__files\//),
      expect.stringMatching(/^\/__files\//),
    ]);
    expect(downloads.every((call) => call.headers.authorization === undefined)).toBe(true);
  });

  it('refuses an image URL on a private host that is not the API’s origin', async () => {
    fake.fail({ kind: 'wrong_shape', variant: 'private-url' });
    const error = await providerFailure(run({ providerOptions: { response_format: 'url' } }));
    expect(error.code).toBe('provider_error');
    expect(error.message).toMatch(/refused host/);
  });

  it('fails on an expired URL and on URL bytes that are not an image', async () => {
    fake.fail({ kind: 'bad_image' });
    expect(await providerFailure(run({ providerOptions: { response_format: 'url' } }))).toMatchObject({
      code: 'provider_error',
    });
    const expiring = await startArkFake();
    try {
      expiring.expireFiles();
      const ark = createArkProvider({ apiKey: expiring.apiKey, baseUrl: expiring.baseUrl });
      const error = await providerFailure(
        ark.generate(request({ providerOptions: { response_format: 'url' } }), {
          signal: AbortSignal.timeout(10_000),
          attempt: 1,
        }),
      );
      expect(error.code).toBe('provider_error');
      expect(error.message).toMatch(/404/);
    } finally {
      await expiring.close();
    }
  });
});

describe('Ark adapter: failures', () => {
  const cases: [FaultKind, string | undefined, ProviderErrorCode, number | undefined][] = [
    ['unauthorized', undefined, 'auth', 401],
    ['unauthorized', 'access-denied', 'auth', 403],
    ['rate_limited', undefined, 'rate_limited', 429],
    ['overloaded', undefined, 'rate_limited', 429],
    ['overloaded', 'http-503', 'provider_error', 503],
    ['quota', undefined, 'quota', 429],
    ['quota', 'set-limit', 'quota', 429],
    ['quota', 'overdue', 'quota', 403],
    ['server_error', undefined, 'provider_error', 500],
    ['server_error', 'drop', 'provider_error', undefined],
    ['content_policy', 'input-text', 'content_policy', 400],
    ['content_policy', 'input-image', 'content_policy', 400],
    ['content_policy', 'output-image', 'content_policy', 400],
    ['content_policy', 'severe', 'content_policy', 400],
    ['retired_model', undefined, 'model_unavailable', 404],
    ['retired_model', 'not-activated', 'model_unavailable', 404],
    ['invalid_json', undefined, 'provider_error', 200],
    ['wrong_shape', undefined, 'provider_error', 200],
    ['bad_image', undefined, 'provider_error', undefined],
  ];
  it.each(cases)('%s (%s) → %s', async (kind, variant, code, status) => {
    fake.fail({ kind, ...(variant ? { variant } : {}) });
    const error = await providerFailure(run());
    expect(error).toMatchObject({ code, status, providerId: 'byteplus' });
    if (code === 'rate_limited') expect(error.retryAfterMs).toBe(0);
  });

  it('maps a wrong key and an unknown model answered by Ark itself', async () => {
    const wrongKey = createArkProvider({ apiKey: 'wrong', baseUrl: fake.baseUrl });
    const auth = await providerFailure(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(auth).toMatchObject({ code: 'auth', status: 401 });
    expect(await providerFailure(run({ model: 'seededit-3-0-i2i-250628' }))).toMatchObject({
      code: 'model_unavailable',
      status: 404,
    });
  });

  it('ends a hanging call, or headers slower than the signal, as a timeout', async () => {
    fake.fail({ kind: 'hang' });
    const started = Date.now();
    expect(await providerFailure(run({}, AbortSignal.timeout(300)))).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.fail({ kind: 'slow_headers', delayMs: 1_000 });
    expect(await providerFailure(run({}, AbortSignal.timeout(200)))).toMatchObject({ code: 'timeout' });
  });

  it('waits out slow headers within the signal', async () => {
    fake.fail({ kind: 'slow_headers', delayMs: 200 });
    expect((await run()).images).toHaveLength(1);
  });

  it('reads code families rather than exact codes', () => {
    const table: [string, ProviderErrorCode | undefined][] = [
      ['ModelAccountRpmRateLimitExceeded', 'rate_limited'],
      ['RateLimitExceeded.EndpointTPMExceeded', 'rate_limited'],
      ['OperationDenied.ServiceOverdue', 'quota'],
      ['OperationDenied.ServiceNotOpen', 'model_unavailable'],
      ['InvalidParameter.UnsupportedImageFormat', 'invalid_request'],
      ['SensitiveContentDetected', 'content_policy'],
      ['OutputTextSensitiveContentDetected', 'content_policy'],
      ['SomethingNew', undefined],
    ];
    for (const [code, category] of table) expect(arkCodeCategory(code), code).toBe(category);
  });
});
