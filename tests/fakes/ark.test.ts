/**
 * The Ark fake against providers.md §4.8 and checklist §7.8, with plain
 * fetch: auth, the images/generations shapes, size rules, group generation
 * with per-image failures, streaming, and faults in Ark's error shape.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArkFake, type ArkFake } from './ark';

let fake: ArkFake;
beforeAll(async () => {
  fake = await startArkFake({ now: () => new Date('2026-11-28T12:00:00Z') });
});
afterAll(() => fake.close());

const generate = (body: Record<string, unknown>, key = fake.apiKey) =>
  fetch(`${fake.baseUrl}/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'seedream-4-0-250828', prompt: 'a kite over dunes', ...body }),
  });

type ArkErrorBody = { error: { code: string; message: string; param: string; type: string } };
type ArkAnswer = {
  model: string;
  data: ({ url?: string; b64_json?: string; size?: string; error?: { code: string } } | undefined)[];
  usage: { generated_images: number; output_tokens: number; total_tokens: number };
};

describe('Ark fake: images/generations', () => {
  it('answers a URL on its own origin by default, a watermarked JPEG of the asked size, and usage', async () => {
    const response = await generate({ size: '1280x720' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^ark-req-\d+$/);
    const body = (await response.json()) as ArkAnswer;
    expect(body.model).toBe('seedream-4-0-250828');
    expect(body.usage).toEqual({ generated_images: 1, output_tokens: 3600, total_tokens: 3600 });
    const url = body.data[0]!.url!;
    expect(new URL(url).origin).toBe(fake.origin);
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 1280, height: 720 });
    // The default watermark: a white patch in the bottom-right corner.
    const corner = await sharp(bytes).extract({ left: 1270, top: 710, width: 4, height: 4 }).raw().toBuffer();
    expect(Math.min(...corner)).toBeGreaterThan(240);
  });

  it('makes a group of max_images with b64_json, capped by references + outputs ≤ 15', async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    const image = `data:image/png;base64,${png.toString('base64')}`;
    const response = await generate({
      size: '1K',
      image: Array.from({ length: 13 }, () => image),
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images: 4 },
      response_format: 'b64_json',
      watermark: false,
    });
    const body = (await response.json()) as ArkAnswer;
    expect(body.data).toHaveLength(2);
    const first = Buffer.from(body.data[0]!.b64_json!, 'base64');
    expect(await sharp(first).metadata()).toMatchObject({ width: 1024, height: 1024 });
    expect(body.data[0]!.size).toBe('1024x1024');
  });

  it('validates like Ark: 4.5 size rules, tiers, image data URLs and the group limit', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'seedream-4-5-251128', size: '1024x1024' }, 'size'],
      [{ model: 'seedream-4-5-251128', size: '1K' }, 'size'],
      [{ size: '4096x200' }, 'size'],
      [{ image: 'data:image/PNG;base64,AAAA' }, 'image'],
      [{ image: 'data:image/png;base64,PGh0bWw+' }, 'image'],
      [
        { sequential_image_generation_options: { max_images: 16 } },
        'sequential_image_generation_options.max_images',
      ],
      [{ response_format: 'png' }, 'response_format'],
      [{ prompt: '' }, 'prompt'],
    ];
    for (const [body, param] of cases) {
      const response = await generate(body);
      expect(response.status, param).toBe(400);
      const error = ((await response.json()) as ArkErrorBody).error;
      expect(error.param, param).toBe(param);
      expect(error.type).toBe('BadRequest');
      expect(error.message).toMatch(/Request id: ark-req-\d+$/);
    }
    expect((await generate({ model: 'seedream-4-5-251128', size: '2560x1440' })).status).toBe(200);
  });

  it('refuses a wrong key with 401 AuthenticationError, and lists its models', async () => {
    const response = await generate({}, 'wrong');
    expect(response.status).toBe(401);
    expect(((await response.json()) as ArkErrorBody).error).toMatchObject({
      code: 'AuthenticationError',
      type: 'Unauthorized',
    });
    const models = await fetch(`${fake.baseUrl}/models`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
    });
    const list = (await models.json()) as { data: { id: string }[] };
    expect(list.data.map((model) => model.id)).toContain('seedream-5-0-260128');
  });

  it('answers unknown and retired ids with 404 InvalidEndpointOrModel.NotFound, and serves ep- endpoints', async () => {
    for (const model of ['seededit-3-0-i2i-250628', 'seedream-9-9-999999']) {
      const response = await generate({ model });
      expect(response.status).toBe(404);
      expect(((await response.json()) as ArkErrorBody).error.code).toBe('InvalidEndpointOrModel.NotFound');
    }
    const endpoint = await generate({ model: 'ep-20260101000000-seedream', size: '2K' });
    expect(((await endpoint.json()) as ArkAnswer).model).toBe('seedream-4-5-251128');
  });

  it('streams one event per image, then the usage and [DONE]', async () => {
    fake.fail({ kind: 'content_policy', variant: 'per-image' });
    const response = await generate({
      size: '1K',
      stream: true,
      response_format: 'b64_json',
      sequential_image_generation: 'auto',
      sequential_image_generation_options: { max_images: 2 },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = [...(await response.text()).matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    expect(events).toEqual([
      'image_generation.partial_succeeded',
      'image_generation.partial_failed',
      'image_generation.completed',
    ]);
  });
});

describe('Ark fake: faults', () => {
  it('429 with Retry-After for rate limits and overload; QuotaExceeded and AccountOverdueError for quota', async () => {
    const expected: [Parameters<ArkFake['fail']>[0], number, string][] = [
      [{ kind: 'rate_limited' }, 429, 'RateLimitExceeded.EndpointRPMExceeded'],
      [{ kind: 'overloaded' }, 429, 'ServerOverloaded'],
      [{ kind: 'quota' }, 429, 'QuotaExceeded'],
      [{ kind: 'quota', variant: 'overdue' }, 403, 'AccountOverdueError'],
      [{ kind: 'content_policy', variant: 'output-image' }, 400, 'OutputImageSensitiveContentDetected'],
      [{ kind: 'server_error' }, 500, 'InternalServiceError'],
    ];
    for (const [fault, status, code] of expected) {
      fake.fail(fault);
      const response = await generate({});
      expect(response.status, code).toBe(status);
      expect(((await response.json()) as ArkErrorBody).error.code).toBe(code);
      if (status === 429) expect(response.headers.get('retry-after')).toBe('0');
    }
  });

  it('ends a group at an internal error, replacing that image with an error item', async () => {
    fake.groupSize = 3;
    fake.fail({ kind: 'server_error', variant: 'per-image' });
    const body = (await (
      await generate({
        size: '1K',
        response_format: 'b64_json',
        sequential_image_generation: 'auto',
        sequential_image_generation_options: { max_images: 5 },
      })
    ).json()) as ArkAnswer;
    fake.groupSize = undefined;
    expect(body.data.map((item) => item?.error?.code ?? 'image')).toEqual([
      'image',
      'image',
      'InternalServiceError',
    ]);
    expect(body.usage.generated_images).toBe(2);
  });

  it('drops the connection, and sends broken bodies on request', async () => {
    fake.fail({ kind: 'server_error', variant: 'drop' });
    await expect(generate({})).rejects.toThrow();

    fake.fail({ kind: 'invalid_json' });
    await expect((await generate({})).json()).rejects.toThrow();

    fake.fail({ kind: 'bad_image' });
    const bad = (await (await generate({ response_format: 'b64_json' })).json()) as ArkAnswer;
    await expect(sharp(Buffer.from(bad.data[0]!.b64_json!, 'base64')).metadata()).rejects.toThrow();
  });
});
