/**
 * A fake of BytePlus ModelArk / Volcengine Ark image generation
 * (providers.md §4.8, checklist §7.8): `POST /api/v3/images/generations`
 * with Seedream's fields (`size` as a tier or `WxH` under each model's
 * pixel rules, reference images as data URLs, group generation through
 * `sequential_image_generation`, `response_format`, `watermark`, `seed` on
 * the 3.0 models, `stream` as server-sent events), `GET /api/v3/models`,
 * Bearer auth, and every failure in Ark's shape
 * `{"error": {"code", "message", "param", "type"}}` with messages that end
 * in "Request id: …". Group generation fails per image the way Ark
 * documents it: a filtered image is replaced by an `error` item and the
 * group goes on; an internal error ends the group.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sendJson, startFakeServer, type FakeServer, type QueuedFault } from './fake-server';

export interface ArkFakeOptions {
  /** The key the fake accepts (`Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Model ids that answer; `GET /models` lists them. */
  models?: readonly string[];
  /** Model ids that answer 404 `InvalidEndpointOrModel.NotFound`, as retired ones do. */
  retiredModels?: readonly string[];
  /** Model ids that exist but are not activated on the account: 404 `ModelNotOpen`. */
  inactiveModels?: readonly string[];
  /** Inference endpoints (`ep-…`) and the model each serves. */
  endpoints?: Readonly<Record<string, string>>;
  now?: () => Date;
}

