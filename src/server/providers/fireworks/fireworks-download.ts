/**
 * Fetches a Kontext result (`result.sample`), a URL taken from a response
 * body, so it is checked before every hop (providers.md §3.4): the API key
 * goes only to the API's own origin (where the fake serves its files);
 * anything else must be https on a host name, never localhost, a `.local` or
 * `.internal` name or an IP literal, so a tampered answer cannot point the
 * worker at the private network. Redirects are followed by hand so each hop
 * is checked the same way, and the size is capped.
 */
import { ProviderError } from '../errors';
import { FIREWORKS_PROVIDER_ID, unusableAnswer } from './fireworks-errors';

/** A FLUX result is about 1 MP, a few MB at most as PNG; far more means something is wrong. */
const MAX_IMAGE_BYTES = 32 * 1024 * 1024;
/** CDNs redirect once or twice; more is a loop. */
const MAX_REDIRECTS = 3;

export interface DownloadOptions {
  apiOrigin: string;
  apiKey: string;
  signal: AbortSignal;
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ||
    host.startsWith('[')
  );
}

/** Whether the hop may carry the API key; throws when it may not be fetched at all. */
function checkHop(target: URL, apiOrigin: string): boolean {
  if (target.origin === apiOrigin) return true;
  if (target.protocol !== 'https:' || isPrivateHost(target.hostname)) {
    throw unusableAnswer(`result URL on ${target.protocol}//${target.hostname} refused`);
  }
  return false;
}

async function readLimited(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_IMAGE_BYTES) throw unusableAnswer(`result of ${declared} bytes is too large`);
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_IMAGE_BYTES) {
      await reader.cancel();
      throw unusableAnswer(`result larger than ${MAX_IMAGE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

export async function downloadResult(url: string, options: DownloadOptions): Promise<Uint8Array> {
  let target: URL;
  try {
    target = new URL(url);
  } catch (cause) {
    throw unusableAnswer('result.sample is not a URL', cause);
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const credentialed = checkHop(target, options.apiOrigin);
    const response = await fetch(target, {
      headers: credentialed ? { authorization: `Bearer ${options.apiKey}` } : {},
      redirect: 'manual',
      signal: options.signal,
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      target = new URL(location, target);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      // An expired or missing result is the provider's failure, not a retired model.
      throw new ProviderError('provider_error', {
        providerId: FIREWORKS_PROVIDER_ID,
        status: response.status,
        detail: `result download answered ${response.status}`,
      });
    }
    return readLimited(response);
  }
  throw unusableAnswer(`result URL redirected more than ${MAX_REDIRECTS} times`);
}
