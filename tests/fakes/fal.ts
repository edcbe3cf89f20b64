/**
 * A fake of fal.ai (providers.md §4.3, checklist §7.3) on one origin, with
 * path prefixes standing in for fal's hosts: `/queue` for queue.fal.run,
 * `/run` for fal.run and `/rest` for rest.fal.ai. It speaks the queue
 * protocol: submit to the full endpoint id, then status, result and cancel
 * under the first two segments only (`fal-ai/bytedance/seedream/v4/edit` →
 * `fal-ai/bytedance`), status going IN_QUEUE → IN_PROGRESS → COMPLETED
 * over a few polls (202 until done, 200 then), the result answering 400
 * "still in progress" before that and the model's own status and body after.
 * Inputs are validated per model family as the runner would (422 with a
 * `detail` array); images are real PNG/JPEG bytes served from the fake's own
 * origin. Webhooks (`?fal_webhook=`) are POSTed on completion, signed with
 * the fake's own Ed25519 key, whose public half is served as a JWKS at
 * `/rest/.well-known/jwks.json`. Every FaultKind is answered in fal's wire
 * shape, at submit or where fal would report it (the result, for runner
 * failures and content checks).
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  sendJson,
  startFakeServer,
  type FakeRequest,
  type FakeServer,
  type QueuedFault,
} from './fake-server';

type Family = 'seedream' | 'flux';

interface EndpointSpec {
  family: Family;
  /** How the endpoint takes input images, if it does. */
  images?: 'image_urls' | 'image_url';
}

/* The endpoints the fake runs (§1.2); the fake models fal, independently of the adapter's own rules. */
const DEFAULT_ENDPOINTS: Readonly<Record<string, EndpointSpec>> = {
  'fal-ai/bytedance/seedream/v4/text-to-image': { family: 'seedream' },
  'fal-ai/bytedance/seedream/v4/edit': { family: 'seedream', images: 'image_urls' },
  'fal-ai/bytedance/seedream/v4.5/text-to-image': { family: 'seedream' },
  'fal-ai/bytedance/seedream/v4.5/edit': { family: 'seedream', images: 'image_urls' },
  'fal-ai/flux/schnell': { family: 'flux' },
  'fal-ai/flux/dev': { family: 'flux' },
  'fal-ai/flux/dev/image-to-image': { family: 'flux', images: 'image_url' },
  'fal-ai/flux-pro/v1.1': { family: 'flux' },
};

/* fal's image_size presets; Seedream also takes auto_2K / auto_4K. */
const PRESETS: Readonly<Record<string, { width: number; height: number }>> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};
const SEEDREAM_PRESETS: Readonly<Record<string, { width: number; height: number }>> = {
  ...PRESETS,
  auto_2K: { width: 2048, height: 2048 },
  auto_4K: { width: 4096, height: 4096 },
};

/* Seedream v4 on fal: total pixels 960²–4096², 1–6 images, up to 10 input images. */
const SEEDREAM_MIN_PIXELS = 960 * 960;
const SEEDREAM_MAX_PIXELS = 4096 * 4096;
const LIMITS: Record<Family, { maxImages: number }> = { seedream: { maxImages: 6 }, flux: { maxImages: 4 } };

export interface FalFakeOptions {
  /** The key the fake accepts (`Authorization: Key <apiKey>`). */
  apiKey?: string;
  /** Endpoint ids the runner knows; ids under a known app but not listed answer 404 from the runner. */
  endpoints?: Readonly<Record<string, EndpointSpec>>;
  /** Status polls a request spends IN_QUEUE, then IN_PROGRESS, before COMPLETED (default 1 and 1). */
  queuedPolls?: number;
  runningPolls?: number;
  /** Clock for webhook timestamps and log lines (unix ms). */
  now?: () => number;
  /** The user id webhooks are signed for. */
  userId?: string;
}

export interface WebhookDelivery {
  requestId: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The receiver's HTTP status, or undefined when it could not be reached. */
  status?: number;
}

export type WebhookSigning = 'valid' | 'bad_signature' | 'unknown_key' | 'stale_timestamp';

