/**
 * The guard on URLs taken from fal's answers (providers.md §3.4): internal
 * hosts refused unless they are the configured queue origin, redirects
 * re-checked hop by hop, credentials kept to the queue origin, and image
 * bytes typed by content.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { providerFailure } from '../../../../tests/support/provider-contract';
import { checkedUrl, downloadImage, guardedGet, isInternalHost } from './fal-download';

const TRUSTED = 'http://127.0.0.1:4010';
const options = (fetcher: typeof fetch, headers?: Record<string, string>) => ({
  trustedOrigin: TRUSTED,
  providerId: 'fal',
  signal: AbortSignal.timeout(5_000),
  fetch: fetcher,
  ...(headers ? { headers } : {}),
});

describe('isInternalHost', () => {
  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['printer.local', true],
    ['metadata.google.internal', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['[::1]', true],
    ['[fd00::1]', true],
    ['[fe80::1]', true],
    ['[::ffff:7f00:1]', true],
    ['v3.fal.media', false],
    ['172.32.0.1', false],
    ['8.8.8.8', false],
    ['[2606:4700::1111]', false],
  ])('%s → %s', (host, internal) => {
    expect(isInternalHost(host)).toBe(internal);
  });
});

describe('checkedUrl', () => {
  it('allows the trusted origin, public hosts and data URIs; refuses other internal hosts and schemes', () => {
    expect(checkedUrl(`${TRUSTED}/fal-ai/flux/requests/1`, TRUSTED, 'fal').href).toContain('127.0.0.1:4010');
    expect(checkedUrl('https://v3.fal.media/files/a.png', TRUSTED, 'fal').hostname).toBe('v3.fal.media');
    expect(checkedUrl('data:image/png;base64,AAAA', TRUSTED, 'fal').protocol).toBe('data:');
    for (const bad of [
      'http://127.0.0.1:4011/x',
      'http://169.254.169.254/latest',
      'file:///etc/passwd',
      'nonsense',
    ]) {
      expect(() => checkedUrl(bad, TRUSTED, 'fal')).toThrow(
        expect.objectContaining({ code: 'provider_error' }),
      );
    }
  });
});

describe('guardedGet', () => {
  it('re-checks every redirect hop', async () => {
    const redirecting: typeof fetch = () =>
      Promise.resolve(new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/' } }));
    const error = await providerFailure(guardedGet('https://v3.fal.media/a.png', options(redirecting)));
    expect(error.code).toBe('provider_error');
  });

  it('sends credentials to the trusted origin only, not after a redirect elsewhere', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fetcher: typeof fetch = (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      seen.push({ url, auth: new Headers(init?.headers).get('authorization') });
      return Promise.resolve(
        url.startsWith(TRUSTED)
          ? new Response(null, { status: 307, headers: { location: 'https://cdn.example/out.json' } })
          : Response.json({ ok: true }),
      );
    };
    const response = await guardedGet(`${TRUSTED}/requests/1`, options(fetcher, { authorization: 'Key k' }));
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { url: `${TRUSTED}/requests/1`, auth: 'Key k' },
      { url: 'https://cdn.example/out.json', auth: null },
    ]);
  });
});

describe('downloadImage', () => {
  it('types images by their bytes, whatever the Content-Type says', async () => {
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
      .webp()
      .toBuffer();
    const fetcher: typeof fetch = () =>
      Promise.resolve(new Response(webp, { headers: { 'content-type': 'image/png' } }));
    const image = await downloadImage('https://v3.fal.media/a.png', options(fetcher));
    expect(image.mediaType).toBe('image/webp');
    expect(image.bytes.byteLength).toBe(webp.byteLength);
  });

  it('refuses bytes that are not an image, and a failed download', async () => {
    const html: typeof fetch = () =>
      Promise.resolve(new Response('<html></html>', { headers: { 'content-type': 'image/png' } }));
    expect(await providerFailure(downloadImage('https://v3.fal.media/a.png', options(html)))).toMatchObject({
      code: 'provider_error',
    });
    const gone: typeof fetch = () => Promise.resolve(new Response('gone', { status: 404 }));
    expect(await providerFailure(downloadImage('https://v3.fal.media/a.png', options(gone)))).toMatchObject({
      code: 'provider_error',
      status: 404,
    });
  });
});
