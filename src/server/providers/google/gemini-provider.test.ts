/**
 * Contract tests: the Gemini adapter against the Gemini fake
 * (tests/fakes/gemini.ts), for success and for every injected fault.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import { startGeminiFake, type GeminiFake } from '../../../../tests/fakes/gemini';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateRequest, ImageProvider } from '../types';
import { createGeminiProvider, ratioOfSize } from './gemini-provider';

let fake: GeminiFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startGeminiFake();
  provider = createGeminiProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
});
afterAll(() => fake.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'gemini-3.1-flash-image',
  prompt: 'a tea house in the rain',
  n: 1,
  aspectRatio: '16:9',
  referenceId: 'gen-3:0',
  ...overrides,
});
const run = (overrides: Partial<GenerateRequest> = {}, signal = AbortSignal.timeout(10_000)) =>
  provider.generate(request(overrides), { signal, attempt: 1 });

describe('Gemini adapter: success', () => {
  it('asks generateContent for images in the aspect ratio, one call per image', async () => {
    const before = fake.requests.length;
    const result = await run({ n: 2, providerOptions: { imageConfig: { imageSize: '1K' } } });
    expect(result.images).toHaveLength(2);
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({
      format: 'png',
      width: 1024,
      height: 576,
    });
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.path).toBe('/v1beta/models/gemini-3.1-flash-image:generateContent');
    expect(calls[0]!.headers['x-goog-api-key']).toBe(fake.apiKey);
    const sent = JSON.parse(calls[0]!.body.toString('utf8')) as {
      generationConfig: {
        responseModalities: string[];
        imageConfig: { aspectRatio: string; imageSize: string };
      };
    };
    expect(sent.generationConfig.responseModalities).toContain('IMAGE');
    expect(sent.generationConfig.imageConfig).toMatchObject({ aspectRatio: '16:9', imageSize: '1K' });
  });

  it('asks for the resolution the member chose (and was charged for) as the image size', async () => {
    const result = await run({ aspectRatio: '1:1', resolution: '2K' });
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 2048, height: 2048 });
    const sent = JSON.parse(fake.requests.at(-1)!.body.toString('utf8')) as {
      generationConfig: { imageConfig: { imageSize: string } };
    };
    expect(sent.generationConfig.imageConfig.imageSize).toBe('2K');
    // A route that fixes the size keeps it.
    await run({
      aspectRatio: '1:1',
      resolution: '2K',
      providerOptions: { imageConfig: { imageSize: '1K' } },
    });
    const fixed = JSON.parse(fake.requests.at(-1)!.body.toString('utf8')) as {
      generationConfig: { imageConfig: { imageSize: string } };
    };
    expect(fixed.generationConfig.imageConfig.imageSize).toBe('1K');
  });

  it('turns a size into the ratio it reduces to, and warns about a seed', async () => {
    expect(ratioOfSize(1024, 1536)).toBe('2:3');
    expect(ratioOfSize(1000, 700)).toBeUndefined();
    const result = await run({ aspectRatio: undefined, size: { width: 1536, height: 1024 }, seed: 3 });
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1024, height: 688 });
    expect(result.warnings).toEqual([expect.stringContaining('seed')]);
  });

  it('sends reference images as inline data', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
      .png()
      .toBuffer();
    await run({ referenceImages: [{ bytes: png, mediaType: 'image/png' }] });
    const sent = JSON.parse(fake.requests.at(-1)!.body.toString('utf8')) as {
      contents: { parts: { inlineData?: { data: string } }[] }[];
    };
    const inline = sent.contents.flatMap((c) => c.parts).find((p) => p.inlineData);
    expect(Buffer.from(inline!.inlineData!.data, 'base64').equals(png)).toBe(true);
  });
});

describe('Gemini adapter: failures', () => {
  const cases: [FaultKind, ProviderErrorCode, string?][] = [
    ['unauthorized', 'auth'],
    ['rate_limited', 'rate_limited'],
    ['server_error', 'provider_error'],
    ['overloaded', 'provider_error'],
    ['retired_model', 'model_unavailable'],
    ['content_policy', 'content_policy', 'IMAGE_SAFETY'],
    ['content_policy', 'content_policy', 'PROHIBITED_CONTENT'],
    ['content_policy', 'content_policy', 'SAFETY'],
    ['content_policy', 'content_policy', 'blockReason'],
    ['invalid_json', 'provider_error'],
    ['wrong_shape', 'provider_error'],
  ];
  it.each(cases)('%s (%s) → %s', async (kind, code, variant) => {
    fake.fail({ kind, ...(variant ? { variant } : {}) });
    const error = await providerFailure(run());
    expect(error.code).toBe(code);
    expect(error.providerId).toBe('google');
  });

  it('reads the retry delay from the 429 body, and a bad key from its 400 reason', async () => {
    fake.fail({ kind: 'rate_limited', variant: '41s' });
    expect(await providerFailure(run())).toMatchObject({ code: 'rate_limited', retryAfterMs: 41_000 });
    const wrongKey = createGeminiProvider({ apiKey: 'wrong', baseUrl: fake.baseUrl });
    const auth = await providerFailure(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(auth).toMatchObject({ code: 'auth', status: 400 });
  });

  it('answers an unknown model with model_unavailable, and a hang with a timeout', async () => {
    expect(await providerFailure(run({ model: 'gemini-2.5-flash-image' }))).toMatchObject({
      code: 'model_unavailable',
    });
    fake.fail({ kind: 'hang' });
    expect(await providerFailure(run({}, AbortSignal.timeout(300)))).toMatchObject({ code: 'timeout' });
  });
});
