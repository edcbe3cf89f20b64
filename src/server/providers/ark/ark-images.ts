/**
 * Reading Ark's answer (providers.md §4.8): `data[]` holds, per image, a
 * `b64_json` or a `url` (valid 24 h), or an `error` when that image of a
 * group failed. Anything else is a malformed answer (provider_error).
 * Every image is checked by its bytes: what is not a PNG, JPEG or WebP
 * fails the call rather than reach storage as a broken image.
 *
 * URL answers are downloaded with the call's signal, without our
 * credentials (Ark's URLs are pre-signed), refusing redirects and private
 * or local hosts unless the URL is on the API's own origin, so a response
 * cannot make the worker fetch from the internal network.
 */
import { isIP } from 'node:net';
import { sniffImage } from '../../images/sniff-image';
import { ProviderError } from '../errors';
import type { GeneratedImage } from '../types';
import { arkCodeCategory } from './ark-errors';

/** Far above a 4K JPEG (a few MB); a bigger download is not an image we want. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export type ArkItem =
  { kind: 'b64'; data: string } | { kind: 'url'; url: string } | { kind: 'error'; code: string };

export interface ArkAnswer {
  items: ArkItem[];
  /** usage.generated_images, when present. */
  generated: number | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The answer's items, or undefined when it does not have Ark's shape. */
export function readArkAnswer(value: unknown): ArkAnswer | undefined {
  if (!isRecord(value) || !Array.isArray(value.data)) return undefined;
  const items: ArkItem[] = [];
  for (const entry of value.data as unknown[]) {
    if (!isRecord(entry)) return undefined;
    if (typeof entry.b64_json === 'string') items.push({ kind: 'b64', data: entry.b64_json });
    else if (typeof entry.url === 'string') items.push({ kind: 'url', url: entry.url });
    else if (isRecord(entry.error)) {
      items.push({
        kind: 'error',
        code: typeof entry.error.code === 'string' ? entry.error.code : 'unknown',
      });
    } else return undefined;
  }
  const usage = isRecord(value.usage) ? value.usage.generated_images : undefined;
  return { items, generated: typeof usage === 'number' ? usage : undefined };
}

/**
 * When no image came back, the per-image errors decide the failure: all
 * filtered is content_policy, anything else a provider error.
 */
export function noImageError(codes: readonly string[], providerId: string, status: number): ProviderError {
  const detail = codes.length > 0 ? `no image: ${codes.join(', ')}` : 'no image in the answer';
  const blocked = codes.length > 0 && codes.every((code) => arkCodeCategory(code) === 'content_policy');
  return new ProviderError(blocked ? 'content_policy' : 'provider_error', { providerId, status, detail });
}

/** The image's bytes with the media type they really have, or a provider_error. */
export function checkedImage(bytes: Uint8Array, providerId: string, where: string): GeneratedImage {
  const sniffed = sniffImage(bytes);
  if (!sniffed) {
    throw new ProviderError('provider_error', { providerId, detail: `${where}: the bytes are not an image` });
  }
  return { bytes, mediaType: `image/${sniffed.format}` };
}

export function decodeBase64(data: string): Uint8Array {
  return new Uint8Array(Buffer.from(data, 'base64'));
}

interface DownloadOptions {
  /** The API base URL: its origin is trusted even when private (a gateway, a test fake). */
  baseUrl: string;
  signal: AbortSignal;
  fetch: typeof fetch;
  providerId: string;
}

/** Downloads an image URL from an answer; every failure is a provider_error. */
export async function downloadImage(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const fail = (detail: string) =>
    new ProviderError('provider_error', { providerId: options.providerId, detail });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw fail('image URL is not a URL');
  }
  const sameOrigin = target.origin === new URL(options.baseUrl).origin;
  if (!sameOrigin && !isPublicHttpUrl(target)) throw fail(`image URL on a refused host: ${target.host}`);
  // No credentials: the URL is pre-signed. No redirects: a hop could lead to a private host.
  const response = await options.fetch(target, { signal: options.signal, redirect: 'error' });
  if (!response.ok) {
    await response.body?.cancel();
    throw fail(`image download answered ${response.status}`);
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_IMAGE_BYTES) {
    await response.body?.cancel();
    throw fail(`image download of ${length} bytes is too large`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_IMAGE_BYTES)
    throw fail(`image download of ${bytes.byteLength} bytes is too large`);
  return bytes;
}

/** http(s) on a public host: not localhost, *.local, *.internal, nor a private or link-local address. */
function isPublicHttpUrl(url: URL): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return false;
  const family = isIP(host);
  if (family === 4) return isPublicIpv4(host);
  if (family === 6) return isPublicIpv6(host);
  return true;
}

function isPublicIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  return true;
}

function isPublicIpv6(address: string): boolean {
  if (address === '::' || address === '::1') return false;
  // IPv4-mapped addresses, which the URL parser writes in hex (::ffff:a00:1 for 10.0.0.1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return isPublicIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  // fc00::/7 unique local, fe80::/10 link-local
  return !/^(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):/.test(address);
}