export interface ArkFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/api/v3`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /**
   * In group generation the model picks how many images to make, up to
   * `max_images`. Set this to make it stop earlier (undefined: it makes
   * `max_images`).
   */
  groupSize: number | undefined;
}

export const ARK_LIVE_MODELS = [
  'seedream-4-0-250828',
  'seedream-4-5-251128',
  'seedream-5-0-260128',
  'seedream-3-0-t2i-250415',
  'doubao-seedream-4-0-250828',
  'doubao-seedream-4-5-251128',
  'doubao-seedream-5-0-pro-260128',
  'doubao-seedream-5-0-lite-260128',
];
/** SeedEdit 3.0 was reported gone by 2026-08 (providers.md §1.1, unconfirmed on Ark). */
export const ARK_RETIRED_MODELS = ['seededit-3-0-i2i-250628', 'doubao-seededit-3-0-i2i-250628'];

/** Ark's error envelope; `type` is the HTTP reason in Ark's spelling. */
interface ArkError {
  status: number;
  code: string;
  message: string;
  param?: string;
  type: string;
}

interface Rules {
  /** Resolution tiers and the square edge each renders when the prompt sets no shape. */
  tiers: Readonly<Record<string, number>>;
  minPixels: number;
  maxPixels: number;
  defaultEdge: number;
  /** Group generation (`sequential_image_generation: auto`) and up to 14 references. */
  group: boolean;
  maxReferences: number;
  seed: boolean;
}

/* Per the ModelArk image API page: 4.0 takes 1K–4K from 1280x720 pixels up, 4.5 only 2K/4K from 2560x1440. */
const SEEDREAM_4_0: Rules = {
  tiers: { '1K': 1024, '2K': 2048, '4K': 4096 },
  minPixels: 921_600,
  maxPixels: 16_777_216,
  defaultEdge: 2048,
  group: true,
  maxReferences: 14,
  seed: false,
};
const SEEDREAM_4_5: Rules = { ...SEEDREAM_4_0, tiers: { '2K': 2048, '4K': 4096 }, minPixels: 3_686_400 };
/* 5.0 is assumed to follow 4.5, plus a 3K tier (unconfirmed). */
const SEEDREAM_5_0: Rules = { ...SEEDREAM_4_5, tiers: { '2K': 2048, '3K': 3072, '4K': 4096 } };
const SEEDREAM_3_0: Rules = {
  tiers: {},
  minPixels: 512 * 512,
  maxPixels: 2048 * 2048,
  defaultEdge: 1024,
  group: false,
  maxReferences: 0,
  seed: true,
};

function rulesOf(model: string): Rules {
  if (/seedream-3-0/.test(model)) return SEEDREAM_3_0;
  if (/seedream-4-0/.test(model)) return SEEDREAM_4_0;
  if (/seedream-4-5/.test(model)) return SEEDREAM_4_5;
  return SEEDREAM_5_0;
}

/** Group generation: references plus outputs stay within 15. */
const MAX_GROUP_TOTAL = 15;
/** Input images: 10 MB, more than 14 px a side, at most 6000x6000 pixels, ratio 1/16–16. */
const MAX_INPUT_BYTES = 10 * 1024 * 1024;

function sendError(
  res: ServerResponse,
  requestId: string,
  error: ArkError,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    error.status,
    {
      error: {
        code: error.code,
        message: `${error.message} Request id: ${requestId}`,
        param: error.param ?? '',
        type: error.type,
      },
    },
    { 'x-request-id': requestId, ...headers },
  );
}

const invalid = (param: string, message: string, code = 'InvalidParameter'): ArkError => ({
  status: 400,
  code,
  message,
  param,
  type: 'BadRequest',
});

const notFound = (model: string): ArkError => ({
  status: 404,
  code: 'InvalidEndpointOrModel.NotFound',
  message: `The model or endpoint ${model} does not exist or you do not have access to it.`,
  param: 'model',
  type: 'NotFound',
});

export async function startArkFake(options: ArkFakeOptions = {}): Promise<ArkFake> {
  const apiKey = options.apiKey ?? 'ark-fake-key';
  const models = options.models ?? ARK_LIVE_MODELS;
  const retired = options.retiredModels ?? ARK_RETIRED_MODELS;
  const inactive = options.inactiveModels ?? [];
  const endpoints = options.endpoints ?? { 'ep-20260101000000-seedream': 'seedream-4-5-251128' };
  const now = options.now ?? (() => new Date());
  let rendered = 0;
  let groupSize: number | undefined;

  const server = await startFakeServer(async (request, res) => {
    const requestId = server.nextId('ark-req');
    const isModels = request.method === 'GET' && request.path === '/api/v3/models';
    const isImages = request.method === 'POST' && request.path === '/api/v3/images/generations';
    if (!isModels && !isImages) {
      sendError(res, requestId, {
        status: 404,
        code: 'NotFound',
        message: `${request.method} ${request.path} is not a known API.`,
        type: 'NotFound',
      });
      return;
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      sendError(res, requestId, unauthorized());
      return;
    }
    if (isModels) {
      const created = Math.floor(now().getTime() / 1000);
      sendJson(
        res,
        200,
        {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created, owned_by: 'bytedance' })),
        },
        { 'x-request-id': requestId },
      );
      return;
    }
    const body = parseBody(request.body);
    if (!body) {
      sendError(res, requestId, invalid('', 'The request body is not a valid JSON object.'));
      return;
    }
    const fault = request.takeFault(typeof body.model === 'string' ? body.model : undefined);
    if (await request.stall(fault)) return;
    if (fault && answerFault(res, requestId, fault)) return;

    const model = resolveModel(body.model, { models, retired, inactive, endpoints });
    if ('error' in model) {
      sendError(res, requestId, model.error);
      return;
    }
    const checked = await validate(body, rulesOf(model.id));
    if ('error' in checked) {
      sendError(res, requestId, checked.error);
      return;
    }
    const count = checked.group
      ? Math.min(groupSize ?? checked.maxImages, checked.maxImages, MAX_GROUP_TOTAL - checked.references)
      : 1;
    const items: Item[] = [];
    for (let index = 0; index < count; index++) {
      const failure = itemFailure(fault, index, count);
      if (failure) {
        items.push({ error: failure });
        if (failure.code === 'InternalServiceError') break; // Ark stops the group on an internal error
        continue;
      }
      rendered++;
      const bytes =
        fault?.kind === 'bad_image'
          ? Buffer.from('<html><body>Access denied</body></html>')
          : await render(checked, rendered);
      const size = `${checked.width}x${checked.height}`;
      items.push(
        checked.responseFormat === 'b64_json'
          ? { b64_json: bytes.toString('base64'), size }
          : { url: server.addFile(bytes, checked.mime), size },
      );
    }
    const generated = items.filter((item) => !('error' in item)).length;
    const tokens = Math.round((generated * checked.width * checked.height) / 256);
    const usage = { generated_images: generated, output_tokens: tokens, total_tokens: tokens };
    const created = Math.floor(now().getTime() / 1000);
    if (checked.stream) {
      sendEvents(res, requestId, { model: model.id, created, items, usage });
      return;
    }
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
      res.end('{"model": "seedream", "data": [{"b64_json": "/9j/4AA');
      return;
    }
    const answer =
      fault?.kind === 'wrong_shape'
        ? wrongShape(fault.variant, model.id, created, items)
        : { model: model.id, created, data: items, usage };
    sendJson(res, 200, answer, { 'x-request-id': requestId });
  });

  const fake = Object.assign(server, { baseUrl: `${server.origin}/api/v3`, apiKey });
  return Object.defineProperty(fake, 'groupSize', {
    get: () => groupSize,
    set: (value: number | undefined) => {
      groupSize = value;
    },
  }) as ArkFake;
}

type Item = { url: string; size: string } | { b64_json: string; size: string } | { error: ArkError };

const unauthorized = (): ArkError => ({
  status: 401,
  code: 'AuthenticationError',
  message: 'The API key or AK/SK in the request is missing or invalid.',
  type: 'Unauthorized',
});

function parseBody(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function resolveModel(
  value: unknown,
  known: {
    models: readonly string[];
    retired: readonly string[];
    inactive: readonly string[];
    endpoints: Readonly<Record<string, string>>;
  },
): { id: string } | { error: ArkError } {
  if (typeof value !== 'string' || value === '')
    return { error: invalid('model', 'The parameter `model` is required.', 'MissingParameter') };
  const endpointModel = known.endpoints[value];
  if (endpointModel) return { id: endpointModel };
  if (known.inactive.includes(value)) {
    return {
      error: {
        status: 404,
        code: 'ModelNotOpen',
        message: `Your account has not activated the model ${value}. Please activate the model service in the Ark Console.`,
        param: 'model',
        type: 'NotFound',
      },
    };
  }
  if (known.retired.includes(value) || !known.models.includes(value)) return { error: notFound(value) };
  return { id: value };
}

interface Checked {
  width: number;
  height: number;
  group: boolean;
  maxImages: number;
  references: number;
  responseFormat: 'url' | 'b64_json';
  watermark: boolean;
  stream: boolean;
  format: 'jpeg' | 'png';
  mime: string;
}

async function validate(body: Record<string, unknown>, rules: Rules): Promise<Checked | { error: ArkError }> {
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '')
    return { error: invalid('prompt', 'The parameter `prompt` is required.', 'MissingParameter') };
  const references = await checkImages(body.image, rules);
  if (typeof references !== 'number') return { error: references };
  const size = sizeOf(body.size, rules);
  if (!size)
    return { error: invalid('size', `The parameter \`size\` specified in the request is not valid.`) };
  const sequential = body.sequential_image_generation ?? 'disabled';
  if (sequential !== 'auto' && sequential !== 'disabled')
    return { error: invalid('sequential_image_generation', 'Expected "auto" or "disabled".') };
  const options = body.sequential_image_generation_options as { max_images?: unknown } | undefined;
  const maxImages = options?.max_images ?? MAX_GROUP_TOTAL;
  if (typeof maxImages !== 'number' || !Number.isInteger(maxImages) || maxImages < 1 || maxImages > 15)
    return {
      error: invalid('sequential_image_generation_options.max_images', 'Expected an integer from 1 to 15.'),
    };
  const responseFormat = body.response_format ?? 'url';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json')
    return { error: invalid('response_format', 'Expected "url" or "b64_json".') };
  for (const flag of ['watermark', 'stream'] as const) {
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
      return { error: invalid(flag, `The parameter \`${flag}\` must be a boolean.`) };
  }
  const seed = body.seed;
  if (
    seed !== undefined &&
    (!Number.isInteger(seed) || (seed as number) < -1 || (seed as number) > 2147483647)
  )
    return { error: invalid('seed', 'Expected an integer from -1 to 2147483647.') };
  const format = body.output_format ?? 'jpeg';
  if (format !== 'jpeg' && format !== 'png')
    return { error: invalid('output_format', 'Expected "jpeg" or "png".') };
  return {
    ...size,
    group: rules.group && sequential === 'auto',
    maxImages,
    references,
    responseFormat,
    watermark: body.watermark !== false, // Ark marks images unless told not to
    stream: body.stream === true,
    format,
    mime: `image/${format}`,
  };
}

