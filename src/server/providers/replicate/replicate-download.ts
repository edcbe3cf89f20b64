/**
 * Downloading a prediction's output files (providers.md §3.4, §4.2). The
 * URLs come from a response body, so they are checked before anything is
 * fetched, the way the AI SDK guards its own downloads:
 *
 * - same origin as the configured API base URL: allowed, with the API token
 *   (a fake, a proxy, or a Replicate that serves files itself);
 * - otherwise only `https:` to a public host name, without credentials:
 *   `localhost`, `*.local`, `*.internal` and private, loopback or link-local
 *   address literals are refused, so a response cannot point the server at
 *   its own network;
 * - `data:` URLs are decoded in place;
 * - redirects are followed by hand, each hop checked again.
 *
 * Every file must be a PNG, JPEG or WebP by its bytes: anything else is a
 * provider error, never an image handed on.
 */
import { BlockList, isIP } from 'node:net';
import { sniffImage } from '../../images/sniff-image';
import { ProviderError } from '../errors';
import type { GeneratedImage } from '../types';

export interface DownloadOptions {
  /** Origin of the API base URL: files there get the token. */
  apiOrigin: string;
  authorization: string;
  signal: AbortSignal;
  providerId: string;
}

/* A 4K PNG is 20-50 MB; the cap bounds the memory one output can take. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/* Replicate's CDN answers directly; a couple of hops covers a storage redirect. */
const MAX_REDIRECTS = 3;

const privateRanges = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  privateRanges.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  privateRanges.addSubnet(address, prefix, 'ipv6');
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return true;
  const family = isIP(host);
  if (family === 4) return privateRanges.check(host, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
    return mapped ? privateRanges.check(mapped, 'ipv4') : privateRanges.check(host, 'ipv6');
  }
  return false;
}

function refuse(detail: string, providerId: string, status?: number): ProviderError {
  return new ProviderError('provider_error', { providerId, detail, ...(status ? { status } : {}) });
}

/** Whether the token goes with a request to `url`; throws for a URL that may not be fetched at all. */
function checkUrl(url: URL, options: DownloadOptions): { withToken: boolean } {
  if (url.origin === options.apiOrigin) return { withToken: true };
  if (url.protocol !== 'https:' || isPrivateHost(url.hostname)) {
    throw refuse(`output URL ${url.origin} refused: not https to a public host`, options.providerId);
  }
  return { withToken: false };
}

function decodeDataUrl(url: string, providerId: string): Uint8Array {
  const match = /^data:[^,;]*(;[^,;=]+=[^,;]*)*;base64,(.*)$/s.exec(url);
  if (!match?.[2]) throw refuse('output data URL is not base64', providerId);
  return Buffer.from(match[2], 'base64');
}

async function readLimited(response: Response, providerId: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_FILE_BYTES) throw refuse(`output file of ${declared} bytes is over the cap`, providerId);
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_FILE_BYTES) throw refuse('output file is over the size cap', providerId);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function fetchBytes(address: string, options: DownloadOptions): Promise<Uint8Array> {
  let url = new URL(address);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const { withToken } = checkUrl(url, options);
    const response = await fetch(url, {
      redirect: 'manual',
      signal: options.signal,
      ...(withToken ? { headers: { authorization: options.authorization } } : {}),
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw refuse(`output file answered ${response.status}`, options.providerId, response.status);
    }
    return readLimited(response, options.providerId);
  }
  throw refuse('output file: too many redirects', options.providerId);
}

/** One output file as an image, its media type sniffed from the bytes. */
export async function downloadImage(url: string, options: DownloadOptions): Promise<GeneratedImage> {
  const bytes = url.startsWith('data:')
    ? decodeDataUrl(url, options.providerId)
    : await fetchBytes(url, options);
  const sniffed = sniffImage(bytes);
  if (!sniffed) throw refuse('output file is not a PNG, JPEG or WebP image', options.providerId);
  return { bytes, mediaType: `image/${sniffed.format}` };
}
