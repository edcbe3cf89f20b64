import { describe, expect, it } from 'vitest';
import {
  ProviderError,
  isProviderError,
  parseRetryAfterMs,
  providerErrorCodes,
  providerErrorFromStatus,
  toProviderError,
  type ProviderErrorCode,
} from './errors';

describe('ProviderError codes', () => {
  const expected: Record<ProviderErrorCode, { isTransient: boolean; canFallBack: boolean }> = {
    auth: { isTransient: false, canFallBack: true },
    quota: { isTransient: false, canFallBack: true },
    rate_limited: { isTransient: true, canFallBack: true },
    content_policy: { isTransient: false, canFallBack: false },
    invalid_request: { isTransient: false, canFallBack: false },
    model_unavailable: { isTransient: false, canFallBack: true },
    timeout: { isTransient: true, canFallBack: true },
    provider_error: { isTransient: true, canFallBack: true },
  };

  it.each(providerErrorCodes)('%s: retry and fallback follow the code', (code) => {
    const error = new ProviderError(code);
    expect({ isTransient: error.isTransient, canFallBack: error.canFallBack }).toEqual(expected[code]);
  });

  it('keeps the details it was given', () => {
    const cause = new Error('socket hang up');
    const error = new ProviderError('rate_limited', {
      retryAfterMs: 1500,
      status: 429,
      providerId: 'openai',
      detail: 'slow down',
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(isProviderError(error)).toBe(true);
    expect(isProviderError(new Error('x'))).toBe(false);
    expect(error).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 1500,
      status: 429,
      providerId: 'openai',
    });
    expect(error.message).toBe('slow down');
    expect(error.cause).toBe(cause);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');

  it('prefers retry-after-ms, then reads retry-after as seconds or a date', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(parseRetryAfterMs({ 'Retry-After': '2' }, now)).toBe(2000);
    expect(parseRetryAfterMs({ 'retry-after': '1.5' }, now)).toBe(1500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Sat, 28 Nov 2026 12:00:30 GMT' }), now)).toBe(
      30_000,
    );
  });

  it('counts a past date as no wait and ignores what it cannot read', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sat, 28 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-5' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });
});

describe('providerErrorFromStatus', () => {
  it.each([
    [400, 'invalid_request'],
    [401, 'auth'],
    [402, 'quota'],
    [403, 'auth'],
    [404, 'model_unavailable'],
    [408, 'timeout'],
    [409, 'provider_error'],
    [410, 'model_unavailable'],
    [422, 'invalid_request'],
    [429, 'rate_limited'],
    [500, 'provider_error'],
    [502, 'provider_error'],
    [503, 'provider_error'],
    [504, 'timeout'],
    [200, 'provider_error'],
  ] as const)('%i → %s', (status, code) => {
    const error = providerErrorFromStatus(status, { providerId: 'fal' });
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.providerId).toBe('fal');
  });

  it('reads Retry-After on a 429', () => {
    expect(providerErrorFromStatus(429, { headers: { 'retry-after': '3' } }).retryAfterMs).toBe(3000);
    expect(providerErrorFromStatus(429).retryAfterMs).toBeUndefined();
  });
});

describe('toProviderError', () => {
  it('returns a ProviderError unchanged', () => {
    const error = new ProviderError('quota');
    expect(toProviderError(error)).toBe(error);
  });

  it('reads an abort or a timeout of the signal as a timeout', () => {
    const controller = new AbortController();
    controller.abort();
    const fromAbort = toProviderError(controller.signal.reason, { providerId: 'local' });
    expect(fromAbort).toMatchObject({ code: 'timeout', providerId: 'local' });
    expect(fromAbort.cause).toBe(controller.signal.reason);
    const fromTimeout = toProviderError(new DOMException('The operation timed out.', 'TimeoutError'));
    expect(fromTimeout.code).toBe('timeout');
  });

  it('reads an AI SDK APICallError by its status and headers, inside a RetryError too', () => {
    const apiCallError = Object.assign(new Error('Too Many Requests'), {
      name: 'AI_APICallError',
      statusCode: 429,
      responseHeaders: { 'retry-after': '1' },
    });
    expect(toProviderError(apiCallError)).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 1000,
      status: 429,
    });
    const retryError = Object.assign(new Error('Failed after 3 attempts'), {
      name: 'AI_RetryError',
      lastError: Object.assign(new Error('Unauthorized'), { name: 'AI_APICallError', statusCode: 401 }),
    });
    expect(toProviderError(retryError).code).toBe('auth');
  });

  it('reads objects carrying an HTTP status (fal ApiError)', () => {
    expect(toProviderError({ name: 'ApiError', status: 422, body: {} }).code).toBe('invalid_request');
    expect(toProviderError({ status: 'nope' }).code).toBe('provider_error');
  });

  it('makes anything else a transient provider_error keeping the cause', () => {
    const network = new TypeError('fetch failed');
    const error = toProviderError(network, { providerId: 'replicate' });
    expect(error).toMatchObject({ code: 'provider_error', providerId: 'replicate' });
    expect(error.isTransient).toBe(true);
    expect(error.cause).toBe(network);
    expect(toProviderError('a string').code).toBe('provider_error');
    expect(toProviderError(undefined).code).toBe('provider_error');
  });
});
