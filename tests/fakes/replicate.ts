/**
 * A fake of Replicate's predictions API (providers.md §4.2, checklist §7.2):
 * create on the model, version and deployment routes, `Prefer: wait`,
 * `GET /v1/account` (a cheap authenticated check of the token),
 * `GET /v1/predictions/{id}` walking `starting → processing → <end>` one step
 * per poll (or on a timer), cancel, output files of real images served from
 * its own origin (an array or a single URL, per model), per-model input
 * validation (422 with `detail`), and every failure in Replicate's shapes:
 * RFC 7807 problem JSON `{title, detail, status}` for HTTP errors, and
 * HTTP 200 predictions ending `failed` with an `error` text for model
 * failures and safety refusals.
 *
 * Predictions created with `webhook` are POSTed to it when they end (and on
 * start, if the filter asks), signed Svix-style with the fake's own
 * `whsec_` secret (`GET /v1/webhooks/default/secret`). Every delivery is
 * recorded, and can be sent again as it was, late, or with a bad signature.
 *
 * The fake does not really hold a `Prefer: wait` call: a prediction whose
 * scripted job takes no longer than the wait comes back finished, any other
 * comes back `starting` at once.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import {
  sendJson,
  startFakeServer,
  type FakeRequest,
  type FakeServer,
  type QueuedFault,
} from './fake-server';

export type PredictionOutcome = 'succeeded' | 'failed' | 'canceled' | 'aborted' | 'stuck' | 'unknown';

/** How the next created prediction behaves (queued with `fake.script`). */
export interface PredictionScript {
  /** How it ends (default succeeded); `stuck` stays processing, `unknown` reports an unlisted status. */
  outcome?: PredictionOutcome;
  /** The failure text, for `failed`. */
  error?: string;
  /** Polls answered `processing` before it ends (default: the fake's `processingPolls`). */
  processingPolls?: number;
  /** How long the job takes, against `Prefer: wait=N` (default: the fake's `jobSeconds`). */
  jobSeconds?: number;
  /** Ends on its own this long after creation (sending its webhook), polls or not. */
  completeAfterMs?: number;
}

export interface ReplicateFakeOptions {
  /** The token the fake accepts (`Authorization: Bearer <token>`). */
  apiToken?: string;
  /** Models that answer 404 on create (retired or unknown to Replicate). */
  retiredModels?: readonly string[];
  /** Deployment `owner/name` → the model it runs. */
  deployments?: Readonly<Record<string, string>>;
  /** `whsec_<base64>`; a fixed one by default. */
  webhookSecret?: string;
  /** Polls answered `processing` before a prediction ends (default 1). */
  processingPolls?: number;
  /** How long a scripted job takes, against `Prefer: wait` (default 10 s: a short wait does not finish it). */
  jobSeconds?: number;
  now?: () => Date;
}

export interface WebhookDelivery {
  webhookId: string;
  predictionId: string;
  event: 'start' | 'completed';
  url: string;
  timestamp: number;
  body: string;
  signature: string;
  /** The receiver's HTTP status, or 0 when it could not be reached. */
  status: number;
}

export type WebhookTamper = 'stale_timestamp' | 'bad_signature';

