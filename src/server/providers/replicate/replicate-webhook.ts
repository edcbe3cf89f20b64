/**
 * Verifying Replicate's webhooks (providers.md §4.2, "Webhooks"). Replicate
 * signs each delivery the Svix way: headers `webhook-id`, `webhook-timestamp`
 * (unix seconds) and `webhook-signature` (space-separated `v1,<base64>`
 * entries, several while a secret rotates), each an HMAC-SHA256 over
 * `<id>.<timestamp>.<raw body>` keyed with the base64 bytes after the
 * secret's `whsec_` prefix.
 *
 * The verifier is pure (no clock, no store): the caller gives it `now` and
 * de-duplicates on the returned `id`, since Replicate delivers at least once.
 * A webhook only tells the waiting adapter to poll at once; the poll, not the
 * webhook body, decides the outcome, so a forged or replayed delivery can at
 * worst cause an early poll. It is still verified, so that it cannot even do
 * that.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseReplicatePrediction, type ReplicatePrediction } from './replicate-prediction';

export { parseReplicatePrediction, type ReplicatePrediction } from './replicate-prediction';

/* Svix's and Replicate's suggested window: long enough for clock skew and a slow queue, short against replay. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookRejection =
  | 'missing_headers'
  | 'invalid_secret'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'invalid_signature'
  | 'invalid_payload';

export type WebhookVerification =
  | { ok: true; id: string; timestamp: number; prediction: ReplicatePrediction }
  | { ok: false; reason: WebhookRejection };

export interface VerifyReplicateWebhookOptions {
  /** The request's headers (fetch Headers or Node's header object). */
  headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
  /** The body exactly as received: re-serialised JSON would not match the signature. */
  rawBody: string | Uint8Array;
  /** `whsec_<base64>`, from `GET /v1/webhooks/default/secret`. */
  secret: string;
  /** The current time (default: Date.now()). */
  now?: Date | number;
  /** How far the timestamp may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
}

function header(headers: VerifyReplicateWebhookOptions['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The HMAC key: the base64 bytes after `whsec_`; undefined for a secret that is not one. */
function signingKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : undefined;
}

/** Whether any `v1,<base64>` entry of the header equals `expected`, compared in constant time. */
function hasMatchingSignature(signatures: string, expected: Buffer): boolean {
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const candidate = Buffer.from(encoded, 'base64');
    // Every entry is compared, matching or not, so timing does not tell which one matched.
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched;
}

/**
 * Checks a delivery's signature and age, then reads its prediction. Answers
 * why it refused, for the log; the HTTP answer to Replicate should not say.
 */
export function verifyReplicateWebhook(options: VerifyReplicateWebhookOptions): WebhookVerification {
  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing_headers' };
  const key = signingKey(options.secret);
  if (!key) return { ok: false, reason: 'invalid_secret' };
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'invalid_timestamp' };
  const timestamp = Number(timestampText);
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now / 1000 - timestamp) > tolerance) return { ok: false, reason: 'stale_timestamp' };
  const body =
    typeof options.rawBody === 'string' ? options.rawBody : Buffer.from(options.rawBody).toString('utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  if (!hasMatchingSignature(signatures, expected)) return { ok: false, reason: 'invalid_signature' };
  const prediction = parsePredictionJson(body);
  if (!prediction) return { ok: false, reason: 'invalid_payload' };
  return { ok: true, id, timestamp, prediction };
}

/** A webhook body (the prediction object as JSON text), or undefined when it is not one. */
export function parsePredictionJson(body: string): ReplicatePrediction | undefined {
  try {
    return parseReplicatePrediction(JSON.parse(body) as unknown);
  } catch {
    return undefined;
  }
}
