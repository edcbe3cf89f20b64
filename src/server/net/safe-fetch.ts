/**
 * The only way the platform fetches a URL that a member typed (reliability
 * P3, server-side request forgery). A URL from a member could otherwise
 * make the server read its own admin ports, the database, the S3 fake or a
 * cloud metadata service and hand the answer back as an "image". So:
 *
 * - only `http:` and `https:`, and no user name or password in the URL;
 * - the host name is resolved here, every address it resolves to must be
 *   public (ip-address.ts), and the connection goes to that vetted address
 *   through a lookup function that answers it without asking DNS again, so
 *   a name that resolves to a public address first and to 127.0.0.1 a moment
 *   later (DNS rebinding) still reaches the vetted one; the socket's peer is
 *   checked once more after connecting;
 * - redirects are followed by hand, each hop vetted the same way, at most 3;
 * - 10 s for the whole exchange, redirects included;
 * - a size cap enforced while the body streams in (a declared length over the
 *   cap is refused before reading);
 * - no connection reuse (`agent: false`): a pooled socket could outlive the
 *   check it was made under.
 *
 * What the bytes are is not decided here: callers check the content
 * (uploads run it through processImage, like any upload).
 *
 * `allow` lists addresses (optionally with a port) that may be reached
 * although they are not public: tests use it for a fake host on a loopback
 * address; it is empty in production. Imports only Node built-ins and
 * ip-address.ts, so the network-namespace test can load it without a build.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { canonicalAddress, isPublicAddress } from './ip-address';

/* The brief of P3: allowed fetches end at 10 s, whatever the other side does. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/* Three hops cover http -> https and a CDN's own redirect; more is a loop or a probe. */
export const DEFAULT_MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'image-platform-fetcher/1 (reference images)';
const ACCEPT = 'image/png,image/jpeg,image/webp;q=0.9,image/*;q=0.5';

export type SafeFetchErrorCode =
  /** Not a URL, another scheme than http/https, or a user name or password in it. */
  | 'invalid_url'
  /** The host is, or resolves to, an address that is not public (and not allowed). */
  | 'forbidden_address'
  | 'dns_failed'
  | 'too_many_redirects'
  /** A redirect without a Location, or a 3xx that is not a redirect. */
  | 'bad_redirect'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'network';