/** A tier renders a square of its edge; `WxH` must fit the model's pixel range and a ratio of 1/16–16. */
function sizeOf(value: unknown, rules: Rules): { width: number; height: number } | undefined {
  if (value === undefined) return { width: rules.defaultEdge, height: rules.defaultEdge };
  if (typeof value !== 'string') return undefined;
  const tier = rules.tiers[value];
  if (tier) return { width: tier, height: tier };
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  const pixels = width * height;
  const ratio = width / height;
  if (pixels < rules.minPixels || pixels > rules.maxPixels || ratio < 1 / 16 || ratio > 16) return undefined;
  return { width, height };
}

/** The number of reference images, or the error Ark answers for them. */
async function checkImages(value: unknown, rules: Rules): Promise<number | ArkError> {
  if (value === undefined) return 0;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))
    return invalid('image', 'The parameter `image` must be a string or an array of strings.');
  if (list.length > rules.maxReferences)
    return invalid('image', `At most ${rules.maxReferences} reference images are supported by this model.`);
  for (const item of list as string[]) {
    if (/^https?:\/\//.test(item)) continue; // fetched by Ark; the fake takes them on trust
    const match = /^data:image\/([a-z]+);base64,([A-Za-z0-9+/=]+)$/.exec(item);
    if (!match) return invalid('image', 'The image must be a URL or data:image/<format>;base64,<data>.');
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.byteLength > MAX_INPUT_BYTES) return invalid('image', 'The image exceeds 10 MB.');
    const metadata = await sharp(bytes)
      .metadata()
      .catch(() => undefined);
    const { width = 0, height = 0 } = metadata ?? {};
    if (!metadata || width <= 14 || height <= 14 || width * height > 6000 * 6000)
      return invalid('image', 'The image could not be decoded or its size is not supported.');
    if (width / height < 1 / 16 || width / height > 16)
      return invalid('image', 'The image aspect ratio must be between 1/16 and 16.');
  }
  return list.length;
}

