import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ProviderErrorCode } from './errors';
import { runWithRetry, type AttemptContext, type RetryOptions } from './retry';
import { backoffDelayMs, defaultRetryPolicy, parseRetryPolicy, resolveRetryPolicy } from './retry-policy';
import { ProviderOptionsError } from './env';

/** A clock that only moves when the loop sleeps or a call says so, and records every sleep. */
function fakeTime(options: { abortOnSleep?: AbortController } = {}) {
  let time = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
    sleep: async (ms: number, signal: AbortSignal) => {
      sleeps.push(ms);
      options.abortOnSleep?.abort();
      if (signal.aborted) throw signal.reason;
      time += ms;
    },
  };
}

function setup(overrides: Partial<RetryOptions> = {}) {
  const controller = new AbortController();
  const time = fakeTime();
  const options: RetryOptions = {
    signal: controller.signal,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    ...overrides,
  };
  return { controller, time, options };
}

const repeat = (code: ProviderErrorCode): ProviderErrorCode[] => Array.from({ length: 10 }, () => code);

/** A call that throws the given codes in turn, then returns "done". */
function scripted(codes: (ProviderErrorCode | { code: ProviderErrorCode; retryAfterMs: number })[]) {
  const calls: AttemptContext[] = [];
  const call = async (context: AttemptContext) => {
    calls.push(context);
    const next = codes[calls.length - 1];
    if (next === undefined) return 'done';
    throw typeof next === 'string' ? new ProviderError(next) : new ProviderError(next.code, next);
  };
  return { calls, call };
}