export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
  readonly code: SafeFetchErrorCode;
  /** The HTTP status, for http_status. */
  readonly status: number | undefined;

  constructor(code: SafeFetchErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (as dns.lookup with `all: true`). Injected by tests. */
export type LookupFunction = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemLookup: LookupFunction = (hostname) =>
  dnsLookup(hostname, { all: true, order: 'verbatim' });

export interface SafeFetchOptions {
  /** Largest body accepted, in bytes; enforced while it streams in. */
  maxBytes: number;
  /** For the whole exchange, redirects included. Default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  maxRedirects?: number;
  lookup?: LookupFunction;
  /** Addresses (`127.0.0.2`, `127.0.0.2:8080`, `[::1]:8080`) reachable although not public. Tests only. */
  allow?: readonly string[];
  signal?: AbortSignal;
  /** Called right before a connection is opened to a vetted address (tests check it never runs for refused URLs). */
  onConnect?: (target: { address: string; port: number; url: string }) => void;
}

export interface SafeFetchResult {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  /** The declared type: informational only, never trusted. */
  contentType: string | undefined;
  bytes: Buffer;
  /** The vetted address the body came from. */
  address: string;
  redirects: number;
}

/** Checks the form of a URL: http or https, a host, no credentials. Throws SafeFetchError `invalid_url`. */
export function vetUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new SafeFetchError('invalid_url', 'not a URL', { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SafeFetchError('invalid_url', `scheme ${url.protocol} is not fetched`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new SafeFetchError('invalid_url', 'credentials in the URL');
  }
  if (url.hostname === '') throw new SafeFetchError('invalid_url', 'no host');
  return url;
}

/** Parses `allow` entries into "address" and "address|port" keys. Throws RangeError on a malformed entry. */
export function parseAllowlist(entries: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    let address = entry;
    let port: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
    const v4WithPort = /^([\d.]+):(\d{1,5})$/.exec(entry);
    if (bracketed) [, address = '', port] = bracketed;
    else if (v4WithPort) [, address = '', port] = v4WithPort;
    const canonical = canonicalAddress(address);
    if (!canonical || (port !== undefined && Number(port) > 65_535)) {
      throw new RangeError(`not an address or address:port: ${JSON.stringify(entry)}`);
    }
    keys.add(port === undefined ? canonical : `${canonical}|${Number(port)}`);
  }
  return keys;
}

function isReachable(address: string, port: number, allowed: Set<string>): boolean {
  if (isPublicAddress(address)) return true;
  const canonical = canonicalAddress(address);
  return canonical !== null && (allowed.has(canonical) || allowed.has(`${canonical}|${port}`));
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Rejects when the signal fires, so a hung resolver cannot outlive the timeout. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The one address this hop will connect to, after every address of the host passed the check. */
async function vetHost(
  url: URL,
  lookup: LookupFunction,
  allowed: Set<string>,
  signal: AbortSignal,
): Promise<ResolvedAddress & { port: number }> {
  const host = bareHost(url.hostname);
  const port = portOf(url);
  let addresses: readonly ResolvedAddress[];
  const family = isIP(host);
  if (family !== 0) {
    addresses = [{ address: host, family }];
  } else {
    const name = host.replace(/\.$/, '');
    // Always loopback (RFC 6761); refused without asking a resolver.
    if (name === 'localhost' || name.endsWith('.localhost')) {
      throw new SafeFetchError('forbidden_address', `${host} is local`);
    }
    try {
      addresses = await untilAborted(lookup(host), signal);
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new SafeFetchError('dns_failed', `${host} did not resolve`, { cause });
    }
    if (addresses.length === 0) throw new SafeFetchError('dns_failed', `${host} has no address`);
  }
  // Every address must pass: a resolver that mixes a public and a private answer is refused.
  for (const { address } of addresses) {
    if (!isReachable(address, port, allowed)) {
      throw new SafeFetchError('forbidden_address', `${host} resolves to a non-public address`);
    }
  }
  return { ...addresses[0]!, port };
}

type Hop =
  { kind: 'redirect'; location: string } | { kind: 'body'; response: IncomingMessage; bytes: Buffer };

/** One request to the vetted address; follows nothing. */
function requestOnce(
  url: URL,
  target: ResolvedAddress & { port: number },
  maxBytes: number,
  signal: AbortSignal,
): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const fail = (error: Error) => finish(() => reject(error));
    const host = bareHost(url.hostname);
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request({
      hostname: host,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { host: url.host, accept: ACCEPT, 'accept-encoding': 'identity', 'user-agent': USER_AGENT },
      agent: false,
      signal,
      // The pin: whatever Node asks, the answer is the address vetted above. No second DNS query.
      lookup: (_hostname, options, callback) => {
        if (options.all) callback(null, [{ address: target.address, family: target.family }]);
        else callback(null, target.address, target.family);
      },
      ...(isIP(host) === 0 && url.protocol === 'https:' ? { servername: host } : {}),
    });
    request.on('socket', (socket: Socket) => {
      socket.once('connect', () => {
        if (canonicalAddress(socket.remoteAddress ?? '') !== canonicalAddress(target.address)) {
          request.destroy(new SafeFetchError('forbidden_address', 'connected to an unexpected peer'));
        }
      });
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        const location = response.headers.location;
        response.destroy();
        if (!REDIRECT_STATUSES.has(status) || !location) {
          fail(new SafeFetchError('bad_redirect', `status ${status} without a usable Location`, { status }));
        } else {
          finish(() => resolve({ kind: 'redirect', location }));
        }
        return;
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        fail(new SafeFetchError('http_status', `status ${status}`, { status }));
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        fail(new SafeFetchError('too_large', `declares ${declared} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          // Stop reading at once: the rest is never received.
          request.destroy();
          fail(new SafeFetchError('too_large', `more than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        finish(() => resolve({ kind: 'body', response, bytes: Buffer.concat(chunks) })),
      );
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new SafeFetchError('network', 'the connection closed early'));
      });
    });
    request.end();
  });
}

function classify(error: unknown, timeout: AbortSignal, caller: AbortSignal | undefined): Error {
  if (error instanceof SafeFetchError) return error;
  if (timeout.aborted) return new SafeFetchError('timeout', 'took too long', { cause: error });
  if (caller?.aborted) return caller.reason instanceof Error ? caller.reason : new Error('aborted');
  return new SafeFetchError('network', error instanceof Error ? error.message : 'failed', { cause: error });
}

/** Fetches a member-supplied URL under the rules above. Throws SafeFetchError. */
export async function safeFetch(input: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const lookup = options.lookup ?? systemLookup;
  const allowed = parseAllowlist(options.allow ?? []);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;

  let url = vetUrl(input);
  try {
    for (let redirects = 0; ; redirects++) {
      const target = await vetHost(url, lookup, allowed, signal);
      options.onConnect?.({ address: target.address, port: target.port, url: url.href });
      const hop = await requestOnce(url, target, options.maxBytes, signal);
      if (hop.kind === 'body') {
        const type = hop.response.headers['content-type'];
        return {
          url: url.href,
          status: hop.response.statusCode ?? 200,
          contentType: type,
          bytes: hop.bytes,
          address: target.address,
          redirects,
        };
      }
      if (redirects >= maxRedirects) {
        throw new SafeFetchError('too_many_redirects', `more than ${maxRedirects} redirects`);
      }
      let next: string;
      try {
        next = new URL(hop.location, url).href;
      } catch (cause) {
        throw new SafeFetchError('bad_redirect', 'unreadable Location', { cause });
      }
      url = vetUrl(next);
    }
  } catch (error) {
    throw classify(error, timeout, options.signal);
  }
}
