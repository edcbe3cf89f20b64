import { describe, expect, it } from 'vitest';
import { ProviderOptionsError } from '../env';
import { defaultLocalProviderOptions, parseLocalProviderOptions } from './options';

function issuesOf(source: Record<string, string>): string[] {
  try {
    parseLocalProviderOptions(source);
  } catch (error) {
    if (error instanceof ProviderOptionsError) return error.issues;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('parseLocalProviderOptions', () => {
  it('defaults to a fast provider that never fails on its own', () => {
    expect(parseLocalProviderOptions({})).toEqual(defaultLocalProviderOptions);
    expect(defaultLocalProviderOptions).toEqual({
      latencyMs: 0,
      latencyJitterMs: 0,
      faults: {},
      retryAfterMs: 1000,
      failMarkers: 'safe',
      faultSeed: 0,
    });
  });

  it('reads every variable, empty meaning unset', () => {
    expect(
      parseLocalProviderOptions({
        LOCAL_PROVIDER_LATENCY_MS: '1500',
        LOCAL_PROVIDER_LATENCY_JITTER_MS: '500',
        LOCAL_PROVIDER_FAULTS: 'rate_limited:0.2,provider_error:0.1,timeout:0.1,content_policy:0.05',
        LOCAL_PROVIDER_RETRY_AFTER_MS: '',
        LOCAL_PROVIDER_FAIL_MARKERS: 'all',
        LOCAL_PROVIDER_FAULT_SEED: '42',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      latencyMs: 1500,
      latencyJitterMs: 500,
      faults: { rate_limited: 0.2, provider_error: 0.1, timeout: 0.1, content_policy: 0.05 },
      retryAfterMs: 1000,
      failMarkers: 'all',
      faultSeed: 42,
    });
  });

  it('names every bad variable', () => {
    const issues = issuesOf({
      LOCAL_PROVIDER_LATENCY_MS: '-1',
      LOCAL_PROVIDER_FAULTS: 'flaky:0.5,timeout:2',
      LOCAL_PROVIDER_FAIL_MARKERS: 'sometimes',
    });
    expect(issues).toHaveLength(4);
    expect(issues.filter((line) => line.startsWith('LOCAL_PROVIDER_FAULTS: '))).toHaveLength(2);
    expect(issues.some((line) => line.startsWith('LOCAL_PROVIDER_LATENCY_MS: '))).toBe(true);
    expect(issues.some((line) => line.startsWith('LOCAL_PROVIDER_FAIL_MARKERS: '))).toBe(true);
  });
});