describe('runWithRetry', () => {
  it('returns the first success without waiting', async () => {
    const { options, time } = setup();
    const { call, calls } = scripted([]);
    const outcome = await runWithRetry(call, options);
    expect(outcome).toEqual({ ok: true, value: 'done', attempts: [{ attempt: 1, latencyMs: 0 }] });
    expect(calls.map((c) => c.attempt)).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  it('retries transient errors and succeeds within the limit', async () => {
    const { options, time } = setup();
    const { call, calls } = scripted(['rate_limited', 'timeout', 'provider_error']);
    const outcome = await runWithRetry(call, options);
    expect(outcome.ok).toBe(true);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(outcome.attempts.map((a) => a.errorCode)).toEqual([
      'rate_limited',
      'timeout',
      'provider_error',
      undefined,
    ]);
    // random() = 0.5 of the doubling ceilings 500, 1000, 2000.
    expect(time.sleeps).toEqual([250, 500, 1000]);
  });

  it('gives up after maxAttempts transient failures', async () => {
    const { options, time } = setup();
    const { call, calls } = scripted(repeat('provider_error'));
    const outcome = await runWithRetry(call, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'exhausted', error: { code: 'provider_error' } });
    expect(calls).toHaveLength(defaultRetryPolicy.maxAttempts);
    expect(outcome.attempts).toHaveLength(5);
    expect(time.sleeps).toHaveLength(4);
    expect(outcome.attempts.at(-1)?.delayMs).toBeUndefined();
  });

  it('takes its limit from the policy', async () => {
    const { options } = setup({ policy: { maxAttempts: 2 } });
    const { call, calls } = scripted(repeat('timeout'));
    const outcome = await runWithRetry(call, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'exhausted' });
    expect(calls).toHaveLength(2);
  });

  it.each(['auth', 'quota', 'content_policy', 'invalid_request', 'model_unavailable'] as const)(
    'stops at once on %s',
    async (code) => {
      const { options, time } = setup();
      const { call, calls } = scripted([code]);
      const outcome = await runWithRetry(call, options);
      expect(outcome).toMatchObject({ ok: false, reason: 'permanent', error: { code } });
      expect(calls).toHaveLength(1);
      expect(outcome.attempts).toEqual([{ attempt: 1, latencyMs: 0, errorCode: code }]);
      expect(time.sleeps).toEqual([]);
    },
  );

  it('waits at least the Retry-After, longer when the backoff says so', async () => {
    const { options, time } = setup({ random: () => 0.99 });
    const { call } = scripted([
      { code: 'rate_limited', retryAfterMs: 3000 },
      { code: 'rate_limited', retryAfterMs: 100 },
      { code: 'rate_limited', retryAfterMs: 100 },
    ]);
    const outcome = await runWithRetry(call, options);
    expect(outcome.ok).toBe(true);
    // Backoffs would be 495, 990, 1980: the first Retry-After is longer, the others shorter.
    expect(time.sleeps).toEqual([3000, 990, 1980]);
    expect(outcome.attempts.map((a) => [a.retryAfterMs, a.delayMs])).toEqual([
      [3000, 3000],
      [100, 990],
      [100, 1980],
      [undefined, undefined],
    ]);
  });

  it('moves on rather than wait out a Retry-After beyond the policy', async () => {
    const { options, time } = setup();
    const { call, calls } = scripted([{ code: 'rate_limited', retryAfterMs: 120_000 }]);
    const outcome = await runWithRetry(call, options);
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'retry_after_too_long',
      error: { code: 'rate_limited' },
    });
    expect(calls).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it('keeps every wait within the jittered ceilings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 4,
          maxLength: 4,
        }),
        async (draws) => {
          let i = 0;
          const { options, time } = setup({ random: () => draws[i++]! });
          const { call } = scripted(repeat('provider_error'));
          await runWithRetry(call, options);
          time.sleeps.forEach((delay, n) => {
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThan(500 * 2 ** n);
          });
        },
      ),
    );
  });

  it('stops when the job is aborted during a wait', async () => {
    const controller = new AbortController();
    const time = fakeTime({ abortOnSleep: controller });
    const { call, calls } = scripted(repeat('provider_error'));
    const outcome = await runWithRetry(call, { signal: controller.signal, now: time.now, sleep: time.sleep });
    expect(outcome).toMatchObject({ ok: false, reason: 'aborted', error: { code: 'timeout' } });
    expect(calls).toHaveLength(1);
  });

  it('stops when the job is aborted during a call, whatever the call threw', async () => {
    const { options, controller } = setup();
    let calls = 0;
    const outcome = await runWithRetry(async () => {
      calls++;
      controller.abort();
      throw new ProviderError('provider_error');
    }, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'aborted', error: { code: 'timeout' } });
    expect(outcome.attempts).toEqual([{ attempt: 1, latencyMs: 0, errorCode: 'provider_error' }]);
    expect(calls).toBe(1);
  });

  it('starts nothing once the job is aborted', async () => {
    const { options, controller } = setup();
    controller.abort();
    const { call, calls } = scripted([]);
    const outcome = await runWithRetry(call, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'aborted', attempts: [] });
    expect(calls).toHaveLength(0);
  });

  it('gives each attempt its own timeout, joined to the job signal', async () => {
    const timeouts: { ms: number; controller: AbortController }[] = [];
    const { options, controller } = setup({
      policy: { attemptTimeoutMs: 2000 },
      timeoutSignal: (ms) => {
        const timeout = new AbortController();
        timeouts.push({ ms, controller: timeout });
        return timeout.signal;
      },
    });
    const seen: AbortSignal[] = [];
    const outcome = await runWithRetry(async ({ attempt, signal }) => {
      seen.push(signal);
      if (attempt === 1) {
        timeouts[0]!.controller.abort(new DOMException('timed out', 'TimeoutError'));
        expect(signal.aborted).toBe(true);
        throw signal.reason;
      }
      expect(signal.aborted).toBe(false);
      return 'late but fine';
    }, options);
    expect(outcome).toMatchObject({ ok: true, value: 'late but fine' });
    expect(outcome.attempts.map((a) => a.errorCode)).toEqual(['timeout', undefined]);
    expect(timeouts.map((t) => t.ms)).toEqual([2000, 2000]);
    // The job's signal reaches the attempt's signal too.
    controller.abort();
    expect(seen[1]!.aborted).toBe(true);
  });

  it('counts whatever a call throws after its timeout as a timeout', async () => {
    const timeout = new AbortController();
    const { options } = setup({ policy: { maxAttempts: 1 }, timeoutSignal: () => timeout.signal });
    const outcome = await runWithRetry(async () => {
      timeout.abort();
      throw new ProviderError('invalid_request');
    }, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'exhausted', error: { code: 'timeout' } });
  });

  it('ends a hung call with the real AbortSignal.timeout', async () => {
    // No timeoutSignal injected: the default, AbortSignal.timeout, is used.
    const { options } = setup({ policy: { maxAttempts: 2, attemptTimeoutMs: 5 } });
    const outcome = await runWithRetry(
      ({ signal }) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
      options,
    );
    expect(outcome).toMatchObject({ ok: false, reason: 'exhausted', error: { code: 'timeout' } });
    expect(outcome.attempts.map((a) => a.errorCode)).toEqual(['timeout', 'timeout']);
  });

  it('never plans past the deadline', async () => {
    const timeoutsAsked: number[] = [];
    const { options, time } = setup({
      deadline: new Date(1000),
      random: () => 0.99,
      timeoutSignal: (ms) => {
        timeoutsAsked.push(ms);
        return new AbortController().signal;
      },
    });
    const outcome = await runWithRetry(async () => {
      time.advance(600);
      throw new ProviderError('provider_error');
    }, options);
    // 400 ms were left; the 495 ms backoff would end after the deadline.
    expect(outcome).toMatchObject({ ok: false, reason: 'deadline', error: { code: 'provider_error' } });
    expect(timeoutsAsked).toEqual([1000]);
    expect(time.sleeps).toEqual([]);
  });

  it('starts no attempt once the deadline has passed', async () => {
    const { options, time } = setup({ deadline: new Date(0) });
    const { call, calls } = scripted([]);
    const outcome = await runWithRetry(call, options);
    expect(outcome).toMatchObject({ ok: false, reason: 'deadline', error: { code: 'timeout' } });
    expect(calls).toHaveLength(0);
    expect(time.sleeps).toEqual([]);
  });

  it('records latency and waits, and reports each attempt as it ends', async () => {
    const reported: unknown[] = [];
    const { options, time } = setup({ onAttempt: (record) => reported.push({ ...record }) });
    const outcome = await runWithRetry(async ({ attempt }) => {
      time.advance(attempt * 100);
      if (attempt < 3)
        throw new ProviderError(attempt === 1 ? 'timeout' : 'rate_limited', { retryAfterMs: 700 });
      return attempt;
    }, options);
    const expected = [
      { attempt: 1, latencyMs: 100, errorCode: 'timeout', retryAfterMs: 700, delayMs: 700 },
      { attempt: 2, latencyMs: 200, errorCode: 'rate_limited', retryAfterMs: 700, delayMs: 700 },
      { attempt: 3, latencyMs: 300 },
    ];
    expect(outcome).toEqual({ ok: true, value: 3, attempts: expected });
    expect(reported).toEqual(expected);
  });

  it('turns unknown throws into provider errors with the provider id', async () => {
    const { options } = setup({ providerId: 'openai', policy: { maxAttempts: 1 } });
    const outcome = await runWithRetry(async () => {
      throw new TypeError('fetch failed');
    }, options);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'provider_error', providerId: 'openai' } });
  });
});

