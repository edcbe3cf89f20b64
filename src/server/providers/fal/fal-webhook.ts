/**
 * Verifies fal's webhook deliveries (providers.md §4.3, "Webhooks"). fal
 * signs each delivery with Ed25519 over four lines: the request id, the
 * user id, the unix timestamp (all three from `X-Fal-Webhook-*` headers) and
 * the SHA-256 hex of the raw body; the hex signature is in
 * `X-Fal-Webhook-Signature`. Any key of fal's JWKS may have signed it.
 *
 * The keys are fetched from the JWKS URL and cached (at most 24 h, as fal
 * asks); when a signature fits none of the cached keys and they are more
 * than a minute old, the set is fetched once more, so a key rotation is
 * picked up without letting forged deliveries hammer the JWKS endpoint.
 * Timestamps more than 300 s away from our clock are refused (replays).
 * A verified delivery only says that fal spoke: fal retries deliveries for
 * two hours, so the handler must be idempotent on the request id.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

export const FAL_JWKS_URL = 'https://rest.fal.ai/.well-known/jwks.json';

/* fal: cache the JWKS for no more than 24 hours. */
const MAX_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
/* fal: allow ±300 s between its clock and ours. */
const DEFAULT_TOLERANCE_SECONDS = 300;
/* An unknown signature refreshes the keys at most this often. */
const MIN_REFRESH_INTERVAL_MS = 60 * 1000;
const JWKS_TIMEOUT_MS = 5_000;

export type FalWebhookFailure =
  | 'missing_headers'
  | 'stale_timestamp'
  | 'bad_signature'
  | 'jwks_unavailable'
  | 'malformed_body'
  | 'request_id_mismatch';

/** The body fal posts: the request's outcome, or its error. */
export interface FalWebhookBody {
  request_id: string;
  gateway_request_id?: string;
  status: 'OK' | 'ERROR';
  /** The endpoint's output; on ERROR, its error body (e.g. `{detail: […]}`); null when not JSON. */
  payload: unknown;
  /** On ERROR, e.g. "Invalid status code: 422". */
  error?: string;
  /** Set when the output was not JSON (payload is then null). */
  payload_error?: string;
}

export type FalWebhookVerification =
  { ok: true; requestId: string; payload: FalWebhookBody } | { ok: false; reason: FalWebhookFailure };

export interface FalWebhookVerifierOptions {
  /** Default https://rest.fal.ai/.well-known/jwks.json. */
  jwksUrl?: string;
  fetch?: typeof fetch;
  /** How long fetched keys are trusted; capped at 24 h. */
  cacheTtlMs?: number;
  toleranceSeconds?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface FalWebhookVerifier {
  /** Checks a delivery against its raw body bytes (never a re-serialised parse). */
  verify(headers: WebhookHeaders, rawBody: Uint8Array | string): Promise<FalWebhookVerification>;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/** The Ed25519 keys of a JWKS document; entries of other kinds are skipped. */
function parseJwks(document: unknown): KeyObject[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((entry: unknown) => {
    const { kty, crv, x } = (entry ?? {}) as { kty?: unknown; crv?: unknown; x?: unknown };
    if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string') return [];
    try {
      return [createPublicKey({ key: { kty, crv, x }, format: 'jwk' })];
    } catch {
      return [];
    }
  });
}

function parseBody(raw: Uint8Array | string): FalWebhookBody | undefined {
  try {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    const body = JSON.parse(text) as Partial<FalWebhookBody> | null;
    if (typeof body?.request_id !== 'string' || (body.status !== 'OK' && body.status !== 'ERROR')) {
      return undefined;
    }
    return body as FalWebhookBody;
  } catch {
    return undefined;
  }
}

/** Fetches and caches fal's keys; concurrent callers share one fetch. */
function createKeyCache(jwksUrl: string, fetcher: typeof fetch, ttlMs: number, now: () => number) {
  let cached: { keys: KeyObject[]; fetchedAt: number } | undefined;
  let inflight: Promise<KeyObject[] | undefined> | undefined;

  const load = async (): Promise<KeyObject[] | undefined> => {
    try {
      const response = await fetcher(jwksUrl, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
      });
      if (!response.ok) return undefined;
      const keys = parseJwks(await response.json());
      if (keys.length === 0) return undefined;
      cached = { keys, fetchedAt: now() };
      return keys;
    } catch {
      return undefined;
    }
  };
  const refresh = async (): Promise<KeyObject[] | undefined> => {
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    // A failed refresh keeps using the keys we had: fal rotates them rarely.
    return (await inflight) ?? cached?.keys;
  };
  return {
    async current(): Promise<KeyObject[] | undefined> {
      if (cached && now() - cached.fetchedAt < ttlMs) return cached.keys;
      return refresh();
    },
    /** Fresh keys after a miss, unless the cached ones were fetched moments ago. */
    async afterMiss(): Promise<KeyObject[] | undefined> {
      if (cached && now() - cached.fetchedAt < MIN_REFRESH_INTERVAL_MS) return undefined;
      return refresh();
    },
  };
}

const verifiesWithAny = (keys: readonly KeyObject[], message: Buffer, signature: Buffer) =>
  keys.some((key) => {
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  });

export function createFalWebhookVerifier(options: FalWebhookVerifierOptions = {}): FalWebhookVerifier {
  const now = options.now ?? (() => Date.now());
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const keys = createKeyCache(
    options.jwksUrl ?? FAL_JWKS_URL,
    options.fetch ?? fetch,
    Math.min(options.cacheTtlMs ?? MAX_CACHE_TTL_MS, MAX_CACHE_TTL_MS),
    now,
  );

  return {
    async verify(headers, rawBody) {
      const requestId = header(headers, 'x-fal-webhook-request-id');
      const userId = header(headers, 'x-fal-webhook-user-id');
      const timestamp = header(headers, 'x-fal-webhook-timestamp');
      const signatureHex = header(headers, 'x-fal-webhook-signature');
      if (!requestId || !userId || !timestamp || !signatureHex)
        return { ok: false, reason: 'missing_headers' };
      if (!/^\d+$/.test(timestamp) || Math.abs(now() / 1000 - Number(timestamp)) > tolerance) {
        return { ok: false, reason: 'stale_timestamp' };
      }
      // An Ed25519 signature is 64 bytes: 128 hex digits.
      if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return { ok: false, reason: 'bad_signature' };
      const digest = createHash('sha256').update(rawBody).digest('hex');
      const message = Buffer.from([requestId, userId, timestamp, digest].join('\n'));
      const signature = Buffer.from(signatureHex, 'hex');

      const known = await keys.current();
      if (!known) return { ok: false, reason: 'jwks_unavailable' };
      if (!verifiesWithAny(known, message, signature)) {
        const fresh = await keys.afterMiss();
        if (!fresh || !verifiesWithAny(fresh, message, signature))
          return { ok: false, reason: 'bad_signature' };
      }
      const body = parseBody(rawBody);
      if (!body) return { ok: false, reason: 'malformed_body' };
      if (body.request_id !== requestId) return { ok: false, reason: 'request_id_mismatch' };
      return { ok: true, requestId, payload: body };
    },
  };
}
