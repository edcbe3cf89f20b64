import { describe, expect, it } from 'vitest';
import { localFaultKinds, markerFault, parseFaultMix, pickFault, readFailMarkers } from './faults';

describe('pickFault', () => {
  it('walks the kinds in a fixed order by cumulative probability', () => {
    const mix = { rate_limited: 0.2, timeout: 0.1 };
    expect(pickFault(mix, 0)).toBe('rate_limited');
    expect(pickFault(mix, 0.199)).toBe('rate_limited');
    expect(pickFault(mix, 0.2)).toBe('timeout');
    expect(pickFault(mix, 0.299)).toBe('timeout');
    expect(pickFault(mix, 0.31)).toBeUndefined();
    expect(pickFault({}, 0)).toBeUndefined();
  });
});

describe('parseFaultMix', () => {
  it('reads kind:probability pairs', () => {
    expect(parseFaultMix('rate_limited:0.2, provider_error:0.1,timeout:0.1,content_policy:0.05')).toEqual({
      mix: { rate_limited: 0.2, provider_error: 0.1, timeout: 0.1, content_policy: 0.05 },
      problems: [],
    });
    expect(parseFaultMix('')).toEqual({ mix: {}, problems: [] });
    const all = localFaultKinds.map((kind) => `${kind}:0.1`).join(',');
    expect(parseFaultMix(all).problems).toEqual([]);
  });

  it('accepts decimal sums that reach exactly 1', () => {
    expect(parseFaultMix('rate_limited:0.7,timeout:0.2,malformed:0.1').problems).toEqual([]);
  });

  it.each([
    ['flaky:0.1', /unknown fault "flaky"/],
    ['timeout', /probability/],
    ['timeout:1.5', /probability/],
    ['timeout:-0.1', /probability/],
    ['timeout:x', /probability/],
    ['timeout:0.1:2', /probability/],
    ['timeout:0.1,timeout:0.2', /listed twice/],
    ['timeout:0.6,provider_error:0.6', /add up to 1.2/],
  ])('reports %s', (text, problem) => {
    const { problems } = parseFaultMix(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});

describe('fail markers', () => {
  it('finds known markers and removes every marker from the prompt', () => {
    expect(readFailMarkers('a cat [fail:rate_limited:2] on a mat [fail:bogus]')).toEqual({
      prompt: 'a cat on a mat',
      markers: [{ kind: 'rate_limited', attempts: 2 }],
    });
    expect(readFailMarkers('no markers here')).toEqual({ prompt: 'no markers here', markers: [] });
  });

  it('applies a counted marker to its first attempts only', () => {
    const { markers } = readFailMarkers('[fail:rate_limited:2][fail:provider_error]');
    expect([1, 2, 3].map((attempt) => markerFault(markers, attempt))).toEqual([
      'rate_limited',
      'rate_limited',
      'provider_error',
    ]);
    expect(markerFault([], 1)).toBeUndefined();
  });
});