export interface FalSubmission {
  requestId: string;
  endpoint: string;
  input: Record<string, unknown>;
  webhookUrl: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface FalFake extends FakeServer {
  readonly apiKey: string;
  /** The base URL an adapter is configured with: the queue's, `<origin>/queue`. */
  readonly baseUrl: string;
  /** Stands in for https://queue.fal.run. */
  readonly queueBaseUrl: string;
  /** Stands in for https://fal.run. */
  readonly runBaseUrl: string;
  /** Stands in for https://rest.fal.ai. */
  readonly restBaseUrl: string;
  /** `<rest>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  readonly userId: string;
  /** Every accepted queue submission, in order (with the `fal_webhook` URL, which the request log omits). */
  readonly submissions: FalSubmission[];
  readonly webhooks: WebhookDelivery[];
  /** While true, running requests stay IN_PROGRESS (fal's "stuck" mode). */
  stuck: boolean;
  /** When set, requests also complete this long after submission without being polled, as on fal. */
  completeAfterMs: number | undefined;
  /** How the next webhooks are signed. */
  webhookSigning: WebhookSigning;
  /** Delay before each webhook delivery. */
  webhookDelayMs: number;
  /** Completes a request now (running the model) and delivers its webhook. */
  finish(requestId: string): Promise<void>;
  /** The first delivery of a request's webhook, when it happens. */
  webhookFor(requestId: string): Promise<WebhookDelivery>;
  /** POSTs a request's last webhook again, byte for byte, signature included (fal's retries). */
  redeliverWebhook(requestId: string): Promise<WebhookDelivery>;
  /** Signature headers for `body` as fal sends them; `key: 'rogue'` signs with a key outside the JWKS. */
  signWebhook(
    body: string,
    requestId: string,
    options?: { timestampSeconds?: number; key?: 'fal' | 'rogue' },
  ): Record<string, string>;
}

/** What a finished request answers on its response URL. */
interface Outcome {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface QueuedRequest {
  id: string;
  endpoint: string;
  app: string;
  input: Record<string, unknown>;
  fault: QueuedFault | undefined;
  webhookUrl: string | undefined;
  polls: number;
  completed: boolean;
  cancelled: boolean;
  outcome: Promise<Outcome> | undefined;
  statusFaultUsed: boolean;
}

type Detail = { loc: (string | number)[]; msg: string; type: string; ctx?: Record<string, unknown> };

const appOf = (endpoint: string) => endpoint.split('/').slice(0, 2).join('/');
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Outcome => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});
const validation = (details: Detail[]): Outcome =>
  json(422, { detail: details }, { 'x-fal-retryable': 'false' });

