/**
 * The OpenAI fake speaks the Images API as providers.md §4.1 describes it;
 * these tests hold it to §7.1, so adapters tested against it meet the real
 * wire format.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retiredOpenAiModels, startOpenAiFake, type OpenAiFake } from './openai';

let fake: OpenAiFake;
beforeAll(async () => {
  fake = await startOpenAiFake({ now: () => new Date('2026-11-28T12:00:00Z') });
});
afterAll(() => fake.close());

const generate = (body: unknown, key = fake.apiKey, signal?: AbortSignal) =>
  fetch(`${fake.baseUrl}/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe('OpenAI fake: generations', () => {
  it('answers data[].b64_json with real images of the asked size, usage and a request id', async () => {
    const response = await generate({ model: 'gpt-image-2', prompt: 'a red fox', n: 2, size: '1024x1536' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req-\d+$/);
    const body = (await response.json()) as {
      data: { b64_json: string }[];
      usage: { total_tokens: number };
      size: string;
      output_format: string;
    };
    expect(body.data).toHaveLength(2);
    expect(body).toMatchObject({ size: '1024x1536', output_format: 'png' });
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    const metadata = await sharp(Buffer.from(body.data[0]!.b64_json, 'base64')).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 1024, height: 1536 });
  });

  it('takes custom sizes in 16 px steps on gpt-image-2 only, and other output formats', async () => {
    const custom = await generate({
      model: 'gpt-image-2',
      prompt: 'x',
      size: '1280x720',
      output_format: 'webp',
    });
    expect(custom.status).toBe(200);
    const body = (await custom.json()) as { data: { b64_json: string }[] };
    expect(await sharp(Buffer.from(body.data[0]!.b64_json, 'base64')).metadata()).toMatchObject({
      format: 'webp',
      width: 1280,
      height: 720,
    });
    expect((await generate({ model: 'gpt-image-2', prompt: 'x', size: '1000x700' })).status).toBe(400);
    expect((await generate({ model: 'gpt-image-2.5-flare', prompt: 'x', size: '4000x4000' })).status).toBe(
      400,
    );
  });

  it('refuses a missing or wrong key with 401 invalid_api_key', async () => {
    const response = await generate({ model: 'gpt-image-2', prompt: 'x' }, 'sk-wrong');
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  });

  it('validates like the API: response_format, seed, n and prompt length', async () => {
    const cases: [unknown, string][] = [
      [{ model: 'gpt-image-2', prompt: 'x', response_format: 'b64_json' }, 'response_format'],
      [{ model: 'gpt-image-2', prompt: 'x', seed: 7 }, 'seed'],
      [{ model: 'gpt-image-2', prompt: 'x', n: 11 }, 'n'],
      [{ model: 'gpt-image-2', prompt: 'x'.repeat(32_001) }, 'prompt'],
      [{ prompt: 'x' }, 'model'],
    ];
    for (const [body, param] of cases) {
      const response = await generate(body);
      expect(response.status, param).toBe(400);
      expect(((await response.json()) as ErrorBody).error.param).toBe(param);
    }
  });

  it('answers retired model ids with 404 model_not_found, and retires three more on 2026-12-01', async () => {
    const response = await generate({ model: 'gpt-image-1', prompt: 'x' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).error.code).toBe('model_not_found');
    expect(retiredOpenAiModels(new Date('2026-11-30T23:59:59Z'))).not.toContain('gpt-image-1.5');
    expect(retiredOpenAiModels(new Date('2026-12-01T00:00:00Z'))).toContain('gpt-image-1.5');
  });
});

describe('OpenAI fake: queued faults', () => {
  it('429 rate_limit_exceeded with Retry-After and rate-limit headers, once, then success', async () => {
    fake.fail({ kind: 'rate_limited', model: 'gpt-image-2' });
    const limited = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await limited.json()) as ErrorBody).error.code).toBe('rate_limit_exceeded');
    expect((await generate({ model: 'gpt-image-2', prompt: 'x' })).status).toBe(200);
  });

  it('tells quota (429 insufficient_quota) from content policy (400 moderation_blocked)', async () => {
    fake.fail({ kind: 'quota' });
    const quota = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect([quota.status, ((await quota.json()) as ErrorBody).error.code]).toEqual([
      429,
      'insufficient_quota',
    ]);

    fake.fail({ kind: 'content_policy', variant: 'with-details' });
    const blocked = await generate({ model: 'gpt-image-2', prompt: 'x' });
    const error = ((await blocked.json()) as ErrorBody & { error: { moderation_details?: unknown } }).error;
    expect(blocked.status).toBe(400);
    expect(error).toMatchObject({ type: 'image_generation_user_error', code: 'moderation_blocked' });
    expect(error.moderation_details).toEqual({ moderation_stage: 'input', categories: ['violence'] });
  });

  it('hangs until the client gives up, and sends broken bodies on request', async () => {
    fake.fail({ kind: 'hang' });
    await expect(
      generate({ model: 'gpt-image-2', prompt: 'x' }, fake.apiKey, AbortSignal.timeout(200)),
    ).rejects.toThrow();

    fake.fail({ kind: 'invalid_json' });
    const truncated = await generate({ model: 'gpt-image-2', prompt: 'x' });
    await expect(truncated.json()).rejects.toThrow();

    fake.fail({ kind: 'bad_image' });
    const bad = (await (await generate({ model: 'gpt-image-2', prompt: 'x' })).json()) as {
      data: { b64_json: string }[];
    };
    await expect(sharp(Buffer.from(bad.data[0]!.b64_json, 'base64')).metadata()).rejects.toThrow();
  });
});

describe('OpenAI fake: edits and files', () => {
  it('parses multipart edits with several image[] files, and requires one', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#08f' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.set('model', 'gpt-image-2');
    form.set('prompt', 'make it night');
    form.append('image[]', new Blob([png], { type: 'image/png' }), 'a.png');
    form.append('image[]', new Blob([png], { type: 'image/png' }), 'b.png');
    const edit = await fetch(`${fake.baseUrl}/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: form,
    });
    expect(edit.status).toBe(200);
    expect(fake.requests.at(-1)?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);

    const empty = new FormData();
    empty.set('model', 'gpt-image-2');
    empty.set('prompt', 'x');
    const missing = await fetch(`${fake.baseUrl}/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}` },
      body: empty,
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as ErrorBody).error.param).toBe('image');
  });

  it('serves files from its own origin until they expire', async () => {
    const url = fake.addFile(new Uint8Array([1, 2, 3]), 'image/png');
    expect(new URL(url).origin).toBe(fake.origin);
    const served = await fetch(url);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    fake.expireFiles();
    expect((await fetch(url)).status).toBe(404);
  });
});

describe('OpenAI fake: model list', () => {
  it('lists models for the right key and answers 401 otherwise', async () => {
    const fake = await startOpenAiFake({ apiKey: 'sk-list', extraModels: ['flux-dev'] });
    try {
      const ok = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: 'Bearer sk-list' } });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { object: string; data: { id: string }[] };
      expect(body.object).toBe('list');
      expect(body.data.map((m) => m.id)).toEqual(['gpt-image-2', 'flux-dev']);
      const denied = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: 'Bearer nope' } });
      expect(denied.status).toBe(401);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    } finally {
      await fake.close();
    }
  });
});