export interface ReplicateFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/v1`. */
  readonly baseUrl: string;
  readonly apiToken: string;
  readonly webhookSecret: string;
  /** The version id of each known model (for `owner/name:version` routes). */
  readonly versions: Readonly<Record<string, string>>;
  /** Defaults for new predictions (mutable between tests). */
  processingPolls: number;
  jobSeconds: number;
  /** Queues the behaviour of the next created prediction. */
  script(next: PredictionScript): void;
  /** The prediction as the API shows it. */
  prediction(id: string): Record<string, unknown> | undefined;
  /** Deletes a prediction's output, as Replicate does after a while (`data_removed`). */
  removeData(id: string): void;
  /** Every webhook sent, in order. */
  readonly deliveries: WebhookDelivery[];
  /** Resolves when every webhook under way has been answered. */
  webhooksSettled(): Promise<void>;
  /** Sends a delivery again with its id and body (a duplicate), optionally late or badly signed. */
  redeliver(webhookId: string, tamper?: WebhookTamper): Promise<WebhookDelivery>;
}

type Family = 'seedream' | 'flux-batch' | 'flux-single';

/* The models the fake runs, with the shape of their inputs and output. */
const MODELS: Record<string, Family> = {
  'bytedance/seedream-4': 'seedream',
  'bytedance/seedream-4.5': 'seedream',
  'bytedance/seedream-5-lite': 'seedream',
  'black-forest-labs/flux-schnell': 'flux-batch',
  'black-forest-labs/flux-dev': 'flux-batch',
  'black-forest-labs/flux-1.1-pro': 'flux-single',
  'black-forest-labs/flux-2-pro': 'flux-single',
  'black-forest-labs/flux-kontext-pro': 'flux-single',
};

const SEEDREAM_2K: Record<string, [number, number]> = {
  '1:1': [2048, 2048],
  '4:3': [2304, 1728],
  '3:4': [1728, 2304],
  '16:9': [2560, 1440],
  '9:16': [1440, 2560],
  '3:2': [2496, 1664],
  '2:3': [1664, 2496],
  '21:9': [3024, 1296],
};
const FLUX_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
const WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'];

/** Failure texts the way Replicate's models word them. */
export const replicateFailures = {
  sensitive: 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)',
  nsfw: 'NSFW content detected. Try running it again, or try a different prompt.',
  outOfMemory: 'Prediction failed: the model ran out of memory (E1001)',
  unknown: 'Prediction failed for an unknown reason. (E1000)',
};

interface FakePrediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  status: string;
  output: string[] | string | null;
  error: string | null;
  logs: string;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  webhook?: string;
  filter?: string[];
  polls: number;
  script: Required<Omit<PredictionScript, 'completeAfterMs' | 'error'>> & { error?: string };
  badImage: boolean;
  dataRemoved: boolean;
  finishing?: Promise<void>;
}

interface Problem {
  status: number;
  title: string;
  detail: string;
  extra?: Record<string, unknown>;
}

function sendProblem(res: ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    problem.status,
    { title: problem.title, detail: problem.detail, status: problem.status, ...problem.extra },
    { ...headers, 'content-type': 'application/problem+json' },
  );
}

const notFound: Problem = {
  status: 404,
  title: 'Not found',
  detail: 'The requested resource could not be found.',
};

/** A 422 listing the invalid fields the way Replicate does. */
function invalidInput(fields: { field: string; description: string }[]): Problem {
  return {
    status: 422,
    title: 'Input validation failed',
    detail: fields.map((f) => `- ${f.field}: ${f.description}`).join('\n'),
    extra: { invalid_fields: fields.map((f) => ({ type: 'invalid', ...f })) },
  };
}

/* ------------------------------------------------------------ Validation */

type Issue = { field: string; description: string };

function isInt(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkEnum(input: Record<string, unknown>, key: string, allowed: readonly string[], issues: Issue[]) {
  const value = input[key];
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    issues.push({
      field: `input.${key}`,
      description: `${key} must be one of the following: ${allowed.map((a) => `"${a}"`).join(', ')}`,
    });
  }
}

function seedreamIssues(model: string, input: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const tiers = model === 'bytedance/seedream-4.5' ? ['2K', '4K', 'custom'] : ['1K', '2K', '4K', 'custom'];
  checkEnum(input, 'size', tiers, issues);
  checkEnum(input, 'aspect_ratio', ['match_input_image', ...Object.keys(SEEDREAM_2K)], issues);
  checkEnum(input, 'sequential_image_generation', ['disabled', 'auto'], issues);
  if (input.size === 'custom') {
    for (const side of ['width', 'height']) {
      if (!isInt(input[side], 1024, 4096))
        issues.push({ field: `input.${side}`, description: `${side} must be an integer from 1024 to 4096` });
    }
  }
  const maxRefs = model === 'bytedance/seedream-4' ? 10 : 14;
  const refs = input.image_input;
  if (
    refs !== undefined &&
    (!Array.isArray(refs) || refs.length > maxRefs || !refs.every((r) => typeof r === 'string'))
  ) {
    issues.push({ field: 'input.image_input', description: `image_input takes at most ${maxRefs} URIs` });
  }
  const refCount = Array.isArray(refs) ? refs.length : 0;
  if (
    input.max_images !== undefined &&
    (!isInt(input.max_images, 1, 15) || refCount + Number(input.max_images) > 15)
  ) {
    issues.push({
      field: 'input.max_images',
      description: 'max_images must be from 1 to 15, with input and output images at most 15',
    });
  }
  return issues;
}

function fluxIssues(family: Family, input: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  checkEnum(input, 'aspect_ratio', FLUX_RATIOS, issues);
  checkEnum(input, 'output_format', ['webp', 'jpg', 'png'], issues);
  if (family === 'flux-batch' && input.num_outputs !== undefined && !isInt(input.num_outputs, 1, 4)) {
    issues.push({ field: 'input.num_outputs', description: 'num_outputs must be an integer from 1 to 4' });
  }
  if (input.seed !== undefined && !isInt(input.seed, 0, 2 ** 32 - 1)) {
    issues.push({ field: 'input.seed', description: 'seed must be an integer' });
  }
  return issues;
}

function inputIssues(model: string, input: unknown): Issue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ field: 'input', description: 'input is required and must be an object' }];
  }
  const fields = input as Record<string, unknown>;
  const issues: Issue[] =
    typeof fields.prompt === 'string' && fields.prompt !== ''
      ? []
      : [{ field: 'input.prompt', description: 'prompt is required' }];
  const family = MODELS[model] ?? 'flux-single';
  return [...issues, ...(family === 'seedream' ? seedreamIssues(model, fields) : fluxIssues(family, fields))];
}

/* ------------------------------------------------------------- Rendering */

async function referenceSize(input: Record<string, unknown>): Promise<[number, number] | undefined> {
  const first: unknown = Array.isArray(input.image_input) ? input.image_input[0] : undefined;
  const match = typeof first === 'string' ? /^data:[^;]+;base64,(.+)$/.exec(first) : null;
  if (!match?.[1]) return undefined;
  const { width, height } = await sharp(Buffer.from(match[1], 'base64')).metadata();
  return width && height ? [width, height] : undefined;
}

/** The pixel size, format and count of a prediction's output, from its input. */
async function outputShape(
  model: string,
  input: Record<string, unknown>,
): Promise<{ width: number; height: number; format: 'png' | 'jpeg' | 'webp'; count: number }> {
  const family = MODELS[model] ?? 'flux-single';
  if (family === 'seedream') {
    const count = input.sequential_image_generation === 'auto' ? Number(input.max_images ?? 15) : 1;
    const format = input.output_format === 'png' ? 'png' : 'jpeg';
    if (input.size === 'custom')
      return { width: Number(input.width), height: Number(input.height), format, count };
    const ratio = typeof input.aspect_ratio === 'string' ? input.aspect_ratio : 'match_input_image';
    const base = SEEDREAM_2K[ratio] ?? (await referenceSize(input)) ?? [2048, 2048];
    const scale = input.size === '1K' ? 0.5 : input.size === '4K' ? 2 : 1;
    return { width: Math.round(base[0] * scale), height: Math.round(base[1] * scale), format, count };
  }
  const [w = 1, h = 1] = (typeof input.aspect_ratio === 'string' ? input.aspect_ratio : '1:1')
    .split(':')
    .map(Number);
  const megapixel = 1024 * 1024;
  const width = Math.round(Math.sqrt((megapixel * w) / h) / 16) * 16;
  const height = Math.round(Math.sqrt((megapixel * h) / w) / 16) * 16;
  const format = input.output_format === 'png' ? 'png' : input.output_format === 'jpg' ? 'jpeg' : 'webp';
  const count = family === 'flux-batch' ? Number(input.num_outputs ?? 1) : 1;
  return { width, height, format, count };
}

let rendered = 0;

async function renderImage(width: number, height: number, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  rendered++;
  const background = { r: (rendered * 53) % 256, g: (rendered * 97) % 256, b: (rendered * 151) % 256 };
  return sharp({ create: { width, height, channels: 3, background } })
    .toFormat(format)
    .toBuffer();
}

/* ------------------------------------------------------------------ Fake */

export async function startReplicateFake(options: ReplicateFakeOptions = {}): Promise<ReplicateFake> {
  const apiToken = options.apiToken ?? 'r8_fake_replicate_token';
  const webhookSecret =
    options.webhookSecret ??
    `whsec_${createHash('sha256').update('replicate-fake-webhook').digest().subarray(0, 24).toString('base64')}`;
  const now = options.now ?? (() => new Date());
  const retired = new Set(options.retiredModels ?? ['bytedance/seedream-3', 'stability-ai/sdxl']);
  const deployments = options.deployments ?? { 'acme/fast-flux': 'black-forest-labs/flux-schnell' };
  const versions = Object.fromEntries(
    Object.keys(MODELS).map((model) => [model, createHash('sha256').update(model).digest('hex')]),
  );
  const predictions = new Map<string, FakePrediction>();
  const scripts: PredictionScript[] = [];
  const deliveries: WebhookDelivery[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();

  const predictionJson = (p: FakePrediction): Record<string, unknown> => {
    const url = `${server.origin}/v1/predictions/${p.id}`;
    const done = p.completedAt !== undefined;
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: p.input,
      logs: p.logs,
      output: p.dataRemoved ? null : p.output,
      data_removed: p.dataRemoved,
      error: p.error,
      status: p.status,
      source: 'api',
      created_at: p.createdAt.toISOString(),
      started_at: p.startedAt?.toISOString() ?? null,
      completed_at: p.completedAt?.toISOString() ?? null,
      metrics: done ? { predict_time: 1.2, total_time: 1.5 } : {},
      urls: {
        get: url,
        cancel: `${url}/cancel`,
        stream: `${server.origin}/v1/stream/${p.id}`,
        web: `${server.origin}/p/${p.id}`,
      },
      ...(p.webhook ? { webhook: p.webhook, webhook_events_filter: p.filter ?? WEBHOOK_EVENTS } : {}),
    };
  };

  const sign = (id: string, timestamp: number, body: string, secret = webhookSecret): string => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  };

  const post = async (delivery: Omit<WebhookDelivery, 'status'>): Promise<WebhookDelivery> => {
    let status: number;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': delivery.webhookId,
          'webhook-timestamp': String(delivery.timestamp),
          'webhook-signature': `v1,${delivery.signature}`,
        },
        body: delivery.body,
        signal: AbortSignal.timeout(5_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    const sent = { ...delivery, status };
    deliveries.push(sent);
    return sent;
  };

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  };

  const sendWebhook = (p: FakePrediction, event: 'start' | 'completed'): void => {
    if (!p.webhook || !(p.filter ?? WEBHOOK_EVENTS).includes(event)) return;
    const webhookId = server.nextId('msg');
    const timestamp = Math.floor(now().getTime() / 1000);
    const body = JSON.stringify(predictionJson(p));
    void track(
      post({
        webhookId,
        predictionId: p.id,
        event,
        url: p.webhook,
        timestamp,
        body,
        signature: sign(webhookId, timestamp, body),
      }),
    );
  };

  /** Ends a prediction per its script: renders its files, sets its status, sends its webhook. */
  const finish = async (p: FakePrediction, outcome: PredictionOutcome = p.script.outcome): Promise<void> => {
    p.startedAt ??= now();
    // Neither ends the prediction: it can still be polled, and cancelled.
    if (outcome === 'stuck') {
      p.status = 'processing';
      return;
    }
    if (outcome === 'unknown') {
      p.status = 'paused';
      return;
    }
    p.finishing ??= (async () => {
      if (outcome === 'succeeded') {
        const shape = await outputShape(p.model, p.input);
        const urls: string[] = [];
        for (let i = 0; i < shape.count; i++) {
          const bytes = p.badImage
            ? Buffer.from('<html><body>not an image</body></html>')
            : await renderImage(shape.width, shape.height, shape.format);
          urls.push(server.addFile(bytes, `image/${shape.format}`));
        }
        p.output = MODELS[p.model] === 'flux-single' ? (urls[0] ?? null) : urls;
        p.logs += `Generated ${shape.count} image(s) of ${shape.width}x${shape.height}\n`;
      }
      if (outcome === 'failed') {
        p.error = p.script.error ?? replicateFailures.unknown;
        p.logs += `${p.error}\n`;
      }
      p.status = outcome;
      p.completedAt = now();
      sendWebhook(p, 'completed');
    })();
    await p.finishing;
  };

  /** One poll: the next step of the script. */
  const advance = async (p: FakePrediction): Promise<void> => {
    if (p.completedAt || p.finishing) {
      await p.finishing;
      return;
    }
    p.polls++;
    if (p.script.outcome === 'stuck' || p.polls <= p.script.processingPolls) {
      p.status = 'processing';
      p.startedAt ??= now();
      return;
    }
    await finish(p);
  };

  const modelOfRoute = (request: FakeRequest, body: Record<string, unknown>) => {
    const models = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(request.path);
    if (models) return { model: `${models[1]}/${models[2]}` };
    const deployment = /^\/v1\/deployments\/([^/]+)\/([^/]+)\/predictions$/.exec(request.path);
    if (deployment)
      return {
        model:
          deployments[`${deployment[1]}/${deployment[2]}`] ?? `deployment:${deployment[1]}/${deployment[2]}`,
      };
    const version = typeof body.version === 'string' ? body.version : '';
    const model = Object.keys(versions).find(
      (m) => versions[m] === version || `${m}:${versions[m]}` === version,
    );
    return model ? { model } : { versionMissing: true };
  };

  const create = async (request: FakeRequest, res: ServerResponse): Promise<void> => {
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(request.body.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      sendProblem(res, {
        status: 400,
        title: 'Invalid request body',
        detail: 'The request body is not a JSON object.',
      });
      return;
    }
    const route = modelOfRoute(request, body);
    const fault = request.takeFault(route.model);
    if (await request.stall(fault)) return;
    if (fault && answerHttpFault(res, fault)) return;
    if (!route.model) {
      sendProblem(res, {
        status: 422,
        title: 'Invalid version or not permitted',
        detail: "The specified version does not exist (or perhaps you don't have permission to use it?)",
      });
      return;
    }
    if (retired.has(route.model) || !(route.model in MODELS)) {
      sendProblem(res, notFound);
      return;
    }
    const issues = inputIssues(route.model, body.input);
    const filter = body.webhook_events_filter;
    if (
      filter !== undefined &&
      (!Array.isArray(filter) || filter.some((e) => !WEBHOOK_EVENTS.includes(String(e))))
    ) {
      issues.push({
        field: 'webhook_events_filter',
        description: `events must be among ${WEBHOOK_EVENTS.join(', ')}`,
      });
    }
    if (
      body.webhook !== undefined &&
      (typeof body.webhook !== 'string' || !/^https?:\/\//.test(body.webhook))
    ) {
      issues.push({ field: 'webhook', description: 'webhook must be an HTTP(S) URL' });
    }
    if (issues.length > 0) {
      sendProblem(res, invalidInput(issues));
      return;
    }
    const script = scripts.shift() ?? {};
    const p: FakePrediction = {
      id: server.nextId('pred'),
      model: route.model,
      version: versions[route.model] ?? '',
      input: body.input as Record<string, unknown>,
      status: 'starting',
      output: null,
      error: null,
      logs: '',
      createdAt: now(),
      ...(typeof body.webhook === 'string' ? { webhook: body.webhook } : {}),
      ...(Array.isArray(filter) ? { filter: filter.map(String) } : {}),
      polls: 0,
      script: {
        outcome: script.outcome ?? 'succeeded',
        processingPolls: script.processingPolls ?? fake.processingPolls,
        jobSeconds: script.jobSeconds ?? fake.jobSeconds,
        ...(script.error ? { error: script.error } : {}),
      },
      badImage: fault?.kind === 'bad_image',
      dataRemoved: false,
    };
    applyOutcomeFault(p, fault);
    predictions.set(p.id, p);
    sendWebhook(p, 'start');
    if (script.completeAfterMs !== undefined) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void track(finish(p));
      }, script.completeAfterMs);
      timers.add(timer);
    }
    const wait = preferWait(request.headers.prefer);
    if (wait !== undefined && p.script.jobSeconds <= wait && p.script.outcome !== 'stuck') await finish(p);
    answerPrediction(res, p, fault, 201);
  };

  const answerPrediction = (
    res: ServerResponse,
    p: FakePrediction,
    fault: QueuedFault | undefined,
    status = 200,
  ) => {
    if (fault?.kind === 'invalid_json') {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`{"id": "${p.id}", "status": "${p.status}", "urls": {`);
      return;
    }
    const json = predictionJson(p);
    sendJson(res, status, fault?.kind === 'wrong_shape' ? { prediction: json } : json);
  };

  const poll = async (request: FakeRequest, res: ServerResponse, p: FakePrediction): Promise<void> => {
    const fault = request.takeFault(p.model);
    if (await request.stall(fault)) return;
    if (fault && answerHttpFault(res, fault)) return;
    if (fault?.kind === 'bad_image') p.badImage = true;
    if (fault?.kind === 'content_policy') {
      p.script.error = fault.variant === 'nsfw' ? replicateFailures.nsfw : replicateFailures.sensitive;
      await finish(p, 'failed');
    } else {
      await advance(p);
    }
    answerPrediction(res, p, fault);
  };

  const cancel = async (res: ServerResponse, p: FakePrediction): Promise<void> => {
    if (!p.completedAt && !p.finishing) await finish(p, 'canceled');
    else await p.finishing;
    sendJson(res, 200, predictionJson(p));
  };

  const server = await startFakeServer(async (request, res) => {
    const auth = request.headers.authorization;
    if (auth !== `Bearer ${apiToken}` && auth !== `Token ${apiToken}`) {
      sendProblem(res, {
        status: 401,
        title: 'Unauthenticated',
        detail: 'You did not pass a valid authentication token',
      });
      return;
    }
    const { method, path } = request;
    if (
      method === 'POST' &&
      /^\/v1\/(models\/[^/]+\/[^/]+\/|deployments\/[^/]+\/[^/]+\/|)predictions$/.test(path)
    ) {
      await create(request, res);
      return;
    }
    const predictionPath = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
    const p = predictionPath?.[1] ? predictions.get(predictionPath[1]) : undefined;
    if (method === 'GET' && p && !predictionPath?.[2]) {
      await poll(request, res, p);
      return;
    }
    if (method === 'POST' && p && predictionPath?.[2]) {
      await cancel(res, p);
      return;
    }
    if (method === 'GET' && path === '/v1/account') {
      sendJson(res, 200, { type: 'organization', username: 'fake-org', name: 'Fake Org', github_url: null });
      return;
    }
    if (method === 'GET' && path === '/v1/webhooks/default/secret') {
      sendJson(res, 200, { key: webhookSecret });
      return;
    }
    sendProblem(res, notFound);
  });

  const close = server.close.bind(server);
  const fake: ReplicateFake = Object.assign(server, {
    baseUrl: `${server.origin}/v1`,
    apiToken,
    webhookSecret,
    versions,
    processingPolls: options.processingPolls ?? 1,
    jobSeconds: options.jobSeconds ?? 10,
    deliveries,
    script(next: PredictionScript) {
      scripts.push(next);
    },
    prediction(id: string) {
      const p = predictions.get(id);
      return p ? predictionJson(p) : undefined;
    },
    removeData(id: string) {
      const p = predictions.get(id);
      if (p) p.dataRemoved = true;
    },
    async webhooksSettled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async redeliver(webhookId: string, tamper?: WebhookTamper) {
      const original = deliveries.find((d) => d.webhookId === webhookId);
      if (!original) throw new Error(`no delivery ${webhookId}`);
      const timestamp =
        tamper === 'stale_timestamp' ? original.timestamp - 3_600 : Math.floor(now().getTime() / 1000);
      const secret =
        tamper === 'bad_signature'
          ? `whsec_${Buffer.from('not the secret').toString('base64')}`
          : webhookSecret;
      return track(
        post({ ...original, timestamp, signature: sign(webhookId, timestamp, original.body, secret) }),
      );
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await fake.webhooksSettled();
      await close();
    },
  });
  return fake;
}

/** `Prefer: wait` → 60 s, `wait=N` → N (1-60); undefined without the header. */
function preferWait(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^\s*wait(?:=(\d+))?\s*$/.exec(value) : null;
  if (!match) return undefined;
  return match[1] ? Math.min(60, Math.max(1, Number(match[1]))) : 60;
}

/** Faults that shape how a new prediction ends rather than the HTTP answer. */
function applyOutcomeFault(p: FakePrediction, fault: QueuedFault | undefined): void {
  if (fault?.kind === 'content_policy') {
    p.script.outcome = 'failed';
    p.script.error = fault.variant === 'nsfw' ? replicateFailures.nsfw : replicateFailures.sensitive;
  }
  if (fault?.kind === 'server_error' && fault.variant === 'model_failure') {
    p.script.outcome = 'failed';
    p.script.error = replicateFailures.outOfMemory;
  }
}

/** Answers a queued HTTP-level failure in Replicate's problem shape; false for the other kinds. */
function answerHttpFault(res: ServerResponse, fault: QueuedFault): boolean {
  switch (fault.kind) {
    case 'unauthorized':
      sendProblem(res, {
        status: 401,
        title: 'Unauthenticated',
        detail: 'You did not pass a valid authentication token',
      });
      return true;
    case 'rate_limited': {
      const inBody = fault.variant === 'body';
      sendProblem(
        res,
        {
          status: 429,
          title: 'Request was throttled',
          detail: 'Request was throttled. Your rate limit resets in ~30s.',
          ...(inBody ? { extra: { retry_after: 7 } } : {}),
        },
        inBody ? {} : { 'retry-after': '0' },
      );
      return true;
    }
    case 'quota':
      sendProblem(res, {
        status: 402,
        title: 'Insufficient credit',
        detail:
          'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit. Once you purchase credit, please wait a few minutes before retrying.',
      });
      return true;
    case 'server_error':
      if (fault.variant === 'model_failure') return false;
      sendProblem(res, {
        status: 500,
        title: 'Internal Server Error',
        detail: 'Something went wrong on our end.',
      });
      return true;
    case 'overloaded':
      sendProblem(res, {
        status: 503,
        title: 'Service Unavailable',
        detail: 'Replicate is temporarily unable to take predictions. Please try again shortly.',
      });
      return true;
    case 'retired_model':
      sendProblem(res, notFound);
      return true;
    default:
      return false;
  }
}