describe('backoffDelayMs', () => {
  it('doubles its ceiling from the base up to the cap', () => {
    const top = () => 0.999999;
    const policy = { baseDelayMs: 500, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => backoffDelayMs(n, policy, top))).toEqual([
      499, 999, 1999, 3999, 7999, 7999, 7999,
    ]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
  });

  it('stays within [0, ceiling) for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failed, draw) => {
          const delay = backoffDelayMs(failed, defaultRetryPolicy, () => draw);
          const ceiling = Math.min(defaultRetryPolicy.maxDelayMs, 500 * 2 ** (failed - 1));
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
        },
      ),
    );
  });
});

describe('retry policy options', () => {
  it('defaults to 5 attempts from 0.5 s', () => {
    expect(resolveRetryPolicy()).toEqual(defaultRetryPolicy);
    expect(defaultRetryPolicy).toMatchObject({ maxAttempts: 5, baseDelayMs: 500 });
    expect(resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: undefined })).toEqual({
      ...defaultRetryPolicy,
      maxAttempts: 3,
    });
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
  });

  it('reads environment variables, empty meaning unset', () => {
    expect(parseRetryPolicy({})).toEqual(defaultRetryPolicy);
    expect(
      parseRetryPolicy({
        PROVIDER_MAX_ATTEMPTS: '3',
        PROVIDER_RETRY_BASE_DELAY_MS: '',
        PROVIDER_RETRY_MAX_DELAY_MS: '4000',
        PROVIDER_ATTEMPT_TIMEOUT_SECONDS: '2',
        PROVIDER_MAX_RETRY_AFTER_SECONDS: '10',
      }),
    ).toEqual({
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 4000,
      attemptTimeoutMs: 2000,
      maxRetryAfterMs: 10_000,
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      parseRetryPolicy({ PROVIDER_MAX_ATTEMPTS: '0', PROVIDER_ATTEMPT_TIMEOUT_SECONDS: 'soon' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ProviderOptionsError);
    const issues = (error as ProviderOptionsError).issues;
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^PROVIDER_MAX_ATTEMPTS: /);
    expect(issues[1]).toMatch(/^PROVIDER_ATTEMPT_TIMEOUT_SECONDS: /);
  });
});
