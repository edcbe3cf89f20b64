/**
 * A fake of Fireworks' FLUX image API (providers.md §4.4, checklist §7.4), so
 * the Fireworks adapter is tested against the real wire format without the
 * network. Base URL `<origin>/inference/v1`, `Authorization: Bearer …`.
 *
 * - FLUX.1 (sync): `POST /workflows/{model}/text_to_image` answers the image
 *   itself (raw bytes for any image Accept, including the AI SDK's wildcard, with
 *   `Seed` and `Finish-Reason` headers) or, for `Accept: application/json`,
 *   `{id, base64: ["data:image/png;base64,…"], finishReason, seed}`. A content
 *   filter is a 200 whose finish reason is `CONTENT_FILTERED`.
 * - Kontext (async): `POST /workflows/{model}` answers `{request_id}`;
 *   `POST /workflows/{model}/get_result` with `{id}` answers
 *   `{id, status, result, progress, details}`, going `Pending` → `Ready` with
 *   `result.sample` on the fake's own origin, or ending in `Error`, `Failed`,
 *   `Request Moderated`, `Content Moderated` or `Task not found`.
 * - Errors in both of Fireworks' shapes: `{"error": {"object": "error", "type",
 *   "code", "message"}}` (the default) or `{"error": "message"}` (variant
 *   `plain`, or the `errorShape` option). Unknown or retired models are 404s.
 * - `GET /models`, the OpenAI-compatible list, for cheap key checks.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  sendJson,
  startFakeServer,
  type FakeRequest,
  type FakeServer,
  type QueuedFault,
} from './fake-server';

export const FLUX_SCHNELL = 'accounts/fireworks/models/flux-1-schnell-fp8';
export const FLUX_DEV = 'accounts/fireworks/models/flux-1-dev-fp8';
export const KONTEXT_PRO = 'accounts/fireworks/models/flux-kontext-pro';
export const KONTEXT_MAX = 'accounts/fireworks/models/flux-kontext-max';

/** The ratios Fireworks lists for FLUX.1 text_to_image; its default is 16:9. */
export const FLUX_RATIOS = ['1:1', '21:9', '16:9', '3:2', '5:4', '4:5', '2:3', '9:16', '9:21', '4:3', '3:4'];

export type KontextTerminalStatus =
  'Ready' | 'Error' | 'Failed' | 'Request Moderated' | 'Content Moderated' | 'Task not found';

export interface FireworksFakeOptions {
  apiKey?: string;
  syncModels?: readonly string[];
  kontextModels?: readonly string[];
  /** Model ids that answer 404 as retired ones do, even when listed above. */
  retiredModels?: readonly string[];
  /** `Pending` answers a Kontext task gives before its final status (default 1). */
  pendingPolls?: number;
  /** The error body shape every error uses unless a fault's variant says `plain` (default structured). */
  errorShape?: 'structured' | 'plain';
}

export interface KontextTask {
  id: string;
  model: string;
  status: KontextTerminalStatus;
  pendingLeft: number;
  /** The submitted body, for assertions. */
  body: Record<string, unknown>;
  sample?: string;
  seed: number;
}

export interface FireworksFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/inference/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Kontext tasks by request id. */
  readonly tasks: ReadonlyMap<string, KontextTask>;
  /** The next Kontext submission ends in `status` (after `pendingPolls` Pending answers). */
  queueKontextOutcome(status: KontextTerminalStatus, options?: { pendingPolls?: number }): void;
  /** Pending answers every later Kontext submission gives before its final status. */
  pendingPolls: number;
}

interface ErrorSpec {
  status: number;
  type: string;
  code: string;
  message: string;
}

type Shape = 'structured' | 'plain';

function sendError(
  res: ServerResponse,
  shape: Shape,
  error: ErrorSpec,
  headers: Record<string, string> = {},
): void {
  const body =
    shape === 'plain'
      ? { error: error.message }
      : { error: { object: 'error', type: error.type, code: error.code, message: error.message } };
  sendJson(res, error.status, body, headers);
}

