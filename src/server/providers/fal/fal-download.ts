/**
 * Following the URLs fal puts in its answers (status and response URLs,
 * output images) safely. They come from a response body, so before each
 * request (and each redirect hop) the URL is checked as the AI SDK checks
 * result URLs (providers.md §3.4): http(s) or data only, and no loopback,
 * private, link-local or `.local`/`.internal` host unless it is the
 * configured queue origin itself (a proxy, or the test fake). Images are
 * read with a size cap and typed by their bytes, never by fal's
 * `content_type`; bytes that are not an image are a provider_error.
 */
import { isIP } from 'node:net';
import { sniffImage } from '../../images/sniff-image';
import { ProviderError } from '../errors';
import type { GeneratedImage } from '../types';

/* Well above any real output (a 4096² PNG is a few tens of MB at worst); stops a runaway body filling memory. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;

function isPrivateIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

function isPrivateIpv6(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === '::' || lower === '::1') return true;
  // IPv4-mapped addresses (::ffff:…) are refused outright: no public image host needs one.
  if (lower.startsWith('::ffff:')) return true;
  // fc00::/7 unique local, fe80::/10 link-local.
  return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/** Whether a host is one an answer from the internet must not send us to. */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.endsWith('.local') || host.endsWith('.internal')) return true;
  const version = isIP(host);
  if (version === 4) return isPrivateIpv4(host);
  if (version === 6) return isPrivateIpv6(host);
  return false;
}

/** The URL if it may be followed, else a provider_error: the answer pointed somewhere it must not. */
export function checkedUrl(raw: string, trustedOrigin: string, providerId: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError('provider_error', { providerId, detail: 'fal returned a malformed URL' });
  }
  if (url.protocol === 'data:') return url;
  const allowed =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    (url.origin === trustedOrigin || !isInternalHost(url.hostname));
  if (!allowed) {
    throw new ProviderError('provider_error', {
      providerId,
      detail: `fal returned a URL that is not allowed: ${url.protocol}//${url.hostname}`,
    });
  }
  return url;
}

export interface FollowOptions {
  trustedOrigin: string;
  providerId: string;
  signal: AbortSignal;
  fetch: typeof fetch;
  /** Sent only to the trusted origin: credentials never follow a redirect elsewhere. */
  headers?: Record<string, string>;
}

/** GET with every redirect hop re-checked. */
export async function guardedGet(raw: string, options: FollowOptions): Promise<Response> {
  let url = checkedUrl(raw, options.trustedOrigin, options.providerId);
  for (let hop = 0; ; hop++) {
    const trusted = url.origin === options.trustedOrigin;
    const response = await options.fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: options.signal,
      ...(trusted && options.headers ? { headers: options.headers } : {}),
    });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) {
      throw new ProviderError('provider_error', {
        providerId: options.providerId,
        detail: 'too many redirects',
      });
    }
    url = checkedUrl(new URL(location, url).href, options.trustedOrigin, options.providerId);
  }
}

/** Downloads one output image and types it by its bytes. */
export async function downloadImage(raw: string, options: FollowOptions): Promise<GeneratedImage> {
  const { providerId } = options;
  const response = await guardedGet(raw, { ...options, headers: {} });
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderError('provider_error', {
      providerId,
      status: response.status,
      detail: `fal image download answered ${response.status}`,
    });
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_IMAGE_BYTES) {
    await response.body?.cancel();
    throw new ProviderError('provider_error', {
      providerId,
      detail: `fal image of ${length} bytes is too large`,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new ProviderError('provider_error', { providerId, detail: 'fal image is too large' });
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed) {
    throw new ProviderError('provider_error', {
      providerId,
      detail: 'fal returned bytes that are not an image',
    });
  }
  return { bytes, mediaType: `image/${sniffed.format}` };
}
