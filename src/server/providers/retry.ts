/**
 * Retries one provider route inside a generation job (reliability.md 3.0:
 * provider errors are retried in the job; pg-boss retries only crashes and
 * expiry). Each call gets its own timeout combined with the job's signal;
 * transient errors are retried with jittered exponential backoff, honouring
 * the provider's Retry-After; permanent errors, the job's abort and the
 * deadline stop at once. Every attempt is recorded for logs and metrics.
 *
 * Time, sleeping and randomness are injected, so tests drive it without
 * waiting. It never throws: the outcome says how it ended.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ProviderError, toProviderError, type ProviderErrorCode } from './errors';
import { backoffDelayMs, resolveRetryPolicy, type RetryPolicy } from './retry-policy';

export interface AttemptRecord {
  /** 1-based. */
  attempt: number;
  latencyMs: number;
  /** Undefined when the call succeeded. */
  errorCode?: ProviderErrorCode;
  /** The wait the provider asked for, when it did. */
  retryAfterMs?: number;
  /** How long the loop waited before the next attempt; undefined when there was none. */
  delayMs?: number;
}

/** Why the loop gave up. */
export type RetryStopReason =
  /** The error is not worth retrying on this route (see errors.ts). */
  | 'permanent'
  /** Every attempt failed with transient errors. */
  | 'exhausted'
  /** The job's own signal fired. */
  | 'aborted'
  /** No time left before the deadline for another attempt. */
  | 'deadline'
  /** The provider asked for a longer wait than the policy allows. */
  | 'retry_after_too_long';

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: AttemptRecord[] }
  | { ok: false; error: ProviderError; reason: RetryStopReason; attempts: AttemptRecord[] };

export interface AttemptContext {
  attempt: number;
  /** The job's signal combined with this attempt's timeout. */
  signal: AbortSignal;
  deadline?: Date;
}

export interface RetryOptions {
  /** The job's signal: once it fires, no further attempt or wait starts. */
  signal: AbortSignal;
  /** Nothing is started that would end after this (the hold's expiry). */
  deadline?: Date;
  policy?: Partial<RetryPolicy>;
  providerId?: string;
  /** Called after every attempt, with its record complete. */
  onAttempt?: (record: AttemptRecord) => void;
  /** Injected for tests: wall clock in ms. */
  now?: () => number;
  /** Injected for tests: must reject once `signal` fires. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Injected for tests: uniform in [0, 1). */
  random?: () => number;
  /** Injected for tests: a signal that fires after `ms`. */
  timeoutSignal?: (ms: number) => AbortSignal;
}

const defaultSleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal });

function abortedByJob(signal: AbortSignal, cause?: unknown): ProviderError {
  return new ProviderError('timeout', { detail: 'the job was aborted', cause: cause ?? signal.reason });
}

export async function runWithRetry<T>(
  call: (context: AttemptContext) => Promise<T>,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const policy = resolveRetryPolicy(options.policy);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const { signal, deadline, providerId } = options;
  const attempts: AttemptRecord[] = [];
  const stop = (error: ProviderError, reason: RetryStopReason): RetryOutcome<T> => ({
    ok: false,
    error,
    reason,
    attempts,
  });

  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return stop(abortedByJob(signal), 'aborted');
    const left = deadline ? deadline.getTime() - now() : Infinity;
    if (left <= 0) {
      return stop(new ProviderError('timeout', { providerId, detail: 'deadline reached' }), 'deadline');
    }
    const attemptTimeout = timeoutSignal(Math.min(policy.attemptTimeoutMs, left));
    const attemptSignal = AbortSignal.any([signal, attemptTimeout]);

    const started = now();
    let error: ProviderError;
    try {
      const value = await call({ attempt, signal: attemptSignal, deadline });
      const record: AttemptRecord = { attempt, latencyMs: now() - started };
      attempts.push(record);
      options.onAttempt?.(record);
      return { ok: true, value, attempts };
    } catch (thrown) {
      error = toProviderError(thrown, { providerId });
      // Whatever an adapter throws once its time is up is a timeout.
      if (attemptTimeout.aborted && !signal.aborted && error.code !== 'timeout') {
        error = new ProviderError('timeout', { providerId, detail: 'attempt timed out', cause: thrown });
      }
    }

    const record: AttemptRecord = { attempt, latencyMs: now() - started, errorCode: error.code };
    if (error.retryAfterMs !== undefined) record.retryAfterMs = error.retryAfterMs;
    attempts.push(record);
    const finish = (reason: RetryStopReason, finalError = error) => {
      options.onAttempt?.(record);
      return stop(finalError, reason);
    };

    if (signal.aborted) return finish('aborted', abortedByJob(signal, error));
    if (!error.isTransient) return finish('permanent');
    if (attempt >= policy.maxAttempts) return finish('exhausted');
    const retryAfterMs = error.retryAfterMs ?? 0;
    if (retryAfterMs > policy.maxRetryAfterMs) return finish('retry_after_too_long');
    const delayMs = Math.max(retryAfterMs, backoffDelayMs(attempt, policy, random));
    if (deadline && now() + delayMs >= deadline.getTime()) return finish('deadline');

    record.delayMs = delayMs;
    options.onAttempt?.(record);
    try {
      await sleep(delayMs, signal);
    } catch (thrown) {
      return stop(abortedByJob(signal, thrown), 'aborted');
    }
  }
}
