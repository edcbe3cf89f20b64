import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inlineScriptHashes, themedHtml } from './prerendered';

describe('prerendered pages', () => {
  const html =
    '<!DOCTYPE html><html lang="en" data-theme="system"><head><script type="module" src="/assets/a.js"></script></head>' +
    '<body><script>window.__x = 1;</script><script type="module">import("/assets/b.js");</script></body></html>';

  it('hashes each inline script (and no external one) for the CSP', () => {
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(inlineScriptHashes(html).sort()).toEqual(
      [hash('window.__x = 1;'), hash('import("/assets/b.js");')].sort(),
    );
  });

  it('puts the chosen theme class on <html> and leaves system alone', () => {
    expect(themedHtml(html, 'dark')).toContain('<html lang="en" data-theme="dark" class="dark">');
    expect(themedHtml(html, 'light')).toContain('data-theme="light" class="light"');
    expect(themedHtml(html, 'system')).toBe(html);
  });
});
