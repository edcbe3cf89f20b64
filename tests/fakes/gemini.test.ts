/**
 * The Gemini fake against providers.md §4.5 and checklist §7.5.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geminiPixels, startGeminiFake, type GeminiFake } from './gemini';

let fake: GeminiFake;
beforeAll(async () => {
  fake = await startGeminiFake();
});
afterAll(() => fake.close());

const generate = (
  model: string,
  body: unknown,
  auth: Record<string, string> = { 'x-goog-api-key': fake.apiKey },
) =>
  fetch(`${fake.baseUrl}/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
const imageRequest = (aspectRatio = '1:1', imageSize = '512') => ({
  contents: [{ role: 'user', parts: [{ text: 'a paper boat' }] }],
  generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio, imageSize } },
});

describe('Gemini fake', () => {
  it('returns an inlineData image of the ratio and size asked for, with usage', async () => {
    const response = await generate('gemini-3.1-flash-image', imageRequest('3:4', '1K'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      candidates: {
        finishReason: string;
        content: { parts: { inlineData?: { mimeType: string; data: string } }[] };
      }[];
      usageMetadata: { totalTokenCount: number };
    };
    expect(body.candidates[0]!.finishReason).toBe('STOP');
    const image = body.candidates[0]!.content.parts.find((part) => part.inlineData)!.inlineData!;
    expect(image.mimeType).toBe('image/png');
    expect(await sharp(Buffer.from(image.data, 'base64')).metadata()).toMatchObject({
      ...geminiPixels('3:4', '1K'),
    });
    expect(body.usageMetadata.totalTokenCount).toBeGreaterThan(0);
  });

  it('takes the key as x-goog-api-key or ?key=, answers a bad key with 400 API_KEY_INVALID', async () => {
    const viaQuery = await fetch(`${fake.baseUrl}/models?key=${fake.apiKey}`);
    expect(((await viaQuery.json()) as { models: { name: string }[] }).models.map((m) => m.name)).toContain(
      'models/gemini-3-pro-image',
    );
    const bad = await generate('gemini-3.1-flash-image', imageRequest(), { 'x-goog-api-key': 'nope' });
    expect(bad.status).toBe(400);
    const error = ((await bad.json()) as { error: { status: string; details: { reason: string }[] } }).error;
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details[0]!.reason).toBe('API_KEY_INVALID');
  });

  it('answers retired ids and any :predict call with 404 NOT_FOUND', async () => {
    expect((await generate('gemini-2.5-flash-image', imageRequest())).status).toBe(404);
    const predict = await fetch(`${fake.baseUrl}/models/imagen-4:predict`, {
      method: 'POST',
      headers: { 'x-goog-api-key': fake.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ prompt: 'x' }] }),
    });
    expect(predict.status).toBe(404);
  });

  it('blocks for safety with HTTP 200 and no image, and puts the 429 delay in the body', async () => {
    for (const variant of ['IMAGE_SAFETY', 'PROHIBITED_CONTENT', 'SAFETY']) {
      fake.fail({ kind: 'content_policy', variant });
      const body = (await (await generate('gemini-3.1-flash-image', imageRequest())).json()) as {
        candidates: { finishReason: string; content: { parts: unknown[] } }[];
      };
      expect(body.candidates[0]).toMatchObject({ finishReason: variant, content: { parts: [] } });
    }
    fake.fail({ kind: 'content_policy', variant: 'blockReason' });
    const blocked = (await (await generate('gemini-3.1-flash-image', imageRequest())).json()) as {
      promptFeedback: { blockReason: string };
    };
    expect(blocked.promptFeedback.blockReason).toBe('PROHIBITED_CONTENT');

    fake.fail({ kind: 'rate_limited', variant: '41s' });
    const limited = await generate('gemini-3.1-flash-image', imageRequest());
    expect(limited.status).toBe(429);
    const details = ((await limited.json()) as { error: { details: { retryDelay?: string }[] } }).error
      .details;
    expect(details[0]!.retryDelay).toBe('41s');
    expect(limited.headers.get('retry-after')).toBeNull();
  });
});
