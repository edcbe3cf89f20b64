/**
 * Contract tests: the OpenRouter text model against the OpenRouter fake's
 * chat completions for a text model (tests/fakes/openrouter.ts): success,
 * and every failure mapped through OpenRouter's error table, including
 * moderation (403) and errors inside an HTTP 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX } from '../../../tests/fakes/chat-text';
import type { FaultKind } from '../../../tests/fakes/fake-server';
import { startOpenRouterFake, type OpenRouterFake } from '../../../tests/fakes/openrouter';
import { providerFailure } from '../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../providers/errors';
import { createOpenRouterTextModel } from './openrouter-text-model';
import type { TextModel } from './types';

let fake: OpenRouterFake;
let model: TextModel;
const build = (id: string, apiKey = fake.apiKey) =>
  createOpenRouterTextModel({
    providerId: 'openrouter',
    model: id,
    apiKey,
    baseUrl: fake.baseUrl,
    appUrl: 'https://images.example.com',
  });
beforeAll(async () => {
  fake = await startOpenRouterFake();
  model = build('openai/gpt-5.4-mini');
});
afterAll(() => fake.close());

const complete = (user = 'a harbour at dusk', signal = AbortSignal.timeout(10_000), on = model) =>
  on.complete({ system: 'Rewrite the prompt.', user, signal });

describe('OpenRouter text model: success', () => {
  it('asks for text only and returns the answer, attributed to the app', async () => {
    const result = await complete();
    expect(result).toMatchObject({
      text: `a harbour at dusk, ${FAKE_ENHANCE_SUFFIX}`,
      truncated: false,
      requestId: expect.stringMatching(/^gen-\d+$/) as string,
    });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/api/v1/chat/completions');
    expect(sent.headers['http-referer']).toBe('https://images.example.com');
    const body = JSON.parse(sent.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'openai/gpt-5.4-mini' });
    expect(body).not.toHaveProperty('modalities');
  });
});

describe('OpenRouter text model: failures', () => {
  const cases: [FaultKind, string | undefined, ProviderErrorCode, number][] = [
    ['unauthorized', undefined, 'auth', 401],
    ['quota', undefined, 'quota', 402],
    ['rate_limited', '3', 'rate_limited', 429],
    ['server_error', undefined, 'provider_error', 500],
    ['server_error', 'upstream', 'provider_error', 502],
    ['server_error', 'timeout', 'timeout', 408],
    ['server_error', 'in-body', 'provider_error', 200],
    ['overloaded', undefined, 'provider_error', 503],
    ['content_policy', undefined, 'content_policy', 403],
    ['content_policy', 'in-body', 'content_policy', 200],
    ['content_policy', 'filtered', 'content_policy', 200],
    ['retired_model', undefined, 'model_unavailable', 404],
    ['invalid_json', undefined, 'provider_error', 200],
    ['wrong_shape', undefined, 'provider_error', 200],
    ['bad_image', undefined, 'provider_error', 200],
  ];
  it.each(cases)('%s %s → %s', async (kind, variant, code, status) => {
    fake.fail({ kind, ...(variant ? { variant } : {}) });
    const error = await providerFailure(complete());
    expect(error).toMatchObject({ code, status, providerId: 'openrouter' });
  });

  it('rate_limited carries the Retry-After', async () => {
    fake.fail({ kind: 'rate_limited', variant: '3' });
    expect(await providerFailure(complete())).toMatchObject({ retryAfterMs: 3_000 });
  });

  it('an unknown model is invalid_request; a wrong key is auth', async () => {
    expect((await providerFailure(complete('x', undefined, build('nobody/nothing')))).code).toBe(
      'invalid_request',
    );
    expect(
      (await providerFailure(complete('x', undefined, build('openai/gpt-5.4-mini', 'sk-or-wrong')))).code,
    ).toBe('auth');
  });

  it('a hanging call ends as timeout when the signal fires', async () => {
    fake.fail({ kind: 'hang' });
    expect((await providerFailure(complete('x', AbortSignal.timeout(200)))).code).toBe('timeout');
  });
});
