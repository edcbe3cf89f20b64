/**
 * Options of the offline provider and their environment variables. The
 * defaults make it behave like a fast, healthy provider: no added latency,
 * no faults; prompt markers work except the one that can hold a worker.
 */
import { z } from 'zod';
import { emptyToUndefined, intVar, parseEnv } from '../env';
import { parseFaultMix, type FaultMix } from './faults';

/**
 * Which prompt markers are obeyed. `safe` leaves out `hang_ignoring_abort`:
 * any visitor can type a marker, and that one holds a worker until its hold
 * expires, so it is for test setups (`all`) only.
 */
export type FailMarkerPolicy = 'off' | 'safe' | 'all';

export interface LocalProviderOptions {
  /** Added to every call, like a provider's round trip. */
  latencyMs: number;
  /** Up to this much more, drawn per call. */
  latencyJitterMs: number;
  faults: FaultMix;
  /** The Retry-After a simulated rate_limited carries. */
  retryAfterMs: number;
  failMarkers: FailMarkerPolicy;
  /** Mixed into every fault draw: another value, another (still reproducible) sequence of faults. */
  faultSeed: number;
}

export const defaultLocalProviderOptions: LocalProviderOptions = {
  latencyMs: 0,
  latencyJitterMs: 0,
  faults: {},
  // reliability.md Q2 uses Retry-After: 1.
  retryAfterMs: 1000,
  failMarkers: 'safe',
  faultSeed: 0,
};

/** zod shape of the variables, for config.ts to merge into its own schema if it prefers. */
export const localProviderEnvShape = {
  /** Ten minutes at most: past any attempt timeout worth simulating. */
  LOCAL_PROVIDER_LATENCY_MS: intVar(defaultLocalProviderOptions.latencyMs, 0, 600_000),
  LOCAL_PROVIDER_LATENCY_JITTER_MS: intVar(defaultLocalProviderOptions.latencyJitterMs, 0, 600_000),
  /** e.g. `rate_limited:0.2,provider_error:0.1,timeout:0.1,content_policy:0.05`. */
  LOCAL_PROVIDER_FAULTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((text, context) => {
        const { mix, problems } = parseFaultMix(text ?? '');
        for (const message of problems) context.issues.push({ code: 'custom', message, input: text });
        return mix;
      }),
  ),
  LOCAL_PROVIDER_RETRY_AFTER_MS: intVar(defaultLocalProviderOptions.retryAfterMs, 0, 3_600_000),
  LOCAL_PROVIDER_FAIL_MARKERS: z.preprocess(
    emptyToUndefined,
    z.enum(['off', 'safe', 'all']).default(defaultLocalProviderOptions.failMarkers),
  ),
  LOCAL_PROVIDER_FAULT_SEED: intVar(defaultLocalProviderOptions.faultSeed, 0, 2 ** 32 - 1),
};

const localProviderEnvSchema = z.object(localProviderEnvShape);

export type LocalProviderEnv = z.output<typeof localProviderEnvSchema>;

/** Options from already-parsed variables (when config.ts merged the shape). */
export function localProviderOptionsFromEnv(env: LocalProviderEnv): LocalProviderOptions {
  return {
    latencyMs: env.LOCAL_PROVIDER_LATENCY_MS,
    latencyJitterMs: env.LOCAL_PROVIDER_LATENCY_JITTER_MS,
    faults: env.LOCAL_PROVIDER_FAULTS,
    retryAfterMs: env.LOCAL_PROVIDER_RETRY_AFTER_MS,
    failMarkers: env.LOCAL_PROVIDER_FAIL_MARKERS,
    faultSeed: env.LOCAL_PROVIDER_FAULT_SEED,
  };
}

/** Options from environment-style strings; throws ProviderOptionsError naming every bad variable. */
export function parseLocalProviderOptions(
  source: Readonly<Record<string, string | undefined>>,
): LocalProviderOptions {
  return localProviderOptionsFromEnv(parseEnv(localProviderEnvSchema, source));
}
