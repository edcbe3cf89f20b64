/**
 * How a job retries one provider route: attempts, backoff and timeouts
 * (docs/decisions/014-provider-interface.md). Pure values and arithmetic;
 * the loop that applies them is retry.ts.
 */
import { z } from 'zod';
import { intVar, parseEnv } from './env';

export interface RetryPolicy {
  /** Calls on one route, the first included (reliability.md 3.0: 5). */
  maxAttempts: number;
  /** Backoff ceiling after the first failure; it doubles after each further one. */
  baseDelayMs: number;
  /** The backoff ceiling never grows past this. */
  maxDelayMs: number;
  /** Budget of one call; the job's deadline shortens it when nearer. */
  attemptTimeoutMs: number;
  /**
   * A provider asking us to wait longer than this ends the retries at once,
   * so the job moves to the next route instead of sleeping on this one.
   */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  // 0.5 s doubling: ceilings of 0.5, 1, 2 and 4 s between 5 attempts, so a
  // route gives up within ~7.5 s of waiting plus the calls themselves.
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  // gpt-image-2 at high quality has been seen to take 45-280 s
  // (providers.md 4.1); routes that are known to be fast set less.
  attemptTimeoutMs: 300_000,
  // The AI SDK also stops honouring Retry-After past 60 s (providers.md 3.2).
  maxRetryAfterMs: 60_000,
};

const policySchema = z.object({
  maxAttempts: z.number().int().min(1).max(20),
  baseDelayMs: z.number().int().min(0).max(600_000),
  maxDelayMs: z.number().int().min(0).max(600_000),
  attemptTimeoutMs: z.number().int().min(1).max(3_600_000),
  maxRetryAfterMs: z.number().int().min(0).max(3_600_000),
});

/** Defaults overridden by `overrides`; throws a RangeError on an impossible value. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = policySchema.safeParse({ ...defaultRetryPolicy, ...defined });
  if (!parsed.success) {
    throw new RangeError(
      `Invalid retry policy: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  }
  return parsed.data;
}

/**
 * Full jitter (uniform between 0 and an exponentially growing ceiling):
 * callers that failed together spread out instead of retrying in step.
 * `failedAttempts` is how many calls have failed so far (≥ 1).
 */
export function backoffDelayMs(
  failedAttempts: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.floor(random() * ceiling);
}

const retryEnvSchema = z.object({
  PROVIDER_MAX_ATTEMPTS: intVar(defaultRetryPolicy.maxAttempts, 1, 20),
  PROVIDER_RETRY_BASE_DELAY_MS: intVar(defaultRetryPolicy.baseDelayMs, 0, 600_000),
  PROVIDER_RETRY_MAX_DELAY_MS: intVar(defaultRetryPolicy.maxDelayMs, 0, 600_000),
  PROVIDER_ATTEMPT_TIMEOUT_SECONDS: intVar(defaultRetryPolicy.attemptTimeoutMs / 1000, 1, 3600),
  PROVIDER_MAX_RETRY_AFTER_SECONDS: intVar(defaultRetryPolicy.maxRetryAfterMs / 1000, 0, 3600),
});

/** The retry policy from environment-style strings; throws ProviderOptionsError naming bad variables. */
export function parseRetryPolicy(source: Readonly<Record<string, string | undefined>>): RetryPolicy {
  const env = parseEnv(retryEnvSchema, source);
  return {
    maxAttempts: env.PROVIDER_MAX_ATTEMPTS,
    baseDelayMs: env.PROVIDER_RETRY_BASE_DELAY_MS,
    maxDelayMs: env.PROVIDER_RETRY_MAX_DELAY_MS,
    attemptTimeoutMs: env.PROVIDER_ATTEMPT_TIMEOUT_SECONDS * 1000,
    maxRetryAfterMs: env.PROVIDER_MAX_RETRY_AFTER_SECONDS * 1000,
  };
}
