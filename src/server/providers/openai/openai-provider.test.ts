/**
 * Contract tests: the OpenAI adapter against the OpenAI fake
 * (tests/fakes/openai.ts), for success and for every injected fault.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../../../../tests/fakes/openai';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateRequest, ImageProvider } from '../types';
import { createOpenAiProvider } from './openai-provider';

let fake: OpenAiFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startOpenAiFake({ now: () => new Date('2026-11-28T12:00:00Z') });
  provider = createOpenAiProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
});
afterAll(() => fake.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'gpt-image-2',
  prompt: 'a lighthouse on a cliff',
  n: 1,
  size: { width: 1024, height: 1024 },
  referenceId: 'gen-1:0',
  ...overrides,
});

const run = (overrides: Partial<GenerateRequest> = {}, signal = AbortSignal.timeout(10_000)) =>
  provider.generate(request(overrides), { signal, attempt: 1 });

describe('OpenAI adapter: success', () => {
  it('returns n real images of the asked size, with the request id', async () => {
    const result = await run({ n: 3, size: { width: 1536, height: 1024 } });
    expect(result.images).toHaveLength(3);
    expect(result.images[0]?.mediaType).toBe('image/png');
    const metadata = await sharp(result.images[0]!.bytes).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 1536, height: 1024 });
    expect(result.metadata?.requestId).toMatch(/^req-\d+$/);
    const sent = JSON.parse(fake.requests.at(-1)!.body.toString('utf8')) as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'gpt-image-2', n: 3, size: '1536x1024' });
    expect(sent).not.toHaveProperty('seed');
    expect(sent).not.toHaveProperty('response_format');
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('warns about a seed and a negative prompt instead of sending them', async () => {
    const result = await run({ seed: 42, negativePrompt: 'fog' });
    expect(result.warnings).toEqual([
      expect.stringContaining('seed'),
      expect.stringContaining('negativePrompt'),
    ]);
  });

  it('sends reference images to the edits endpoint as multipart image[] files', async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#f80' } })
      .png()
      .toBuffer();
    const result = await run({
      referenceImages: [
        { bytes: png, mediaType: 'image/png' },
        { bytes: png, mediaType: 'image/png' },
      ],
    });
    expect(result.images).toHaveLength(1);
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/images/edits');
    expect(String(sent.headers['content-type'])).toMatch(/^multipart\/form-data/);
  });

  it('refuses a custom size on a model that only takes the fixed ones, before calling', async () => {
    const before = fake.requests.length;
    const error = await providerFailure(run({ model: 'gpt-image-1.5', size: { width: 1280, height: 720 } }));
    expect(error.code).toBe('invalid_request');
    expect(fake.requests.length).toBe(before);
  });
});

describe('OpenAI adapter: failures', () => {
  const cases: [FaultKind, ProviderErrorCode, string?][] = [
    ['unauthorized', 'auth'],
    ['rate_limited', 'rate_limited'],
    ['quota', 'quota'],
    ['server_error', 'provider_error'],
    ['overloaded', 'provider_error'],
    ['content_policy', 'content_policy'],
    ['content_policy', 'content_policy', 'with-details'],
    ['content_policy', 'content_policy', 'legacy'],
    ['retired_model', 'model_unavailable'],
    ['invalid_json', 'provider_error'],
    ['wrong_shape', 'provider_error'],
  ];
  it.each(cases)('%s (%s) → %s', async (kind, code, variant) => {
    fake.fail({ kind, ...(variant ? { variant } : {}) });
    const error = await providerFailure(run());
    expect(error.code).toBe(code);
    expect(error.providerId).toBe('openai');
    if (kind === 'rate_limited') expect(error.retryAfterMs).toBe(0);
  });

  it('maps a wrong key and a retired model id answered by the API itself', async () => {
    const wrongKey = createOpenAiProvider({ apiKey: 'sk-wrong', baseUrl: fake.baseUrl });
    const auth = await providerFailure(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(auth).toMatchObject({ code: 'auth', status: 401 });
    expect(await providerFailure(run({ model: 'gpt-image-1' }))).toMatchObject({
      code: 'model_unavailable',
      status: 404,
    });
  });

  it('ends a hanging call as a timeout when the signal fires', async () => {
    fake.fail({ kind: 'hang' });
    const started = Date.now();
    const error = await providerFailure(run({}, AbortSignal.timeout(300)));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes on bytes that are not an image for the job to reject', async () => {
    fake.fail({ kind: 'bad_image' });
    const result = await run();
    // The SDK sniffs the media type and falls back to PNG; storing checks the content (invalid_output).
    await expect(sharp(result.images[0]!.bytes).metadata()).rejects.toThrow();
  });
});
