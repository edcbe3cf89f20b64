/**
 * Contract tests: the OpenAI-compatible adapter against the OpenAI fake,
 * standing in for a self-hosted server that speaks the same protocol with
 * its own model ids.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../../../../tests/fakes/openai';
import { ProviderError } from '../errors';
import type { GenerateRequest, ImageProvider } from '../types';
import { createOpenAiCompatibleProvider } from './openai-compatible-provider';

let fake: OpenAiFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: 'sk-self-hosted' });
  provider = createOpenAiCompatibleProvider({ baseUrl: fake.baseUrl, apiKey: 'sk-self-hosted' });
});
afterAll(() => fake.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'flux-dev',
  prompt: 'a harbour at dawn',
  n: 1,
  size: { width: 1024, height: 1024 },
  referenceId: 'gen-2:0',
  ...overrides,
});
const run = (overrides: Partial<GenerateRequest> = {}) =>
  provider.generate(request(overrides), { signal: AbortSignal.timeout(10_000), attempt: 1 });

describe('OpenAI-compatible adapter', () => {
  it('asks for base64 images with the catalog model id, one image per call', async () => {
    const before = fake.requests.length;
    const result = await run({ n: 2, seed: 5 });
    expect(result.images).toHaveLength(2);
    expect(await sharp(result.images[1]!.bytes).metadata()).toMatchObject({ width: 1024, height: 1024 });
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(2);
    const sent = JSON.parse(calls[0]!.body.toString('utf8')) as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'flux-dev', n: 1, size: '1024x1024', response_format: 'b64_json' });
    expect(sent).not.toHaveProperty('seed');
    expect(result.warnings).toEqual([expect.stringContaining('seed')]);
  });

  it('maps the server’s failures like OpenAI’s', async () => {
    fake.fail({ kind: 'rate_limited' });
    await expect(run()).rejects.toMatchObject({ code: 'rate_limited', providerId: 'openai_compatible' });
    fake.fail({ kind: 'content_policy' });
    await expect(run()).rejects.toMatchObject({ code: 'content_policy' });
    fake.fail({ kind: 'server_error' });
    await expect(run()).rejects.toBeInstanceOf(ProviderError);
    const wrongKey = createOpenAiCompatibleProvider({ baseUrl: fake.baseUrl, apiKey: 'sk-wrong' });
    await expect(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    ).rejects.toMatchObject({ code: 'auth', status: 401 });
  });
});
