/**
 * Simulated failures of the offline provider, so retries, fallbacks, holds
 * and refunds can be exercised with no provider at all (reliability.md 3.3,
 * Q2 and C6). Two ways to fail a call:
 *
 * - a fault mix: each call draws one uniform number from a generator seeded
 *   by the request's reference id and the attempt number, so a given
 *   request fails the same way on every run, and its attempts differ;
 * - a marker in the prompt, for tests and demos: `[fail:content_policy]`
 *   fails every attempt, `[fail:rate_limited:2]` only the first two.
 */
import { ProviderError } from '../errors';

export const localFaultKinds = [
  'rate_limited',
  'provider_error',
  'timeout',
  'hang_ignoring_abort',
  'content_policy',
  'malformed',
  'invalid_request',
] as const;

export type LocalFaultKind = (typeof localFaultKinds)[number];

/** Probability of each fault per call; they add up to at most 1. */
export type FaultMix = Partial<Record<LocalFaultKind, number>>;

export function isLocalFaultKind(value: string): value is LocalFaultKind {
  return (localFaultKinds as readonly string[]).includes(value);
}

/** The fault a uniform draw `u` in [0, 1) selects, walking the kinds in a fixed order. */
export function pickFault(mix: FaultMix, u: number): LocalFaultKind | undefined {
  let cumulative = 0;
  for (const kind of localFaultKinds) {
    cumulative += mix[kind] ?? 0;
    if (u < cumulative) return kind;
  }
  return undefined;
}

/**
 * Parses "rate_limited:0.2,provider_error:0.1" (the LOCAL_PROVIDER_FAULTS
 * format). Returns the problems instead of throwing, for the option parser.
 */
export function parseFaultMix(text: string): { mix: FaultMix; problems: string[] } {
  const mix: FaultMix = {};
  const problems: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [kind = '', probability = '', ...extra] = entry.split(':').map((part) => part.trim());
    const value = Number(probability);
    if (!isLocalFaultKind(kind))
      problems.push(`unknown fault "${kind}" (known: ${localFaultKinds.join(', ')})`);
    else if (extra.length > 0 || probability === '' || !(value >= 0 && value <= 1)) {
      problems.push(`"${entry}": the probability must be a number from 0 to 1`);
    } else if (mix[kind] !== undefined) problems.push(`"${kind}" is listed twice`);
    else mix[kind] = value;
  }
  const total = Object.values(mix).reduce((sum, p) => sum + p, 0);
  // A little slack for decimal sums such as 0.7 + 0.2 + 0.1.
  if (total > 1 + 1e-9) problems.push(`the probabilities add up to ${total}, more than 1`);
  return { mix, problems };
}

export interface FailMarker {
  kind: LocalFaultKind;
  /** Fail only this many first attempts; undefined = every attempt. */
  attempts?: number;
}

const markerPattern = /\[fail:([a-z_]+)(?::(\d{1,2}))?\]/g;

/** The prompt without its markers, and the markers of known kinds found in it. */
export function readFailMarkers(prompt: string): { prompt: string; markers: FailMarker[] } {
  const markers: FailMarker[] = [];
  for (const [, kind = '', attempts] of prompt.matchAll(markerPattern)) {
    if (isLocalFaultKind(kind))
      markers.push(attempts === undefined ? { kind } : { kind, attempts: Number(attempts) });
  }
  return { prompt: prompt.replace(markerPattern, ' ').replace(/\s+/g, ' ').trim(), markers };
}

/** The first marker that applies to this attempt. */
export function markerFault(markers: readonly FailMarker[], attempt: number): LocalFaultKind | undefined {
  return markers.find((m) => m.attempts === undefined || attempt <= m.attempts)?.kind;
}

/** The error a fault ends in; timeouts and hangs are handled by the provider itself. */
export function faultError(
  kind: Exclude<LocalFaultKind, 'timeout' | 'hang_ignoring_abort'>,
  retryAfterMs: number,
): ProviderError {
  const detail = `simulated ${kind}`;
  switch (kind) {
    case 'rate_limited':
      return new ProviderError('rate_limited', { providerId: 'local', status: 429, retryAfterMs, detail });
    case 'provider_error':
      return new ProviderError('provider_error', { providerId: 'local', status: 500, detail });
    case 'content_policy':
      return new ProviderError('content_policy', { providerId: 'local', status: 400, detail });
    case 'invalid_request':
      return new ProviderError('invalid_request', { providerId: 'local', status: 400, detail });
    case 'malformed':
      // What an adapter reports when a 2xx body does not have the documented shape.
      return new ProviderError('provider_error', {
        providerId: 'local',
        status: 200,
        detail: 'simulated malformed body',
      });
  }
}