/** A request id shaped like fal's UUIDs, but deterministic. */
function uuidLike(n: number): string {
  return `0000${n.toString(16).padStart(4, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Where a queued fault shows: at submit, on a status poll, on the result, or in the output itself. */
function placement(fault: QueuedFault): 'submit' | 'status' | 'result' | 'output' {
  if (fault.variant === 'submit' || fault.variant === 'status' || fault.variant === 'result') {
    return fault.variant;
  }
  switch (fault.kind) {
    case 'server_error':
    case 'overloaded':
    case 'invalid_json':
    case 'wrong_shape':
      return 'result';
    case 'content_policy':
      return fault.variant === 'nsfw' || fault.variant === 'nsfw_partial' ? 'output' : 'result';
    case 'bad_image':
      return 'output';
    default:
      return 'submit';
  }
}

/** A fault answered as an HTTP error in fal's shape; undefined for faults that shape a success instead. */
function faultOutcome(fault: QueuedFault, endpoint: string): Outcome | undefined {
  switch (fault.kind) {
    case 'unauthorized':
      return json(401, { detail: 'Invalid Key Authorization header format or unknown key.' });
    case 'rate_limited':
      return json(
        429,
        { detail: 'Concurrent request limit exceeded for this user.' },
        { 'retry-after': '0', 'x-fal-retryable': 'true' },
      );
    case 'quota':
      return json(403, {
        detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
      });
    case 'server_error':
      if (fault.variant === 'request_timeout' || fault.variant === 'startup_timeout') {
        return json(
          504,
          { detail: 'Request timed out', error_type: fault.variant },
          { 'x-fal-error-type': fault.variant, 'x-fal-retryable': 'true' },
        );
      }
      return json(500, { detail: 'Internal Server Error' }, { 'x-fal-retryable': 'false' });
    case 'overloaded': {
      const type =
        fault.variant === 'runner_disconnected' ? 'runner_disconnected' : 'runner_scheduling_failure';
      return json(
        503,
        { detail: 'No runner could be allocated to handle the request.', error_type: type },
        { 'x-fal-error-type': type, 'x-fal-retryable': 'true' },
      );
    }
    case 'content_policy':
      return json(
        422,
        {
          detail: [
            {
              loc: ['body', 'prompt'],
              msg: 'The content was flagged by a content checker.',
              type: 'content_policy_violation',
              url: 'https://docs.fal.ai/errors#content_policy_violation',
              input: '…',
              categories: [fault.variant ?? 'sexual'],
            },
          ],
        },
        { 'x-fal-retryable': 'false' },
      );
    case 'retired_model':
      return json(404, { detail: `Application '${appOf(endpoint)}' not found` });
    case 'invalid_json':
      return { status: 200, body: '{"images": [{"url": ', headers: { 'content-type': 'application/json' } };
    case 'wrong_shape':
      return json(200, { output: { files: [] }, version: 2 });
    default:
      return undefined;
  }
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** pydantic-style range checks for an optional integer field. */
function checkInt(
  details: Detail[],
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
) {
  const value = input[field];
  if (value === undefined) return;
  if (!isInt(value)) {
    details.push({ loc: ['body', field], msg: 'Input should be a valid integer', type: 'int_type' });
  } else if (value < min) {
    details.push({
      loc: ['body', field],
      msg: `Input should be greater than or equal to ${min}`,
      type: 'greater_than_equal',
      ctx: { ge: min },
    });
  } else if (value > max) {
    details.push({
      loc: ['body', field],
      msg: `Input should be less than or equal to ${max}`,
      type: 'less_than_equal',
      ctx: { le: max },
    });
  }
}

function readSize(
  details: Detail[],
  value: unknown,
  family: Family,
): { width: number; height: number } | undefined {
  const presets = family === 'seedream' ? SEEDREAM_PRESETS : PRESETS;
  if (value === undefined) {
    return family === 'seedream' ? { width: 2048, height: 2048 } : { width: 1024, height: 768 };
  }
  if (typeof value === 'string') {
    const preset = presets[value];
    if (!preset) {
      details.push({
        loc: ['body', 'image_size'],
        msg: `Input should be ${Object.keys(presets).join(', ')}`,
        type: 'enum',
      });
    }
    return preset;
  }
  const { width, height } = (value ?? {}) as { width?: unknown; height?: unknown };
  if (!isInt(width) || !isInt(height) || width < 64 || height < 64 || width > 14_142 || height > 14_142) {
    details.push({ loc: ['body', 'image_size'], msg: 'Invalid image size', type: 'value_error' });
    return undefined;
  }
  const pixels = width * height;
  if (family === 'seedream' && (pixels < SEEDREAM_MIN_PIXELS || pixels > SEEDREAM_MAX_PIXELS)) {
    details.push({
      loc: ['body', 'image_size'],
      msg: 'The total number of pixels must be between 960x960 and 4096x4096.',
      type: 'value_error',
    });
    return undefined;
  }
  return { width, height };
}

/** Decodes an input image the way the runner downloads it; data URIs only (tests never send loopback URLs). */
async function loadsAsImage(url: unknown): Promise<boolean> {
  if (typeof url !== 'string') return false;
  const match = /^data:image\/[a-z+.-]+;base64,(.+)$/i.exec(url);
  if (!match?.[1]) return false;
  try {
    await sharp(Buffer.from(match[1], 'base64')).metadata();
    return true;
  } catch {
    return false;
  }
}

async function checkImages(details: Detail[], input: Record<string, unknown>, spec: EndpointSpec) {
  if (spec.images === 'image_url') {
    if (input.image_url === undefined) {
      details.push({ loc: ['body', 'image_url'], msg: 'Field required', type: 'missing' });
    } else if (!(await loadsAsImage(input.image_url))) {
      details.push({
        loc: ['body', 'image_url'],
        msg: 'Failed to load the image.',
        type: 'image_load_error',
      });
    }
  }
  if (spec.images === 'image_urls') {
    const urls = input.image_urls;
    if (!Array.isArray(urls) || urls.length === 0) {
      details.push({ loc: ['body', 'image_urls'], msg: 'Field required', type: 'missing' });
      return;
    }
    if (urls.length > 10) {
      details.push({
        loc: ['body', 'image_urls'],
        msg: 'At most 10 images',
        type: 'too_long',
        ctx: { max_length: 10 },
      });
    }
    for (const [index, url] of urls.entries()) {
      if (!(await loadsAsImage(url))) {
        details.push({
          loc: ['body', 'image_urls', index],
          msg: 'Failed to load the image.',
          type: 'image_load_error',
        });
      }
    }
  }
}

interface ValidInput {
  prompt: string;
  size: { width: number; height: number };
  count: number;
  seed: number;
  format: 'png' | 'jpeg';
}

async function validate(
  input: Record<string, unknown>,
  spec: EndpointSpec,
  fallbackSeed: number,
): Promise<ValidInput | Detail[]> {
  const details: Detail[] = [];
  const prompt = input.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    details.push({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' });
  }
  const size = readSize(details, input.image_size, spec.family);
  checkInt(details, input, 'num_images', 1, LIMITS[spec.family].maxImages);
  checkInt(details, input, 'seed', 0, 2 ** 32 - 1);
  if (spec.family === 'seedream') checkInt(details, input, 'max_images', 1, 6);
  const format = input.output_format ?? (spec.family === 'flux' ? 'jpeg' : 'png');
  if (format !== 'png' && format !== 'jpeg') {
    details.push({ loc: ['body', 'output_format'], msg: "Input should be 'jpeg' or 'png'", type: 'enum' });
  }
  await checkImages(details, input, spec);
  if (details.length > 0 || !size) return details;
  return {
    prompt: String(prompt),
    size,
    count: isInt(input.num_images) ? input.num_images : 1,
    seed: isInt(input.seed) ? input.seed : fallbackSeed,
    format: format as 'png' | 'jpeg',
  };
}

export async function startFalFake(options: FalFakeOptions = {}): Promise<FalFake> {
  const apiKey = options.apiKey ?? 'fal-fake-key-id:fal-fake-key-secret';
  const endpoints = options.endpoints ?? DEFAULT_ENDPOINTS;
  const apps = new Set(Object.keys(endpoints).map(appOf));
  const queuedPolls = options.queuedPolls ?? 1;
  const runningPolls = options.runningPolls ?? 1;
  const now = options.now ?? (() => Date.now());
  const userId = options.userId ?? 'fake-user-1';
  const signing = generateKeyPairSync('ed25519');
  const rogue = generateKeyPairSync('ed25519');
  const jwk = signing.publicKey.export({ format: 'jwk' });
  const requests = new Map<string, QueuedRequest>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Map<string, ((delivery: WebhookDelivery) => void)[]>();
  let requestCount = 0;
  let imageCount = 0;

  const renderImage = async (
    size: { width: number; height: number },
    format: 'png' | 'jpeg',
    black: boolean,
  ) => {
    imageCount += 1;
    const background = black
      ? { r: 0, g: 0, b: 0 }
      : { r: (imageCount * 53) % 256, g: (imageCount * 97) % 256, b: (imageCount * 151) % 256 };
    const bytes = await sharp({ create: { ...size, channels: 3, background } })
      .toFormat(format)
      .toBuffer();
    return bytes;
  };

  /** Runs the model: validation, then images stored on the fake's origin. */
  const runModel = async (request: Pick<QueuedRequest, 'endpoint' | 'input' | 'fault'>): Promise<Outcome> => {
    const spec = endpoints[request.endpoint];
    if (!spec)
      return json(404, { detail: `Path /${request.endpoint.split('/').slice(2).join('/')} not found` });
    const checked = await validate(request.input, spec, 1_000 + requestCount);
    if (Array.isArray(checked)) return validation(checked);
    const fault = request.fault && placement(request.fault) === 'output' ? request.fault : undefined;
    const flagged = (index: number) =>
      fault?.kind === 'content_policy' && (fault.variant === 'nsfw' || index === 0);
    const images = [];
    for (let index = 0; index < checked.count; index++) {
      const contentType = checked.format === 'png' ? 'image/png' : 'image/jpeg';
      const bytes =
        fault?.kind === 'bad_image'
          ? Buffer.from('<html><body>502 Bad Gateway</body></html>')
          : await renderImage(checked.size, checked.format, flagged(index));
      images.push({
        url: server.addFile(bytes, contentType),
        content_type: contentType,
        file_name: `image-${index}.${checked.format === 'png' ? 'png' : 'jpg'}`,
        file_size: bytes.byteLength,
        ...checked.size,
      });
    }
    const body: Record<string, unknown> = { images, seed: checked.seed };
    if (spec.family === 'flux') {
      body.timings = { inference: 0.42 };
      body.has_nsfw_concepts = images.map((_, index) => flagged(index));
      body.prompt = checked.prompt;
    }
    return json(200, body);
  };

  const outcomeOf = (request: QueuedRequest): Promise<Outcome> => {
    if (!request.outcome) {
      const fault = request.fault && placement(request.fault) === 'result' ? request.fault : undefined;
      const failure = fault ? faultOutcome(fault, request.endpoint) : undefined;
      request.outcome = request.cancelled
        ? Promise.resolve(json(400, { detail: 'Request was cancelled' }))
        : failure
          ? Promise.resolve(failure)
          : runModel(request);
    }
    return request.outcome;
  };

  const signWebhook: FalFake['signWebhook'] = (body, requestId, signOptions = {}) => {
    const timestamp = String(signOptions.timestampSeconds ?? Math.floor(now() / 1000));
    const digest = createHash('sha256').update(body).digest('hex');
    const message = Buffer.from([requestId, userId, timestamp, digest].join('\n'));
    const key: KeyObject = signOptions.key === 'rogue' ? rogue.privateKey : signing.privateKey;
    return {
      'x-fal-webhook-request-id': requestId,
      'x-fal-webhook-user-id': userId,
      'x-fal-webhook-timestamp': timestamp,
      'x-fal-webhook-signature': sign(null, message, key).toString('hex'),
    };
  };

  const webhookBody = async (request: QueuedRequest): Promise<string> => {
    const outcome = await outcomeOf(request);
    const base = { request_id: request.id, gateway_request_id: request.id };
    let payload: unknown = null;
    let payloadError: string | undefined;
    try {
      payload = JSON.parse(outcome.body);
    } catch {
      payloadError =
        'Response payload is not JSON serializable. Use the queue endpoint to retrieve the response.';
    }
    const ok = outcome.status >= 200 && outcome.status < 300;
    return JSON.stringify({
      ...base,
      status: ok ? 'OK' : 'ERROR',
      payload,
      ...(ok ? {} : { error: `Invalid status code: ${outcome.status}` }),
      ...(payloadError ? { payload_error: payloadError } : {}),
    });
  };

  const post = async (delivery: WebhookDelivery): Promise<WebhookDelivery> => {
    const sent: WebhookDelivery = { ...delivery, status: undefined };
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...delivery.headers },
        body: delivery.body,
        // fal gives a receiver 15 s before it counts the delivery as failed.
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      sent.status = response.status;
    } catch {
      sent.status = undefined;
    }
    fake.webhooks.push(sent);
    for (const resolve of waiters.get(delivery.requestId) ?? []) resolve(sent);
    waiters.delete(delivery.requestId);
    return sent;
  };

  const deliverWebhook = async (request: QueuedRequest): Promise<void> => {
    if (!request.webhookUrl) return;
    const body = await webhookBody(request);
    const mode = fake.webhookSigning;
    let headers = signWebhook(body, request.id, {
      ...(mode === 'stale_timestamp' ? { timestampSeconds: Math.floor(now() / 1000) - 3_600 } : {}),
      ...(mode === 'unknown_key' ? { key: 'rogue' as const } : {}),
    });
    if (mode === 'bad_signature') {
      const signature = headers['x-fal-webhook-signature']!;
      headers = {
        ...headers,
        'x-fal-webhook-signature': `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`,
      };
    }
    if (fake.webhookDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.webhookDelayMs));
    await post({ requestId: request.id, url: request.webhookUrl, body, headers });
  };

  /** Marks a request done once; its outcome is computed and its webhook sent. */
  const complete = async (request: QueuedRequest): Promise<void> => {
    if (request.completed) return;
    request.completed = true;
    await outcomeOf(request);
    // Delivery runs on its own, as fal's does; its outcome is recorded in `webhooks`.
    deliverWebhook(request).catch(() => undefined);
  };

  const urlsOf = (request: QueuedRequest) => {
    const base = `${fake.queueBaseUrl}/${request.app}/requests/${request.id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  };

  const statusBody = (request: QueuedRequest, state: string, withLogs: boolean) => {
    const logs = withLogs
      ? [
          {
            message: 'Loading weights',
            level: 'INFO',
            source: 'user',
            timestamp: new Date(now()).toISOString(),
          },
        ]
      : null;
    return {
      status: state,
      request_id: request.id,
      ...urlsOf(request),
      logs: state === 'IN_QUEUE' ? null : logs,
      metrics: state === 'COMPLETED' ? { inference_time: 0.42 } : {},
      ...(state === 'IN_QUEUE' ? { queue_position: Math.max(0, queuedPolls - request.polls) } : {}),
    };
  };

  const answer = (res: ServerResponse, outcome: Outcome, requestId?: string) => {
    res.writeHead(outcome.status, {
      ...outcome.headers,
      ...(requestId ? { 'x-fal-request-id': requestId } : {}),
    });
    res.end(outcome.body);
  };

  /** Applies a fault queued at submit but shown on a poll or the result (timing faults, or an error answer). */
  const answeredByFault = async (
    req: FakeRequest,
    res: ServerResponse,
    fault: QueuedFault | undefined,
    endpoint: string,
  ): Promise<boolean> => {
    if (!fault) return false;
    if (await req.stall(fault)) return true;
    const outcome = faultOutcome(fault, endpoint);
    if (!outcome) return false;
    answer(res, outcome);
    return true;
  };

  const submit = async (req: FakeRequest, res: ServerResponse, endpoint: string) => {
    const fault = req.takeFault(endpoint);
    if (fault && placement(fault) === 'submit' && (await answeredByFault(req, res, fault, endpoint))) return;
    if (!apps.has(appOf(endpoint))) {
      answer(res, json(404, { detail: `Application '${appOf(endpoint)}' not found` }));
      return;
    }
    let input: unknown;
    try {
      input = JSON.parse(req.body.toString('utf8'));
    } catch {
      answer(res, validation([{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }]));
      return;
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      answer(
        res,
        validation([{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }]),
      );
      return;
    }
    requestCount += 1;
    const request: QueuedRequest = {
      id: uuidLike(requestCount),
      endpoint,
      app: appOf(endpoint),
      input: input as Record<string, unknown>,
      fault,
      webhookUrl: req.url.searchParams.get('fal_webhook') ?? undefined,
      polls: 0,
      completed: false,
      cancelled: false,
      outcome: undefined,
      statusFaultUsed: false,
    };
    requests.set(request.id, request);
    fake.submissions.push({
      requestId: request.id,
      endpoint,
      input: request.input,
      webhookUrl: request.webhookUrl,
      headers: req.headers,
    });
    if (fake.completeAfterMs !== undefined) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        complete(request).catch(() => undefined);
      }, fake.completeAfterMs);
      timers.add(timer);
    }
    answer(
      res,
      json(200, {
        status: 'IN_QUEUE',
        request_id: request.id,
        ...urlsOf(request),
        queue_position: queuedPolls,
      }),
      request.id,
    );
  };

  const status = async (req: FakeRequest, res: ServerResponse, request: QueuedRequest) => {
    if (request.fault && placement(request.fault) === 'status' && !request.statusFaultUsed) {
      request.statusFaultUsed = true;
      if (await answeredByFault(req, res, request.fault, request.endpoint)) return;
    }
    request.polls += 1;
    const running = request.polls > queuedPolls;
    const done =
      request.completed ||
      request.cancelled ||
      (running && request.polls > queuedPolls + runningPolls && !fake.stuck);
    const withLogs = ['1', 'true'].includes(req.url.searchParams.get('logs') ?? '');
    if (done) {
      await complete(request);
      answer(res, json(200, statusBody(request, 'COMPLETED', withLogs)), request.id);
      return;
    }
    answer(res, json(202, statusBody(request, running ? 'IN_PROGRESS' : 'IN_QUEUE', withLogs)), request.id);
  };

  const result = async (req: FakeRequest, res: ServerResponse, request: QueuedRequest) => {
    if (!request.completed) {
      answer(res, json(400, { detail: 'Request is still in progress' }), request.id);
      return;
    }
    if (request.fault && placement(request.fault) === 'result' && (await req.stall(request.fault))) return;
    answer(res, await outcomeOf(request), request.id);
  };

  const cancel = (res: ServerResponse, request: QueuedRequest) => {
    if (request.completed) {
      answer(res, json(400, { status: 'ALREADY_COMPLETED' }), request.id);
      return;
    }
    request.cancelled = true;
    answer(res, json(202, { status: 'CANCELLATION_REQUESTED' }), request.id);
  };

  /** fal.run: the same runner, answered in one call (no queue, no retries). */
  const runSync = async (req: FakeRequest, res: ServerResponse, endpoint: string) => {
    const fault = req.takeFault(endpoint);
    if (await req.stall(fault)) return;
    const failure = fault && placement(fault) !== 'output' ? faultOutcome(fault, endpoint) : undefined;
    if (failure) {
      answer(res, failure);
      return;
    }
    if (!apps.has(appOf(endpoint))) {
      answer(res, json(404, { detail: `Application '${appOf(endpoint)}' not found` }));
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      answer(res, validation([{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }]));
      return;
    }
    requestCount += 1;
    answer(res, await runModel({ endpoint, input, fault }));
  };

  const route = async (req: FakeRequest, res: ServerResponse) => {
    const path = req.path;
    if (req.method === 'GET' && path === '/rest/.well-known/jwks.json') {
      sendJson(res, 200, { keys: [{ ...jwk, kid: 'fal-fake-1', use: 'sig', alg: 'EdDSA' }] });
      return;
    }
    if (req.headers.authorization !== `Key ${apiKey}`) {
      answer(res, json(401, { detail: 'Invalid Key Authorization header format or unknown key.' }));
      return;
    }
    const queued = /^\/queue\/([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
    if (queued && req.method !== 'POST') {
      const request = requests.get(queued[2]!);
      if (!request || request.app !== queued[1]) {
        answer(res, json(404, { detail: 'Request not found' }));
        return;
      }
      if (req.method === 'GET' && queued[3] === '/status') return status(req, res, request);
      if (req.method === 'GET' && queued[3] === undefined) return result(req, res, request);
      if (req.method === 'PUT' && queued[3] === '/cancel') return cancel(res, request);
    }
    if (/\/requests\//.test(path)) {
      answer(res, json(404, { detail: 'Not Found' }));
      return;
    }
    if (req.method === 'POST' && path.startsWith('/queue/'))
      return submit(req, res, path.slice('/queue/'.length));
    if (req.method === 'POST' && path.startsWith('/run/'))
      return runSync(req, res, path.slice('/run/'.length));
    answer(res, json(404, { detail: 'Not Found' }));
  };

  const server = await startFakeServer(route);
  const signedValidly: WebhookSigning = 'valid';
  const close = server.close.bind(server);
  const fake: FalFake = Object.assign(server, {
    apiKey,
    baseUrl: `${server.origin}/queue`,
    queueBaseUrl: `${server.origin}/queue`,
    runBaseUrl: `${server.origin}/run`,
    restBaseUrl: `${server.origin}/rest`,
    jwksUrl: `${server.origin}/rest/.well-known/jwks.json`,
    userId,
    submissions: [] as FalSubmission[],
    webhooks: [] as WebhookDelivery[],
    stuck: false,
    completeAfterMs: undefined as number | undefined,
    webhookSigning: signedValidly,
    webhookDelayMs: 0,
    async finish(requestId: string) {
      const request = requests.get(requestId);
      if (!request) throw new Error(`no fal request ${requestId}`);
      await complete(request);
    },
    webhookFor(requestId: string) {
      const delivered = fake.webhooks.find((delivery) => delivery.requestId === requestId);
      if (delivered) return Promise.resolve(delivered);
      return new Promise<WebhookDelivery>((resolve) => {
        waiters.set(requestId, [...(waiters.get(requestId) ?? []), resolve]);
      });
    },
    redeliverWebhook(requestId: string) {
      const last = fake.webhooks.findLast((delivery) => delivery.requestId === requestId);
      if (!last) return Promise.reject(new Error(`no webhook was sent for ${requestId}`));
      return post(last);
    },
    signWebhook,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await close();
    },
  });
  return fake;
}
