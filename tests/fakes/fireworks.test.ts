/**
 * The Fireworks fake speaks the FLUX workflows API as providers.md §4.4
 * describes it; these tests hold it to §7.4 with plain fetch, so the adapter
 * tested against it meets the real wire format.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUX_SCHNELL, KONTEXT_PRO, startFireworksFake, type FireworksFake } from './fireworks';

let fake: FireworksFake;
beforeAll(async () => {
  fake = await startFireworksFake();
});
afterAll(() => fake.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

const textToImage = `/workflows/${FLUX_SCHNELL}/text_to_image`;
const submit = `/workflows/${KONTEXT_PRO}`;
const getResult = `/workflows/${KONTEXT_PRO}/get_result`;

type StructuredError = { error: { object: string; type: string; code: string; message: string } };
type PollBody = { id: string; status: string; result: { sample?: string } | null };

describe('Fireworks fake: FLUX.1 text_to_image', () => {
  it('answers raw image bytes with Seed and Finish-Reason headers, sized by the ratio', async () => {
    const response = await post(
      textToImage,
      { prompt: 'a fox', aspect_ratio: '16:9', seed: 42 },
      {
        accept: 'image/png',
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('seed')).toBe('42');
    expect(response.headers.get('finish-reason')).toBe('SUCCESS');
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 1360, height: 768 });
  });

  it('answers JSON with base64 data URLs for Accept: application/json', async () => {
    const response = await post(textToImage, { prompt: 'a fox' }, { accept: 'application/json' });
    const body = (await response.json()) as { base64: string[]; finishReason: string; seed: number };
    expect(body.finishReason).toBe('SUCCESS');
    expect(body.seed).toBeGreaterThan(0);
    expect(body.base64[0]).toMatch(/^data:image\/png;base64,/);
  });

  it('refuses a wrong key with 401 and bad fields with 400, in the structured shape', async () => {
    const unauthorized = await post(textToImage, { prompt: 'x' }, { authorization: 'Bearer fw_wrong' });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as StructuredError).error).toMatchObject({ object: 'error' });
    const badRatio = await post(textToImage, { prompt: 'x', aspect_ratio: '7:5' });
    expect(badRatio.status).toBe(400);
    expect(((await badRatio.json()) as StructuredError).error.message).toContain('aspect_ratio');
    expect((await post(textToImage, { aspect_ratio: '1:1' })).status).toBe(400);
  });

  it('lists its models at GET /models for a cheap key check', async () => {
    const list = await fetch(`${fake.baseUrl}/models`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
    });
    const body = (await list.json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toContain(FLUX_SCHNELL);
    expect((await fetch(`${fake.baseUrl}/models`)).status).toBe(401);
  });

  it('answers unknown models with 404, and a content filter as a 200 marked CONTENT_FILTERED', async () => {
    const unknown = await post('/workflows/accounts/fireworks/models/flux-9/text_to_image', { prompt: 'x' });
    expect(unknown.status).toBe(404);
    fake.fail({ kind: 'content_policy', model: FLUX_SCHNELL });
    const filtered = await post(textToImage, { prompt: 'x' });
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get('finish-reason')).toBe('CONTENT_FILTERED');
  });
});

describe('Fireworks fake: Kontext', () => {
  it('submits, stays Pending once, then is Ready with a sample on its own origin', async () => {
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0af' } })
      .png()
      .toBuffer();
    const submitted = await post(submit, {
      prompt: 'make it dusk',
      input_image: `data:image/png;base64,${png.toString('base64')}`,
      output_format: 'jpeg',
    });
    const { request_id: id } = (await submitted.json()) as { request_id: string };
    expect(id).toMatch(/^fw-request-\d+$/);
    const first = (await (await post(getResult, { id })).json()) as PollBody;
    expect(first).toMatchObject({ id, status: 'Pending', result: null });
    const second = (await (await post(getResult, { id })).json()) as PollBody;
    expect(second.status).toBe('Ready');
    const sample = second.result!.sample!;
    expect(new URL(sample).origin).toBe(fake.origin);
    const metadata = await sharp(Buffer.from(await (await fetch(sample)).arrayBuffer())).metadata();
    // The input image's 2:1 ratio at about one megapixel.
    expect(metadata).toMatchObject({ format: 'jpeg', width: 1456, height: 720 });
  });

  it('ends in a queued status, and says Task not found for ids it never issued', async () => {
    fake.queueKontextOutcome('Content Moderated', { pendingPolls: 0 });
    const { request_id: id } = (await (await post(submit, { prompt: 'x' })).json()) as { request_id: string };
    expect(((await (await post(getResult, { id })).json()) as PollBody).status).toBe('Content Moderated');
    const missing = (await (await post(getResult, { id: 'nope' })).json()) as PollBody;
    expect(missing.status).toBe('Task not found');
  });

  it('validates aspect ratios between 21:9 and 9:21 and decodable input images', async () => {
    expect((await post(submit, { prompt: 'x', aspect_ratio: '3:1' })).status).toBe(400);
    expect((await post(submit, { prompt: 'x', aspect_ratio: '10:7' })).status).toBe(200);
    expect((await post(submit, { prompt: 'x', input_image: 'data:image/png;base64,AAAA' })).status).toBe(400);
  });
});

describe('Fireworks fake: queued faults', () => {
  it('429 with Retry-After, in the plain shape on request', async () => {
    fake.fail({ kind: 'rate_limited', variant: 'plain', path: `/inference/v1${submit}` });
    const limited = await post(submit, { prompt: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    expect(await limited.json()).toEqual({ error: expect.any(String) as string });
  });

  it('402 and 412 for quota, 503 overloaded, and broken bodies', async () => {
    fake.fail({ kind: 'quota' });
    expect((await post(textToImage, { prompt: 'x' })).status).toBe(402);
    fake.fail({ kind: 'quota', variant: 'suspended' });
    expect((await post(textToImage, { prompt: 'x' })).status).toBe(412);
    fake.fail({ kind: 'overloaded' });
    expect((await post(textToImage, { prompt: 'x' })).status).toBe(503);
    fake.fail({ kind: 'invalid_json' });
    await expect((await post(submit, { prompt: 'x' })).json()).rejects.toThrow();
    fake.fail({ kind: 'bad_image' });
    const bad = await post(textToImage, { prompt: 'x' });
    await expect(sharp(Buffer.from(await bad.arrayBuffer())).metadata()).rejects.toThrow();
  });

  it('hangs until the client gives up', async () => {
    fake.fail({ kind: 'hang' });
    await expect(post(textToImage, { prompt: 'x' }, {}, AbortSignal.timeout(200))).rejects.toThrow();
  });
});
