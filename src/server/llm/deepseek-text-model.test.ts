/**
 * Contract tests: the DeepSeek text model against the DeepSeek fake
 * (tests/fakes/deepseek.ts), for success and for every failure DeepSeek
 * answers, each mapped to its ProviderError code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX } from '../../../tests/fakes/chat-text';
import { startDeepSeekFake, type DeepSeekFake } from '../../../tests/fakes/deepseek';
import type { FaultKind } from '../../../tests/fakes/fake-server';
import { providerFailure } from '../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../providers/errors';
import { createDeepSeekTextModel } from './deepseek-text-model';
import type { TextModel } from './types';

let fake: DeepSeekFake;
let model: TextModel;
beforeAll(async () => {
  fake = await startDeepSeekFake();
  model = createDeepSeekTextModel({
    providerId: 'deepseek',
    model: 'deepseek-flash',
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
  });
});
afterAll(() => fake.close());

const complete = (user = 'a lighthouse on a cliff', signal = AbortSignal.timeout(10_000), on = model) =>
  on.complete({ system: 'Rewrite the prompt.', user, signal });

describe('DeepSeek text model: success', () => {
  it('sends system and user messages with thinking off, and returns the answer', async () => {
    const result = await complete();
    expect(result).toMatchObject({
      text: `a lighthouse on a cliff, ${FAKE_ENHANCE_SUFFIX}`,
      truncated: false,
      requestId: expect.stringMatching(/^chatcmpl-\d+$/) as string,
      inputTokens: expect.any(Number) as number,
      outputTokens: expect.any(Number) as number,
    });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const body = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'deepseek-flash',
      thinking: { type: 'disabled' },
      max_tokens: 2048,
      messages: [
        { role: 'system', content: 'Rewrite the prompt.' },
        { role: 'user', content: 'a lighthouse on a cliff' },
      ],
    });
  });

  it('waits through keep-alive whitespace before a slow answer', async () => {
    fake.fail({ kind: 'slow_headers', variant: 'keep-alive', delayMs: 150 });
    expect((await complete()).text).toContain(FAKE_ENHANCE_SUFFIX);
  });

  it('works with a V4 alias, which DeepSeek answers as deepseek-flash', async () => {
    const alias = createDeepSeekTextModel({
      providerId: 'deepseek',
      model: 'deepseek-v4-flash',
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
    });
    expect((await complete('dunes', undefined, alias)).text).toBe(`dunes, ${FAKE_ENHANCE_SUFFIX}`);
  });
});

describe('DeepSeek text model: failures', () => {
  const cases: [FaultKind, ProviderErrorCode, number | undefined][] = [
    ['unauthorized', 'auth', 401],
    ['quota', 'quota', 402],
    ['rate_limited', 'rate_limited', 429],
    ['server_error', 'provider_error', 500],
    ['overloaded', 'provider_error', 503],
    ['retired_model', 'model_unavailable', 404],
    ['invalid_json', 'provider_error', 200],
    ['wrong_shape', 'provider_error', 200],
    ['bad_image', 'provider_error', 200],
    ['content_policy', 'content_policy', 200],
  ];
  it.each(cases)('%s → %s', async (kind, code, status) => {
    fake.fail({ kind });
    const error = await providerFailure(complete());
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.providerId).toBe('deepseek');
  });

  it('rate_limited carries the Retry-After', async () => {
    fake.fail({ kind: 'rate_limited', variant: '7' });
    const error = await providerFailure(complete());
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 7_000 });
  });

  it('a retired model id answers model_unavailable, an unknown one invalid_request', async () => {
    for (const [id, code] of [
      ['deepseek-chat', 'model_unavailable'],
      ['deepseek-reasoner', 'model_unavailable'],
      ['deepseek-nope', 'invalid_request'],
    ] as const) {
      const retired = createDeepSeekTextModel({
        providerId: 'deepseek',
        model: id,
        apiKey: fake.apiKey,
        baseUrl: fake.baseUrl,
      });
      expect((await providerFailure(complete('x', undefined, retired))).code).toBe(code);
    }
  });

  it('a wrong key is auth', async () => {
    const wrong = createDeepSeekTextModel({
      providerId: 'deepseek',
      model: 'deepseek-flash',
      apiKey: 'sk-wrong',
      baseUrl: fake.baseUrl,
    });
    expect((await providerFailure(complete('x', undefined, wrong))).code).toBe('auth');
  });

  it('a hanging call ends as timeout when the signal fires', async () => {
    fake.fail({ kind: 'hang' });
    const started = performance.now();
    const error = await providerFailure(complete('x', AbortSignal.timeout(200)));
    expect(error.code).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('an unreachable server is provider_error', async () => {
    const closed = await startDeepSeekFake();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const gone = createDeepSeekTextModel({
      providerId: 'deepseek',
      model: 'deepseek-flash',
      apiKey: 'k',
      baseUrl,
    });
    expect((await providerFailure(complete('x', undefined, gone))).code).toBe('provider_error');
  });
});