const badRequest = (message: string): ErrorSpec => ({
  status: 400,
  type: 'invalid_request_error',
  code: 'INVALID_ARGUMENT',
  message,
});

const notFound: ErrorSpec = {
  status: 404,
  type: 'invalid_request_error',
  code: 'NOT_FOUND',
  message: 'Model not found, inaccessible, and/or not deployed',
};

/** About one megapixel at the ratio, both sides in 16-px steps, as FLUX renders. */
export function fluxPixels(ratio: number): { width: number; height: number } {
  const area = 1024 * 1024;
  const step = (side: number) => Math.max(16, Math.round(side / 16) * 16);
  return { width: step(Math.sqrt(area * ratio)), height: step(Math.sqrt(area / ratio)) };
}

function ratioValue(text: string): number | undefined {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) return undefined;
  const ratio = Number(match[1]) / Number(match[2]);
  return Number.isFinite(ratio) && ratio > 0 ? ratio : undefined;
}

/** A solid image whose colour follows the seed, so the same seed gives the same bytes. */
async function render(
  size: { width: number; height: number },
  seed: number,
  format: 'png' | 'jpeg',
  black = false,
): Promise<Buffer> {
  const background = black
    ? { r: 0, g: 0, b: 0 }
    : { r: seed % 256, g: Math.floor(seed / 256) % 256, b: (seed * 7) % 256 };
  return sharp({ create: { ...size, channels: 3, background } })
    .toFormat(format)
    .toBuffer();
}

const NOT_AN_IMAGE = Buffer.from('<html><body>upstream error page</body></html>');

