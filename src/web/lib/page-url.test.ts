import { describe, expect, it } from 'vitest';
import { pagePathOf } from './page-url';

describe('pagePathOf', () => {
  it('keeps a page address with its query', () => {
    expect(pagePathOf(new URL('http://x/en/generate?from=abc'))).toBe('/en/generate?from=abc');
    expect(pagePathOf(new URL('http://x/en/dashboard'))).toBe('/en/dashboard');
  });

  it('turns a data request back into the page it is for', () => {
    expect(pagePathOf(new URL('http://x/en/generate.data?from=abc&_routes=routes%2Fmember-layout'))).toBe(
      '/en/generate?from=abc',
    );
    expect(pagePathOf(new URL('http://x/zh/history.data?_routes=root'))).toBe('/zh/history');
  });
});
