/**
 * The DeepSeek fake speaks DeepSeek's protocol (providers.md §4.7, §7.7):
 * checked over plain HTTP, without any adapter, so the adapters' contract
 * tests rest on a fake that is right by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX, FAKE_ENHANCE_SUFFIX_ZH, fakeTranslation } from './chat-text';
import { startDeepSeekFake, type DeepSeekFake } from './deepseek';
import type { FaultKind } from './fake-server';

let fake: DeepSeekFake;
beforeAll(async () => {
  fake = await startDeepSeekFake({ keepAliveIntervalMs: 20 });
});
afterAll(() => fake.close());

const messages = (user: string, system = 'Rewrite the prompt.') => [
  { role: 'system', content: system },
  { role: 'user', content: user },
];

function post(body: unknown, init: { key?: string | null; path?: string; signal?: AbortSignal } = {}) {
  const key = init.key === undefined ? fake.apiKey : init.key;
  return fetch(`${fake.baseUrl}${init.path ?? '/chat/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal ?? AbortSignal.timeout(5_000),
  });
}

interface ErrorBody {
  error: { message: string; type: string; param: unknown; code: unknown };
}

describe('DeepSeek fake: chat completions', () => {
  it('answers in the chat.completion shape, with reasoning only while thinking', async () => {
    const thinking = await post({ model: 'deepseek-flash', messages: messages('a red fox') });
    expect(thinking.status).toBe(200);
    const body = (await thinking.json()) as {
      object: string;
      model: string;
      choices: {
        index: number;
        message: { role: string; content: string; reasoning_content?: string };
        finish_reason: string;
      }[];
      usage: Record<string, unknown>;
    };
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0]).toMatchObject({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: `a red fox, ${FAKE_ENHANCE_SUFFIX}` },
    });
    expect(body.choices[0]?.message.reasoning_content).toEqual(expect.any(String) as string);
    expect(body.usage).toMatchObject({
      prompt_cache_hit_tokens: 0,
      prompt_cache_miss_tokens: expect.any(Number) as number,
      completion_tokens_details: { reasoning_tokens: expect.any(Number) as number },
    });

    const plain = await post({
      model: 'deepseek-flash',
      messages: messages('a red fox'),
      thinking: { type: 'disabled' },
    });
    const plainBody = (await plain.json()) as {
      choices: { message: Record<string, unknown> }[];
      usage: object;
    };
    expect(plainBody.choices[0]?.message).not.toHaveProperty('reasoning_content');
    expect(plainBody.usage).not.toHaveProperty('completion_tokens_details');
  });

  it('enhances Chinese in Chinese and translates when the instructions ask for it', async () => {
    const enhanced = (await (
      await post({ model: 'deepseek-flash', messages: messages('一只橘猫') })
    ).json()) as { choices: { message: { content: string } }[] };
    expect(enhanced.choices[0]?.message.content).toBe(`一只橘猫，${FAKE_ENHANCE_SUFFIX_ZH}`);

    const translated = (await (
      await post({
        model: 'deepseek-flash',
        messages: messages('一只橘猫坐在窗台上看日落', 'Translate the prompt into English.'),
      })
    ).json()) as { choices: { message: { content: string } }[] };
    expect(translated.choices[0]?.message.content).toBe(
      'a ginger cat sitting on the windowsill watching the sunset',
    );
    expect(fakeTranslation('雪山，watercolor')).toBe('snowy mountains, watercolor');
  });

  it('also answers under /v1 and lists its models for a key check', async () => {
    expect(
      (await post({ model: 'deepseek-flash', messages: messages('x') }, { path: '/v1/chat/completions' }))
        .status,
    ).toBe(200);
    const models = await fetch(`${fake.baseUrl}/models`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
    });
    expect(await models.json()).toEqual({
      object: 'list',
      data: [{ id: 'deepseek-flash', object: 'model', owned_by: 'deepseek' }],
    });
    expect((await fetch(`${fake.baseUrl}/models`)).status).toBe(401);
  });

  it('streams Server-Sent Events that end with data: [DONE]', async () => {
    const response = await post({
      model: 'deepseek-flash',
      messages: messages('a quiet harbour'),
      stream: true,
      thinking: { type: 'disabled' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map(
      (event) =>
        JSON.parse(event.slice('data: '.length)) as {
          choices: { delta: { content?: string }; finish_reason: string | null }[];
          usage?: object;
        },
    );
    const text = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(text).toBe(`a quiet harbour, ${FAKE_ENHANCE_SUFFIX}`);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject({ total_tokens: expect.any(Number) as number });
  });

  it('keeps a slow answer alive with whitespace, or SSE comments when streaming', async () => {
    fake.fail({ kind: 'slow_headers', variant: 'keep-alive', delayMs: 120 });
    const plain = await post({ model: 'deepseek-flash', messages: messages('dunes') });
    const text = await plain.text();
    expect(text.startsWith('\n')).toBe(true);
    expect((JSON.parse(text) as { object: string }).object).toBe('chat.completion');

    fake.fail({ kind: 'slow_headers', variant: 'keep-alive', delayMs: 120 });
    const streamed = await (
      await post({ model: 'deepseek-flash', messages: messages('dunes'), stream: true })
    ).text();
    expect(streamed.startsWith(': keep-alive\n\n')).toBe(true);
    expect(streamed.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});

describe('DeepSeek fake: model ids and validation', () => {
  it('answers retired ids with 404 and takes the V4 names as aliases', async () => {
    for (const model of ['deepseek-chat', 'deepseek-reasoner']) {
      const response = await post({ model, messages: messages('x') });
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorBody).error).toMatchObject({
        code: 'model_not_found',
        param: 'model',
      });
    }
    const alias = await post({ model: 'deepseek-v4-pro', messages: messages('x') });
    expect(alias.status).toBe(200);
    expect(((await alias.json()) as { model: string }).model).toBe('deepseek-flash');
    const unknown = await post({ model: 'deepseek-nope', messages: messages('x') });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as ErrorBody).error.message).toBe('Model Not Exist');
  });

  it('answers 400 for a body that is not JSON and 422 for bad parameters', async () => {
    const broken = await post('{"model": ');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).error.type).toBe('invalid_request_error');
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'deepseek-flash' }, 'messages'],
      [{ model: 'deepseek-flash', messages: [] }, 'messages'],
      [{ model: 'deepseek-flash', messages: [{ role: 'wizard', content: 'x' }] }, 'messages'],
      [{ model: 'deepseek-flash', messages: messages('x'), temperature: 3 }, 'temperature'],
      [{ model: 'deepseek-flash', messages: messages('x'), max_tokens: 0 }, 'max_tokens'],
      [{ model: 'deepseek-flash', messages: messages('x'), thinking: { type: 'maybe' } }, 'thinking'],
    ];
    for (const [body, param] of cases) {
      const response = await post(body);
      expect(response.status).toBe(422);
      expect(((await response.json()) as ErrorBody).error.param).toBe(param);
    }
  });

  it('refuses a missing or wrong key with 401 authentication_error', async () => {
    for (const key of [null, 'sk-wrong']) {
      const response = await post({ model: 'deepseek-flash', messages: messages('x') }, { key });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).error.type).toBe('authentication_error');
    }
  });
});

describe('DeepSeek fake: every fault', () => {
  const body = { model: 'deepseek-flash', messages: messages('a tower') };
  const errors: [FaultKind, number, string][] = [
    ['unauthorized', 401, 'authentication_error'],
    ['rate_limited', 429, 'rate_limit_error'],
    ['quota', 402, 'unknown_error'],
    ['server_error', 500, 'internal_error'],
    ['overloaded', 503, 'service_unavailable_error'],
    ['retired_model', 404, 'invalid_request_error'],
  ];
  it.each(errors)('%s answers %i with error.type %s', async (kind, status, type) => {
    fake.fail({ kind });
    const response = await post(body);
    expect(response.status).toBe(status);
    const error = ((await response.json()) as ErrorBody).error;
    expect(error).toMatchObject({ type, message: expect.any(String) as string });
    if (kind === 'rate_limited') expect(response.headers.get('retry-after')).toBe('0');
  });

  it('rate_limited carries the Retry-After it is given', async () => {
    fake.fail({ kind: 'rate_limited', variant: '7' });
    expect((await post(body)).headers.get('retry-after')).toBe('7');
  });

  it('content_policy is an answer stopped on the content filter', async () => {
    fake.fail({ kind: 'content_policy' });
    const answer = (await (await post(body)).json()) as {
      choices: { finish_reason: string; message: { content: string } }[];
    };
    expect(answer.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: '' } });
  });

  it('invalid_json, wrong_shape and bad_image answer 200 with nothing usable', async () => {
    fake.fail({ kind: 'invalid_json' });
    const truncated = await (await post(body)).text();
    expect(() => JSON.parse(truncated) as unknown).toThrow();

    fake.fail({ kind: 'wrong_shape' });
    expect(await (await post(body)).json()).toMatchObject({ choices: 'none' });

    fake.fail({ kind: 'bad_image' });
    const empty = (await (await post(body)).json()) as { choices: { message: { content: string } }[] };
    expect(empty.choices[0]?.message.content).toBe('');
  });

  it('hang never answers until the client gives up; slow_headers answers late', async () => {
    fake.fail({ kind: 'hang' });
    await expect(post(body, { signal: AbortSignal.timeout(150) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });

    fake.fail({ kind: 'slow_headers', delayMs: 150 });
    const started = performance.now();
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('takes faults over HTTP at /__control/faults', async () => {
    const queued = await fetch(`${fake.origin}/__control/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'overloaded' }),
    });
    expect(queued.status).toBe(204);
    expect((await post(body)).status).toBe(503);
    expect((await post(body)).status).toBe(200);
  });

  it('a fault queued for one model leaves the others alone, and the requests are logged', async () => {
    fake.fail({ kind: 'server_error', model: 'deepseek-v4-flash' });
    expect((await post(body)).status).toBe(200);
    expect((await post({ ...body, model: 'deepseek-v4-flash' })).status).toBe(500);
    const last = fake.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', path: '/chat/completions' });
    expect(last.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });
});