/** Per-image failures of group generation, asked for with the `per-image` variant. */
function itemFailure(fault: QueuedFault | undefined, index: number, count: number): ArkError | undefined {
  if (fault?.variant !== 'per-image') return undefined;
  // The last image of the group fails (the only one when there is one).
  if (index !== count - 1) return undefined;
  if (fault.kind === 'content_policy') {
    return {
      status: 400,
      code: 'OutputImageSensitiveContentDetected',
      message: 'The request failed because the output image may contain sensitive information.',
      type: 'BadRequest',
    };
  }
  if (fault.kind === 'server_error') {
    return {
      status: 500,
      code: 'InternalServiceError',
      message: 'The service encountered an unexpected internal error.',
      type: 'InternalServiceError',
    };
  }
  return undefined;
}

async function render(checked: Checked, index: number): Promise<Buffer> {
  const background = { r: (index * 59) % 256, g: (index * 101) % 256, b: (index * 173) % 256 };
  const image = sharp({ create: { width: checked.width, height: checked.height, channels: 3, background } });
  if (checked.watermark) {
    // A light patch in the bottom-right corner stands in for Ark's "AI generated" mark.
    const side = Math.max(8, Math.floor(Math.min(checked.width, checked.height) / 16));
    const patch = await sharp({
      create: { width: side, height: side, channels: 3, background: '#ffffff' },
    })
      .png()
      .toBuffer();
    image.composite([{ input: patch, gravity: 'southeast' }]);
  }
  return checked.format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

/** `stream: true`: one event per image (or failure), then the usage, then `[DONE]`. */
function sendEvents(
  res: ServerResponse,
  requestId: string,
  answer: { model: string; created: number; items: Item[]; usage: Record<string, number> },
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': requestId });
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(
      `event: ${type}\ndata: ${JSON.stringify({ type, model: answer.model, created: answer.created, ...data })}\n\n`,
    );
  answer.items.forEach((item, index) => {
    if ('error' in item) {
      const { code, message } = item.error;
      event('image_generation.partial_failed', { image_index: index, error: { code, message } });
    } else {
      event('image_generation.partial_succeeded', { image_index: index, ...item });
    }
  });
  event('image_generation.completed', { usage: answer.usage });
  res.end('data: [DONE]\n\n');
}

/** 200 answers the adapter cannot use: the images under another name, or an image URL on a private host. */
function wrongShape(variant: string | undefined, model: string, created: number, items: Item[]): unknown {
  if (variant === 'private-url') {
    return { model, created, data: [{ url: 'http://10.0.0.7/image.jpeg', size: '1024x1024' }] };
  }
  return { model, created, images: items };
}

/** Answers a queued failure in Ark's shape; false for faults that shape a success instead. */
function answerFault(res: ServerResponse, requestId: string, fault: QueuedFault): boolean {
  const error = faultError(fault);
  if (error === 'drop') {
    // The request was taken (and would be billed) but the connection dies before an answer.
    res.socket?.destroy();
    return true;
  }
  if (!error) return false;
  const retry = error.status === 429 ? { 'retry-after': '0' } : undefined;
  sendError(res, requestId, error, retry);
  return true;
}

function faultError(fault: QueuedFault): ArkError | 'drop' | undefined {
  const tooMany = (code: string, message: string): ArkError => ({
    status: 429,
    code,
    message,
    type: 'TooManyRequests',
  });
  switch (fault.kind) {
    case 'unauthorized':
      if (fault.variant === 'access-denied')
        return {
          status: 403,
          code: 'AccessDenied',
          message: 'You do not have permission to access this resource.',
          type: 'Forbidden',
        };
      return unauthorized();
    case 'rate_limited':
      return tooMany(
        'RateLimitExceeded.EndpointRPMExceeded',
        'Your request rate has exceeded the rate limit of the endpoint. Please retry later.',
      );
    case 'quota':
      if (fault.variant === 'overdue')
        return {
          status: 403,
          code: 'AccountOverdueError',
          message: 'Your account has an overdue balance. Please recharge.',
          type: 'Forbidden',
        };
      if (fault.variant === 'set-limit')
        return tooMany('SetLimitExceeded', 'You have reached the inference limit you set for this model.');
      return tooMany('QuotaExceeded', 'Your free trial quota for this model has been used up.');
    case 'server_error':
      if (fault.variant === 'per-image') return undefined;
      if (fault.variant === 'drop') return 'drop';
      return {
        status: 500,
        code: 'InternalServiceError',
        message: 'The service encountered an unexpected internal error.',
        type: 'InternalServiceError',
      };
    case 'overloaded':
      if (fault.variant === 'http-503')
        return {
          status: 503,
          code: 'ServiceUnavailable',
          message: 'The service is temporarily unavailable.',
          type: 'ServiceUnavailable',
        };
      return tooMany('ServerOverloaded', 'The service is currently overloaded. Please try again later.');
    case 'content_policy':
      return contentPolicyError(fault.variant);
    case 'retired_model':
      if (fault.variant === 'not-activated')
        return {
          status: 404,
          code: 'ModelNotOpen',
          message:
            'Your account has not activated the model. Please activate the model service in the Ark Console.',
          param: 'model',
          type: 'NotFound',
        };
      return notFound(fault.model ?? 'seedream');
    default:
      return undefined;
  }
}

function contentPolicyError(variant: string | undefined): ArkError | undefined {
  const codes: Record<string, string> = {
    'input-text': 'InputTextSensitiveContentDetected',
    'input-image': 'InputImageSensitiveContentDetected',
    'output-image': 'OutputImageSensitiveContentDetected',
    severe: 'SensitiveContentDetected.SevereViolation',
  };
  if (variant === 'per-image') return undefined;
  const code = codes[variant ?? 'input-text'] ?? 'SensitiveContentDetected';
  return invalid('', 'The request failed because it may contain sensitive information.', code);
}
