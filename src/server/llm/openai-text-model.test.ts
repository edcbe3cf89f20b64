/**
 * Contract tests: the OpenAI text model against the chat completions
 * endpoint of the OpenAI fake (tests/fakes/openai.ts): success, and every
 * failure mapped through OpenAI's error table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX } from '../../../tests/fakes/chat-text';
import type { FaultKind } from '../../../tests/fakes/fake-server';
import { startOpenAiFake, type OpenAiFake } from '../../../tests/fakes/openai';
import { providerFailure } from '../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../providers/errors';
import { createOpenAiTextModel } from './openai-text-model';
import type { TextModel } from './types';

let fake: OpenAiFake;
let model: TextModel;
const build = (id: string, apiKey = fake.apiKey) =>
  createOpenAiTextModel({ providerId: 'openai', model: id, apiKey, baseUrl: fake.baseUrl });
beforeAll(async () => {
  fake = await startOpenAiFake();
  model = build('gpt-5.4-mini');
});
afterAll(() => fake.close());

const complete = (user = 'a red fox in snow', signal = AbortSignal.timeout(10_000), on = model) =>
  on.complete({ system: 'Translate the prompt into English.', user, signal });

describe('OpenAI text model: success', () => {
  it('posts to /v1/chat/completions with max_completion_tokens and returns the answer', async () => {
    const result = await complete('一只橘猫坐在窗台上');
    expect(result).toMatchObject({
      text: 'a ginger cat sitting on the windowsill',
      truncated: false,
      requestId: expect.stringMatching(/^chatcmpl-\d+$/) as string,
    });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const body = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'gpt-5.4-mini', max_completion_tokens: 2048 });
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('works with a model that is not a reasoning one', async () => {
    const result = await complete('a red fox', undefined, build('gpt-4.1-mini'));
    expect(result.text).toBe('a red fox');
    const plain = build('gpt-4.1-mini');
    const enhanced = await plain.complete({
      system: 'Rewrite the prompt.',
      user: 'a red fox',
      signal: AbortSignal.timeout(10_000),
    });
    expect(enhanced.text).toBe(`a red fox, ${FAKE_ENHANCE_SUFFIX}`);
  });
});

describe('OpenAI text model: failures', () => {
  const cases: [FaultKind, string | undefined, ProviderErrorCode, number][] = [
    ['unauthorized', undefined, 'auth', 401],
    ['rate_limited', undefined, 'rate_limited', 429],
    ['quota', undefined, 'quota', 429],
    ['server_error', undefined, 'provider_error', 500],
    ['overloaded', undefined, 'provider_error', 503],
    ['retired_model', undefined, 'model_unavailable', 404],
    ['content_policy', undefined, 'content_policy', 400],
    ['content_policy', 'filtered', 'content_policy', 200],
    ['invalid_json', undefined, 'provider_error', 200],
    ['wrong_shape', undefined, 'provider_error', 200],
    ['bad_image', undefined, 'provider_error', 200],
  ];
  it.each(cases)('%s %s → %s', async (kind, variant, code, status) => {
    fake.fail({ kind, ...(variant ? { variant } : {}), path: '/v1/chat/completions' });
    const error = await providerFailure(complete());
    expect(error).toMatchObject({ code, status, providerId: 'openai' });
  });

  it('rate_limited carries the Retry-After (0 in the fake)', async () => {
    fake.fail({ kind: 'rate_limited', path: '/v1/chat/completions' });
    expect(await providerFailure(complete())).toMatchObject({ code: 'rate_limited', retryAfterMs: 0 });
  });

  it('a wrong key is auth; an unknown model is model_unavailable', async () => {
    expect((await providerFailure(complete('x', undefined, build('gpt-5.4-mini', 'sk-wrong')))).code).toBe(
      'auth',
    );
    expect((await providerFailure(complete('x', undefined, build('gpt-0-nope')))).code).toBe(
      'model_unavailable',
    );
  });

  it('a hanging call ends as timeout when the signal fires', async () => {
    fake.fail({ kind: 'hang', path: '/v1/chat/completions' });
    expect((await providerFailure(complete('x', AbortSignal.timeout(200)))).code).toBe('timeout');
  });
});
