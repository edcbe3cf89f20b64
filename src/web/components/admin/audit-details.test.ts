import { describe, expect, it } from 'vitest';
import { detailLines, formatDetailValue } from './audit-details';

const words = { on: 'on', off: 'off', none: '(none)' };

describe('audit details', () => {
  it('shows changes as from and to, in words', () => {
    expect(
      detailLines(
        {
          enabled: { from: false, to: true },
          baseUrl: { from: null, to: 'http://127.0.0.1:9000/v1' },
          sortOrder: { from: 10, to: 20 },
        },
        words,
      ),
    ).toEqual([
      { field: 'enabled', from: 'off', to: 'on' },
      { field: 'baseUrl', from: '(none)', to: 'http://127.0.0.1:9000/v1' },
      { field: 'sortOrder', from: '10', to: '20' },
    ]);
  });

  it('reads prices and routes', () => {
    expect(
      detailLines(
        {
          pricing: { from: { perImage: { standard: 2, hd: 4 } }, to: { perImage: { standard: 3, hd: 4 } } },
          routes: {
            from: [],
            to: [
              { providerId: 'house', providerModelId: 'flux', options: {}, enabled: true },
              { providerId: 'fal', providerModelId: 'fal-ai/flux/dev', options: {}, enabled: false },
            ],
          },
        },
        words,
      ),
    ).toEqual([
      { field: 'pricing', from: 'standard 2 · hd 4', to: 'standard 3 · hd 4' },
      { field: 'routes', from: '(none)', to: '1. house/flux, 2. fal/fal-ai/flux/dev (off)' },
    ]);
  });

  it('shows plain values, a key only as its hint, and leaves out anything named like a secret', () => {
    expect(
      detailLines(
        { hint: '••••cdef', keyHint: null, adapter: 'openai_compatible', apiKey: 'sk-123', secretToken: 'x' },
        words,
      ),
    ).toEqual([
      { field: 'hint', value: '••••cdef' },
      { field: 'keyHint', value: '(none)' },
      { field: 'adapter', value: 'openai_compatible' },
    ]);
  });

  it('falls back to compact JSON for shapes it does not know', () => {
    expect(formatDetailValue('other', { a: 1 }, words)).toBe('{"a":1}');
    expect(formatDetailValue('other', '', words)).toBe('(none)');
    expect(detailLines({ x: { from: 1, to: 2, extra: 3 } }, words)).toEqual([
      { field: 'x', value: '{"from":1,"to":2,"extra":3}' },
    ]);
  });
});
