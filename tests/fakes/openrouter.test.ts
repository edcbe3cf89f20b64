/**
 * The OpenRouter fake against providers.md §4.6 and checklist §7.6, with
 * plain fetch: the images API, chat completions with image output, the
 * model list, auth, validation and a few failures in OpenRouter's shape.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRouterPixels, startOpenRouterFake, type OpenRouterFake } from './openrouter';

let fake: OpenRouterFake;
beforeAll(async () => {
  fake = await startOpenRouterFake();
});
afterAll(() => fake.close());

const post = (path: string, body: unknown, key = fake.apiKey) =>
  fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

type ErrorBody = { error: { code: number; message: string; metadata?: Record<string, unknown> } };
type ImagesBody = {
  created: number;
  data: { b64_json: string; media_type: string }[];
  usage: { cost: number };
};
type ChatBody = {
  id: string;
  choices: {
    finish_reason: string;
    message: { content: string | null; images?: { type: string; image_url: { url: string } }[] };
  }[];
};

const dataUrl = async () =>
  `data:image/png;base64,${(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#08f' } })
      .png()
      .toBuffer()
  ).toString('base64')}`;

describe('OpenRouter fake: POST /images', () => {
  it('returns n base64 images of the aspect ratio asked, with media_type and usage', async () => {
    const response = await post('/images', {
      model: 'bytedance-seed/seedream-4.5',
      prompt: 'a lantern festival',
      n: 2,
      aspect_ratio: '16:9',
      seed: 5,
      input_references: [{ type: 'image_url', image_url: { url: await dataUrl() } }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ImagesBody;
    expect(body.data).toHaveLength(2);
    expect(body.data[0]!.media_type).toBe('image/png');
    expect(await sharp(Buffer.from(body.data[0]!.b64_json, 'base64')).metadata()).toMatchObject({
      format: 'png',
      ...openRouterPixels('16:9'),
    });
    expect(body.usage.cost).toBeGreaterThan(0);
  });

  it('rejects parameters a model does not take, n > 1 on single-image models, and bad references', async () => {
    const cases: [unknown, string][] = [
      [{ model: 'google/gemini-3-pro-image-preview', prompt: 'x', seed: 1 }, 'seed'],
      [{ model: 'black-forest-labs/flux.2-pro', prompt: 'x', n: 2 }, 'n > 1'],
      [{ model: 'bytedance-seed/seedream-4.5', prompt: 'x', negative_prompt: 'fog' }, 'negative_prompt'],
      [{ model: 'bytedance-seed/seedream-4.5', prompt: 'x', aspect_ratio: '7:5' }, 'aspect_ratio'],
      [
        {
          model: 'bytedance-seed/seedream-4.5',
          prompt: 'x',
          input_references: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,aGVsbG8=' } }],
        },
        'input_references[0]',
      ],
    ];
    for (const [body, mention] of cases) {
      const response = await post('/images', body);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as ErrorBody).error;
      expect(error.code).toBe(400);
      expect(error.message).toContain(mention);
    }
  });

  it('answers a wrong key with 401, an unknown id with 400 and a delisted one with 404', async () => {
    const wrongKey = await post(
      '/images',
      { model: 'bytedance-seed/seedream-4.5', prompt: 'x' },
      'sk-or-wrong',
    );
    expect(wrongKey.status).toBe(401);
    expect(((await wrongKey.json()) as ErrorBody).error.code).toBe(401);
    expect((await post('/images', { model: 'nobody/nothing', prompt: 'x' })).status).toBe(400);
    const delisted = await post('/images', { model: 'google/gemini-2.5-flash-image-preview', prompt: 'x' });
    expect(delisted.status).toBe(404);
  });

  it('lists image models without a key', async () => {
    const response = await fetch(`${fake.baseUrl}/images/models`);
    const body = (await response.json()) as { data: { id: string; supported_parameters: string[] }[] };
    expect(body.data.map((m) => m.id)).toContain('bytedance-seed/seedream-4.5');
    expect(
      body.data.find((m) => m.id === 'google/gemini-3-pro-image-preview')!.supported_parameters,
    ).not.toContain('seed');
  });

  it('describes the key at GET /key for the right key only', async () => {
    const ok = await fetch(`${fake.baseUrl}/key`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { usage: number } }).data.usage).toBe(0);
    const denied = await fetch(`${fake.baseUrl}/key`, { headers: { authorization: 'Bearer sk-or-wrong' } });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: number } }).error.code).toBe(401);
  });
});

describe('OpenRouter fake: POST /chat/completions', () => {
  it('returns one image as a data URL in message.images, in the image_config ratio', async () => {
    const response = await post('/chat/completions', {
      model: 'google/gemini-3.1-flash-image-preview',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make it night' },
            { type: 'image_url', image_url: { url: await dataUrl() } },
          ],
        },
      ],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '3:4', image_size: '1K' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ChatBody;
    expect(body.id).toMatch(/^gen-/);
    const url = body.choices[0]!.message.images![0]!.image_url.url;
    expect(url).toMatch(/^data:image\/png;base64,/);
    expect(await sharp(Buffer.from(url.split(',')[1]!, 'base64')).metadata()).toMatchObject(
      openRouterPixels('3:4'),
    );
  });

  it('answers text only without the image modality, and 404 for text on an image-only model', async () => {
    const textOnly = await post('/chat/completions', {
      model: 'google/gemini-3.1-flash-image-preview',
      messages: [{ role: 'user', content: 'a cat' }],
    });
    expect(((await textOnly.json()) as ChatBody).choices[0]!.message.images).toBeUndefined();
    const imageOnly = await post('/chat/completions', {
      model: 'black-forest-labs/flux.2-pro',
      messages: [{ role: 'user', content: 'a cat' }],
      modalities: ['image', 'text'],
    });
    expect(imageOnly.status).toBe(404);
  });
});

describe('OpenRouter fake: faults', () => {
  const request = { model: 'bytedance-seed/seedream-4.5', prompt: 'x' };

  it('answers 429 with Retry-After, 402 for credits and 403 moderation with reasons', async () => {
    fake.fail({ kind: 'rate_limited', variant: '3' });
    const limited = await post('/images', request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    fake.fail({ kind: 'quota' });
    expect(((await (await post('/images', request)).json()) as ErrorBody).error.code).toBe(402);
    fake.fail({ kind: 'content_policy' });
    const blocked = await post('/images', request);
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as ErrorBody).error.metadata).toMatchObject({ reasons: ['violence'] });
  });

  it('carries an error in an HTTP 200 after generation began, and a content filter stop on chat', async () => {
    fake.fail({ kind: 'server_error', variant: 'in-body' });
    const late = await post('/images', request);
    expect(late.status).toBe(200);
    expect(((await late.json()) as ErrorBody).error).toMatchObject({
      code: 502,
      metadata: { provider_name: 'Google' },
    });
    fake.fail({ kind: 'content_policy', variant: 'filtered' });
    const filtered = await post('/chat/completions', {
      model: 'google/gemini-3.1-flash-image-preview',
      messages: [{ role: 'user', content: 'x' }],
      modalities: ['image', 'text'],
    });
    const choice = ((await filtered.json()) as ChatBody).choices[0]!;
    expect(choice.finish_reason).toBe('content_filter');
    expect(choice.message.images).toBeUndefined();
  });

  it('takes faults for one model only, and sends non-image bytes for bad_image', async () => {
    fake.fail({ kind: 'bad_image', model: 'black-forest-labs/flux.2-pro' });
    const other = (await (await post('/images', request)).json()) as ImagesBody;
    await expect(sharp(Buffer.from(other.data[0]!.b64_json, 'base64')).metadata()).resolves.toBeTruthy();
    const bad = (await (
      await post('/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'x' })
    ).json()) as ImagesBody;
    await expect(sharp(Buffer.from(bad.data[0]!.b64_json, 'base64')).metadata()).rejects.toThrow();
  });
});