function isInteger(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function parseBody(request: FakeRequest): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(request.body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Answers the faults that are HTTP errors; false for the ones that shape a 200 instead. */
function answerErrorFault(res: ServerResponse, shape: Shape, fault: QueuedFault): boolean {
  const own: Shape = fault.variant === 'plain' ? 'plain' : shape;
  switch (fault.kind) {
    case 'unauthorized':
      sendError(res, own, {
        status: 401,
        type: 'authentication_error',
        code: 'UNAUTHORIZED',
        message: 'The API key you provided is invalid.',
      });
      return true;
    case 'rate_limited': {
      const seconds = fault.variant && /^\d+$/.test(fault.variant) ? fault.variant : '0';
      sendError(
        res,
        own,
        {
          status: 429,
          type: 'rate_limit_error',
          code: 'RATE_LIMIT_EXCEEDED',
          message: 'Request rate limit exceeded, please try again later.',
        },
        { 'retry-after': seconds, 'x-ratelimit-remaining-requests': '0' },
      );
      return true;
    }
    case 'quota':
      sendError(
        res,
        own,
        fault.variant === 'suspended'
          ? {
              status: 412,
              type: 'invalid_request_error',
              code: 'FAILED_PRECONDITION',
              message: 'Account is suspended, possibly due to reaching the monthly spending limit.',
            }
          : {
              status: 402,
              type: 'invalid_request_error',
              code: 'PAYMENT_REQUIRED',
              message: 'Your account is not on a paid plan or has exceeded its usage limits.',
            },
      );
      return true;
    case 'server_error':
      sendError(res, own, {
        status: 500,
        type: 'internal_server_error',
        code: 'INTERNAL',
        message: 'Internal server error',
      });
      return true;
    case 'overloaded':
      sendError(res, own, {
        status: 503,
        type: 'service_unavailable',
        code: 'UNAVAILABLE',
        message: 'The service is temporarily overloaded, please try again later.',
      });
      return true;
    case 'retired_model':
      sendError(res, own, notFound);
      return true;
    default:
      return false;
  }
}

function sendInvalidJson(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"id": "0a1b", "base64": [');
}

export async function startFireworksFake(options: FireworksFakeOptions = {}): Promise<FireworksFake> {
  const apiKey = options.apiKey ?? 'fw_fake_fireworks';
  const syncModels = options.syncModels ?? [FLUX_SCHNELL, FLUX_DEV];
  const kontextModels = options.kontextModels ?? [KONTEXT_PRO, KONTEXT_MAX];
  const retired = new Set(options.retiredModels ?? []);
  const shape: Shape = options.errorShape ?? 'structured';
  const tasks = new Map<string, KontextTask>();
  const outcomes: { status: KontextTerminalStatus; pendingPolls?: number }[] = [];
  let seeds = 0;

  const nextSeed = () => {
    seeds++;
    return (seeds * 7919 + 12_345) % 2 ** 31;
  };

  async function textToImage(
    request: FakeRequest,
    res: ServerResponse,
    model: string,
    fault: QueuedFault | undefined,
  ): Promise<void> {
    if (!syncModels.includes(model) || retired.has(model)) {
      sendError(res, shape, notFound);
      return;
    }
    const body = parseBody(request);
    const invalid = body ? validateTextToImage(body) : 'The request body is not valid JSON.';
    if (invalid || !body) {
      sendError(res, shape, badRequest(invalid ?? 'invalid body'));
      return;
    }
    if (fault?.kind === 'invalid_json') return sendInvalidJson(res);
    const id = server.nextId('img');
    if (fault?.kind === 'wrong_shape') {
      sendJson(res, 200, { id, status: 'SUCCESS', images: [] });
      return;
    }
    const requestedSeed = typeof body.seed === 'number' ? body.seed : 0;
    const seed = requestedSeed > 0 ? requestedSeed : nextSeed();
    const size = fluxPixels(ratioValue(typeof body.aspect_ratio === 'string' ? body.aspect_ratio : '16:9')!);
    const filtered = fault?.kind === 'content_policy';
    const finishReason = filtered ? 'CONTENT_FILTERED' : 'SUCCESS';
    const accept = String(request.headers.accept ?? '*/*');
    if (accept.includes('application/json')) {
      const png = await render(size, seed, 'png', filtered);
      sendJson(res, 200, {
        id,
        base64: [`data:image/png;base64,${png.toString('base64')}`],
        finishReason,
        seed,
      });
      return;
    }
    const format = accept.includes('image/png')
      ? 'png'
      : accept.includes('image/jpeg')
        ? 'jpeg'
        : body.output_format === 'png'
          ? 'png'
          : 'jpeg';
    const bytes = fault?.kind === 'bad_image' ? NOT_AN_IMAGE : await render(size, seed, format, filtered);
    res.writeHead(200, {
      'content-type': `image/${format}`,
      'content-length': String(bytes.byteLength),
      seed: String(seed),
      'finish-reason': finishReason,
    });
    res.end(bytes);
  }

  async function submitKontext(
    request: FakeRequest,
    res: ServerResponse,
    model: string,
    fault: QueuedFault | undefined,
  ): Promise<void> {
    if (!kontextModels.includes(model) || retired.has(model)) {
      sendError(res, shape, notFound);
      return;
    }
    const body = parseBody(request);
    if (!body) {
      sendError(res, shape, badRequest('The request body is not valid JSON.'));
      return;
    }
    const checked = await validateKontext(body);
    if ('error' in checked) {
      sendError(res, shape, badRequest(checked.error));
      return;
    }
    if (fault?.kind === 'invalid_json') return sendInvalidJson(res);
    const id = server.nextId('fw-request');
    if (fault?.kind === 'wrong_shape') {
      sendJson(res, 200, { id, polling_url: `${server.origin}/v1/get_result?id=${id}` });
      return;
    }
    const queued = outcomes.shift();
    const status: KontextTerminalStatus =
      fault?.kind === 'content_policy'
        ? fault.variant === 'content'
          ? 'Content Moderated'
          : 'Request Moderated'
        : (queued?.status ?? 'Ready');
    const seed = typeof body.seed === 'number' && body.seed > 0 ? body.seed : nextSeed();
    const task: KontextTask = {
      id,
      model,
      status,
      pendingLeft: queued?.pendingPolls ?? fake.pendingPolls,
      body,
      seed,
    };
    if (status === 'Ready') {
      const format = body.output_format === 'jpeg' ? 'jpeg' : 'png';
      const bytes =
        fault?.kind === 'bad_image' ? NOT_AN_IMAGE : await render(fluxPixels(checked.ratio), seed, format);
      task.sample = server.addFile(bytes, `image/${format}`);
    }
    tasks.set(id, task);
    sendJson(res, 200, { request_id: id });
  }

  async function getResult(
    request: FakeRequest,
    res: ServerResponse,
    model: string,
    fault: QueuedFault | undefined,
  ): Promise<void> {
    if (!kontextModels.includes(model) || retired.has(model)) {
      sendError(res, shape, notFound);
      return;
    }
    const body = parseBody(request);
    if (typeof body?.id !== 'string' || body.id === '') {
      sendError(res, shape, badRequest('Field required: id'));
      return;
    }
    if (fault?.kind === 'invalid_json') return sendInvalidJson(res);
    const task = tasks.get(body.id);
    if (!task || task.model !== model) {
      sendJson(res, 200, {
        id: body.id,
        status: 'Task not found',
        result: null,
        progress: null,
        details: null,
      });
      return;
    }
    if (fault?.kind === 'content_policy') {
      task.status = fault.variant === 'content' ? 'Content Moderated' : 'Request Moderated';
      task.pendingLeft = 0;
    }
    if (fault?.kind === 'bad_image') {
      task.status = 'Ready';
      task.pendingLeft = 0;
      task.sample = server.addFile(NOT_AN_IMAGE, 'image/png');
    }
    if (fault?.kind === 'wrong_shape') {
      sendJson(res, 200, { id: task.id, state: task.status, sample: task.sample ?? null });
      return;
    }
    if (task.pendingLeft > 0) {
      task.pendingLeft--;
      sendJson(res, 200, { id: task.id, status: 'Pending', result: null, progress: 0.5, details: null });
      return;
    }
    const result =
      task.status === 'Ready'
        ? { sample: task.sample, prompt: task.body.prompt, seed: task.seed, duration: 8.4 }
        : null;
    sendJson(res, 200, { id: task.id, status: task.status, result, progress: null, details: null });
  }

  const server = await startFakeServer(async (request, res) => {
    const match =
      /^\/inference\/v1\/workflows\/(accounts\/[^/]+\/models\/[^/]+)(\/text_to_image|\/get_result)?$/.exec(
        request.path,
      );
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      sendError(res, shape, {
        status: 401,
        type: 'authentication_error',
        code: 'UNAUTHORIZED',
        message: 'The API key you provided is invalid.',
      });
      return;
    }
    if (request.method === 'GET' && request.path === '/inference/v1/models') {
      // The OpenAI-compatible model list: a cheap authenticated call that generates nothing.
      sendJson(res, 200, {
        object: 'list',
        data: [...syncModels, ...kontextModels]
          .filter((id) => !retired.has(id))
          .map((id) => ({ id, object: 'model', owned_by: 'fireworks', created: 1_735_689_600 })),
      });
      return;
    }
    if (request.method !== 'POST' || !match) {
      sendError(res, shape, { ...notFound, message: `Not found: ${request.method} ${request.path}` });
      return;
    }
    const model = match[1]!;
    const fault = request.takeFault(model);
    if (await request.stall(fault)) return;
    if (fault && answerErrorFault(res, shape, fault)) return;
    if (match[2] === '/text_to_image') await textToImage(request, res, model, fault);
    else if (match[2] === '/get_result') await getResult(request, res, model, fault);
    else await submitKontext(request, res, model, fault);
  });

  const fake: FireworksFake = Object.assign(server, {
    baseUrl: `${server.origin}/inference/v1`,
    apiKey,
    tasks,
    pendingPolls: options.pendingPolls ?? 1,
    queueKontextOutcome(status: KontextTerminalStatus, outcome: { pendingPolls?: number } = {}) {
      outcomes.push({ status, ...outcome });
    },
  });
  return fake;
}

/** FLUX.1 text_to_image's fields; other fields (the AI SDK's `samples`) are ignored as the API does. */
function validateTextToImage(body: Record<string, unknown>): string | undefined {
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return 'Field required: prompt';
  if (body.aspect_ratio !== undefined) {
    const ratio =
      typeof body.aspect_ratio === 'string' ? body.aspect_ratio : JSON.stringify(body.aspect_ratio);
    if (!FLUX_RATIOS.includes(ratio)) {
      return `Invalid aspect_ratio ${ratio}: expected one of ${FLUX_RATIOS.join(', ')}`;
    }
  }
  if (body.seed !== undefined && !isInteger(body.seed, 0, 2 ** 32 - 1)) return 'Invalid seed';
  if (body.guidance_scale !== undefined && typeof body.guidance_scale !== 'number') {
    return 'Invalid guidance_scale: expected a number';
  }
  if (body.num_inference_steps !== undefined && !isInteger(body.num_inference_steps, 1, 50)) {
    return 'Invalid num_inference_steps: expected an integer from 1 to 50';
  }
  if (body.output_format !== undefined && body.output_format !== 'png' && body.output_format !== 'jpeg') {
    return 'Invalid output_format';
  }
  return undefined;
}

/** The bytes of a Kontext `input_image`: a data URL or bare base64 (URLs are not fetched by the fake). */
function inputImageBytes(value: string): Buffer | 'url' | undefined {
  if (/^https?:\/\//.test(value)) return 'url';
  const data = /^data:image\/[a-z+.-]+;base64,(.*)$/s.exec(value)?.[1] ?? value;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(data)) return undefined;
  return Buffer.from(data, 'base64');
}

/** Kontext's fields; the output ratio is the asked one, else the input image's, else 1:1. */
async function validateKontext(
  body: Record<string, unknown>,
): Promise<{ ratio: number } | { error: string }> {
  if (typeof body.prompt !== 'string' || body.prompt.trim() === '')
    return { error: 'Field required: prompt' };
  if (body.seed !== undefined && body.seed !== null && !isInteger(body.seed, 0, 2 ** 32 - 1)) {
    return { error: 'Invalid seed' };
  }
  if (body.output_format !== undefined && body.output_format !== 'png' && body.output_format !== 'jpeg') {
    return { error: "Invalid output_format: expected 'jpeg' or 'png'" };
  }
  if (body.safety_tolerance !== undefined && !isInteger(body.safety_tolerance, 0, 6)) {
    return { error: 'Invalid safety_tolerance: expected an integer from 0 to 6' };
  }
  if (
    body.webhook_url !== undefined &&
    body.webhook_url !== null &&
    (typeof body.webhook_url !== 'string' || body.webhook_url.length < 1 || body.webhook_url.length > 2083)
  ) {
    return { error: 'Invalid webhook_url' };
  }
  let ratio = 1;
  if (body.input_image !== undefined && body.input_image !== null) {
    const bytes = typeof body.input_image === 'string' ? inputImageBytes(body.input_image) : undefined;
    if (bytes === undefined) return { error: 'Invalid input_image: expected a base64 image or a URL' };
    if (bytes !== 'url') {
      const metadata = await sharp(bytes)
        .metadata()
        .catch(() => undefined);
      if (!metadata?.width || !metadata.height)
        return { error: 'Invalid input_image: cannot decode the image' };
      ratio = metadata.width / metadata.height;
    }
  }
  if (body.aspect_ratio !== undefined && body.aspect_ratio !== null) {
    const asked = typeof body.aspect_ratio === 'string' ? ratioValue(body.aspect_ratio) : undefined;
    if (asked === undefined || asked > 21 / 9 + 1e-9 || asked < 9 / 21 - 1e-9) {
      return { error: 'Invalid aspect_ratio: it must be between 21:9 and 9:21' };
    }
    ratio = asked;
  }
  return { ratio };
}
