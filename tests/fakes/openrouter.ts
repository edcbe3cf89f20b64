/**
 * A fake of OpenRouter's image generation (providers.md §4.6, checklist
 * §7.6), on `<origin>/api/v1`:
 * - `POST /images`: `{model, prompt, n?, size?, aspect_ratio?, seed?,
 *   input_references?}` → `{created, data: [{b64_json, media_type}], usage}`.
 *   Parameters a model does not take are rejected (400), not ignored, and
 *   models that make one image per call reject n > 1.
 * - `POST /chat/completions` with `modalities` and `image_config`: one image
 *   per call in `choices[0].message.images[].image_url.url` as a data URL.
 *   Text models (prompt help, decision 017) answer text only, with the
 *   deterministic text of chat-text.ts, and refuse image output.
 * - `GET /images/models`: the image model list (public, no key needed).
 * - `GET /key`: the key's limits and usage (an admin's connection test).
 * Bearer auth; every failure in OpenRouter's shape
 * `{"error": {"code": <HTTP status>, "message", "metadata"?}}`, including
 * moderation (403 with `metadata.reasons`), insufficient credits (402),
 * delisted models (404 "No endpoints found"), unknown ids (400) and errors
 * that arrive after generation began: HTTP 200 carrying `error`.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { chatTexts, fakeChatAnswer, fakeTokens } from './chat-text';
import { sendJson, startFakeServer, type FakeServer, type QueuedFault } from './fake-server';

export interface OpenRouterFakeImageModel {
  id: string;
  /** Images one call may ask for; single-image models reject n > 1. */
  maxImages: number;
  /** Whether the model takes a seed (the images API rejects it otherwise). */
  seed: boolean;
}

export interface OpenRouterFakeChatModel {
  id: string;
  /** Image-only models (Flux, Sourceful) want `modalities: ["image"]`; others `["image", "text"]`. */
  imageOnly: boolean;
}

export interface OpenRouterFakeOptions {
  /** The key the fake accepts (`Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Models of `POST /images`, listed by `GET /images/models`. */
  imageModels?: readonly OpenRouterFakeImageModel[];
  /** Chat models with image output. */
  chatModels?: readonly OpenRouterFakeChatModel[];
  /** Chat models with text output only. */
  textModels?: readonly string[];
  /** Ids answering 404 "No endpoints found", as delisted models do. */
  retiredModels?: readonly string[];
}

export interface OpenRouterFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/api/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
}

/** OpenRouter's normalised aspect ratios; providers clamp to their own subset. */
export const OPENROUTER_ASPECT_RATIOS = [
  '1:1',
  '1:2',
  '1:4',
  '1:8',
  '2:1',
  '2:3',
  '3:2',
  '3:4',
  '4:1',
  '4:3',
  '4:5',
  '5:4',
  '8:1',
  '9:16',
  '16:9',
  '9:19.5',
  '19.5:9',
  '9:20',
  '20:9',
  '9:21',
  '21:9',
  'auto',
];
const LONG_SIDE: Record<string, number> = { '1K': 1024, '2K': 2048, '4K': 4096 };
const IMAGES_FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'aspect_ratio',
  'resolution',
  'seed',
  'input_references',
  'quality',
  'background',
  'output_format',
  'output_compression',
  'provider',
  'user',
]);
const FORMATS = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;
type Format = keyof typeof FORMATS;

const DEFAULT_IMAGE_MODELS: OpenRouterFakeImageModel[] = [
  { id: 'bytedance-seed/seedream-4.5', maxImages: 10, seed: true },
  { id: 'black-forest-labs/flux.2-pro', maxImages: 1, seed: true },
  { id: 'google/gemini-3-pro-image-preview', maxImages: 1, seed: false },
];
/** Text-only chat models served by default. */
export const OPENROUTER_FAKE_TEXT_MODELS = ['openai/gpt-5.4-mini', 'deepseek/deepseek-flash'];
const DEFAULT_CHAT_MODELS: OpenRouterFakeChatModel[] = [
  { id: 'google/gemini-3.1-flash-image-preview', imageOnly: false },
  { id: 'black-forest-labs/flux.2-pro', imageOnly: true },
];

interface OpenRouterError {
  code: number;
  message: string;
  metadata?: Record<string, unknown>;
}

function sendError(
  res: ServerResponse,
  error: OpenRouterError,
  options: { status?: number; headers?: Record<string, string> } = {},
): void {
  sendJson(res, options.status ?? error.code, { error, user_id: 'user_fake' }, options.headers ?? {});
}

const badRequest = (message: string): OpenRouterError => ({ code: 400, message });

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Pixels for a ratio ("W:H", decimals allowed) and a long side, in 16-px steps. */
export function openRouterPixels(aspectRatio: string, longSide = 1024): { width: number; height: number } {
  const [w = 1, h = 1] = aspectRatio === 'auto' ? [1, 1] : aspectRatio.split(':').map(Number);
  const short = Math.max(16, Math.round((longSide * Math.min(w, h)) / Math.max(w, h) / 16) * 16);
  return w >= h ? { width: longSide, height: short } : { width: short, height: longSide };
}

/** The pixels `size` ("WxH" or a tier) or `aspect_ratio` + tier ask for, or an error message. */
function pixelsOf(size: unknown, ratio: unknown, tier: unknown): { width: number; height: number } | string {
  if (ratio !== undefined && (typeof ratio !== 'string' || !OPENROUTER_ASPECT_RATIOS.includes(ratio))) {
    return `Invalid aspect_ratio: ${JSON.stringify(ratio)}`;
  }
  if (tier !== undefined && (typeof tier !== 'string' || !(tier in LONG_SIDE))) {
    return `Invalid resolution: ${JSON.stringify(tier)}`;
  }
  const shape = ratio ?? '1:1';
  if (size === undefined) return openRouterPixels(shape, LONG_SIDE[tier ?? '1K']);
  if (typeof size === 'string' && size in LONG_SIDE) return openRouterPixels(shape, LONG_SIDE[size]);
  const match = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null;
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 64 || height < 64 || width > 4096 || height > 4096) {
    return `Invalid size: ${JSON.stringify(size)}`;
  }
  return { width, height };
}

/** Checks an input image URL: data URLs must hold a decodable image; http(s) URLs are taken as they are. */
async function checkImageUrl(url: unknown): Promise<boolean> {
  if (typeof url !== 'string') return false;
  if (/^https?:\/\//.test(url)) return true;
  const match = /^data:image\/[a-z+.-]+;base64,(.+)$/i.exec(url);
  if (!match) return false;
  try {
    const metadata = await sharp(Buffer.from(match[1]!, 'base64')).metadata();
    return Boolean(metadata.width && metadata.height);
  } catch {
    return false;
  }
}

let painted = 0;
/** A real image of the size and format asked, a new colour each time; not an image for `bad_image`. */
async function paint(width: number, height: number, format: Format, fault?: QueuedFault): Promise<Buffer> {
  if (fault?.kind === 'bad_image') return Buffer.from('<html><body>upstream error page</body></html>');
  painted++;
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (painted * 67) % 256, g: (painted * 131) % 256, b: 180 },
    },
  })
    .toFormat(format)
    .toBuffer();
}

function usage(prompt: string, images: number) {
  const promptTokens = Math.ceil(prompt.length / 4);
  // 1290 tokens an image at $30/M, as Gemini image output is billed (providers.md §4.5).
  const completionTokens = 1290 * images;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    cost: (completionTokens * 30) / 1_000_000,
  };
}

export async function startOpenRouterFake(options: OpenRouterFakeOptions = {}): Promise<OpenRouterFake> {
  const apiKey = options.apiKey ?? 'sk-or-v1-fake';
  const imageModels = options.imageModels ?? DEFAULT_IMAGE_MODELS;
  const chatModels = options.chatModels ?? DEFAULT_CHAT_MODELS;
  const textModels = options.textModels ?? OPENROUTER_FAKE_TEXT_MODELS;
  const retired = new Set(options.retiredModels ?? ['google/gemini-2.5-flash-image-preview']);
  const now = () => Math.floor(Date.now() / 1000);

  /** 404 for delisted ids, 400 for ids OpenRouter never had; undefined when the id is known. */
  const unknownModel = (model: string, known: boolean): OpenRouterError | undefined => {
    if (retired.has(model)) return { code: 404, message: `No endpoints found for ${model}.` };
    return known ? undefined : badRequest(`${model} is not a valid model ID`);
  };

  const images = async (body: Json, res: ServerResponse, fault: QueuedFault | undefined) => {
    const model = body.model as string;
    const entry = imageModels.find((m) => m.id === model);
    const modelError = unknownModel(model, entry !== undefined);
    if (modelError || !entry) return sendError(res, modelError ?? badRequest('unknown model'));
    const prompt = body.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '')
      return sendError(res, badRequest('prompt is required'));
    const unsupported = Object.keys(body).find((key) => !IMAGES_FIELDS.has(key));
    if (unsupported) return sendError(res, badRequest(`Unsupported parameter: ${unsupported}`));
    const n = body.n ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) {
      return sendError(res, badRequest('n must be an integer from 1 to 10'));
    }
    if (n > entry.maxImages)
      return sendError(res, badRequest(`${model} generates one image per request; n > 1 is not supported`));
    if (body.seed !== undefined && (!entry.seed || !Number.isInteger(body.seed))) {
      return sendError(res, badRequest(`Unsupported parameter for ${model}: seed`));
    }
    const pixels = pixelsOf(body.size, body.aspect_ratio, body.resolution);
    if (typeof pixels === 'string') return sendError(res, badRequest(pixels));
    const format = (body.output_format ?? 'png') as Format;
    if (!(format in FORMATS)) return sendError(res, badRequest(`Invalid output_format: ${String(format)}`));
    const references = body.input_references ?? [];
    if (!Array.isArray(references)) return sendError(res, badRequest('input_references must be an array'));
    for (const [index, reference] of references.entries()) {
      const url = isObject(reference) && isObject(reference.image_url) ? reference.image_url.url : undefined;
      if (!isObject(reference) || reference.type !== 'image_url' || !(await checkImageUrl(url))) {
        return sendError(res, badRequest(`input_references[${index}] is not a valid image`));
      }
    }
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"created": 1, "data": [');
      return;
    }
    const data = [];
    for (let i = 0; i < n; i++) {
      const bytes = await paint(pixels.width, pixels.height, format, fault);
      data.push({ b64_json: bytes.toString('base64'), media_type: FORMATS[format] });
    }
    if (fault?.kind === 'wrong_shape') {
      return sendJson(
        res,
        200,
        fault.variant === 'no-image' ? { created: now(), data: [] } : { created: now(), images: data },
      );
    }
    sendJson(res, 200, { created: now(), data, usage: usage(prompt, n) });
  };

  const chat = async (body: Json, res: ServerResponse, fault: QueuedFault | undefined) => {
    const model = body.model as string;
    const entry = chatModels.find((m) => m.id === model);
    const isTextModel = textModels.includes(model);
    const modelError = unknownModel(model, entry !== undefined || isTextModel);
    if (modelError) return sendError(res, modelError);
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      return sendError(res, badRequest('messages is required'));
    const parts = messages.flatMap((message: unknown) => {
      const content = isObject(message) ? message.content : undefined;
      if (typeof content === 'string') return [{ type: 'text', text: content }];
      return Array.isArray(content) ? content.filter(isObject) : [];
    });
    const text = parts
      .map((part) => (typeof part.text === 'string' ? part.text : ''))
      .join(' ')
      .trim();
    if (!text) return sendError(res, badRequest('messages must contain text'));
    for (const part of parts.filter((p) => p.type === 'image_url')) {
      if (!isObject(part.image_url) || !(await checkImageUrl(part.image_url.url))) {
        return sendError(res, badRequest('image_url is not a valid image'));
      }
    }
    const modalities = Array.isArray(body.modalities) ? body.modalities : ['text'];
    if (!entry) return textAnswer(model, body, modalities, res, fault);
    if (entry.imageOnly && modalities.includes('text')) {
      return sendError(res, {
        code: 404,
        message: `No endpoints found that support the requested output modalities: ${modalities.join(', ')}`,
      });
    }
    const config = isObject(body.image_config) ? body.image_config : {};
    const pixels = pixelsOf(undefined, config.aspect_ratio, config.image_size);
    if (typeof pixels === 'string')
      return sendError(res, badRequest(pixels.replace('resolution', 'image_size')));
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "gen-1", "choices": [');
      return;
    }
    const id = server.nextId('gen');
    const answer = (message: Json, finishReason: string, nativeReason: string) => ({
      id,
      provider: 'Google',
      model,
      object: 'chat.completion',
      created: now(),
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: finishReason,
          native_finish_reason: nativeReason,
          message,
        },
      ],
      usage: usage(text, modalities.includes('image') ? 1 : 0),
    });
    if (!modalities.includes('image') || (fault?.kind === 'wrong_shape' && fault.variant === 'no-image')) {
      return sendJson(
        res,
        200,
        answer({ role: 'assistant', content: 'A quiet harbour at dusk.' }, 'stop', 'STOP'),
      );
    }
    if (fault?.kind === 'wrong_shape') return sendJson(res, 200, { id, choices: 'none' });
    const bytes = await paint(pixels.width, pixels.height, 'png', fault);
    const image = {
      type: 'image_url',
      image_url: { url: `data:image/png;base64,${bytes.toString('base64')}` },
    };
    sendJson(
      res,
      200,
      answer(
        { role: 'assistant', content: entry.imageOnly ? null : 'Here is your image.', images: [image] },
        'stop',
        'STOP',
      ),
    );
  };

  /** A text model's answer: text only, the fake's deterministic text; image output is refused. */
  const textAnswer = (
    model: string,
    body: Json,
    modalities: unknown[],
    res: ServerResponse,
    fault: QueuedFault | undefined,
  ) => {
    if (modalities.includes('image')) {
      return sendError(res, {
        code: 404,
        message: `No endpoints found that support the requested output modalities: ${modalities.join(', ')}`,
      });
    }
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "gen-1", "choices": [');
      return;
    }
    const id = server.nextId('gen');
    if (fault?.kind === 'wrong_shape') return sendJson(res, 200, { id, choices: 'none' });
    const { system, user } = chatTexts(body.messages);
    const content = fault?.kind === 'bad_image' ? '' : fakeChatAnswer(system, user);
    const promptTokens = fakeTokens(system) + fakeTokens(user);
    const completionTokens = content ? fakeTokens(content) : 0;
    sendJson(res, 200, {
      id,
      provider: model.split('/')[0] === 'deepseek' ? 'DeepSeek' : 'OpenAI',
      model,
      object: 'chat.completion',
      created: now(),
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: 'stop',
          native_finish_reason: 'stop',
          message: { role: 'assistant', content, refusal: null, reasoning: null },
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        // $0.15 / $0.60 per million tokens in and out, as a small model is billed.
        cost: (promptTokens * 0.15 + completionTokens * 0.6) / 1_000_000,
      },
    });
  };

  const server = await startFakeServer(async (request, res) => {
    const path = request.path.replace(/^\/api\/v1/, '');
    if (request.method === 'GET' && path === '/images/models') {
      sendJson(res, 200, {
        data: imageModels.map((m) => ({
          id: m.id,
          name: m.id.split('/')[1] ?? m.id,
          architecture: { input_modalities: ['text', 'image'], output_modalities: ['image'] },
          supported_parameters: [
            'prompt',
            'aspect_ratio',
            'size',
            'input_references',
            ...(m.maxImages > 1 ? ['n'] : []),
            ...(m.seed ? ['seed'] : []),
          ],
        })),
      });
      return;
    }
    if (request.method === 'GET' && path === '/key') {
      // The key's own limits: what an admin's "test connection" asks for.
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        sendError(res, { code: 401, message: 'User not found.' });
        return;
      }
      sendJson(res, 200, {
        data: {
          label: 'sk-or-v1-fak...',
          limit: null,
          usage: 0,
          is_free_tier: false,
          rate_limit: { requests: 20, interval: '10s' },
        },
      });
      return;
    }
    if (request.method !== 'POST' || (path !== '/images' && path !== '/chat/completions')) {
      sendError(res, { code: 404, message: 'Not Found' });
      return;
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      sendError(res, {
        code: 401,
        message: request.headers.authorization ? 'User not found.' : 'No auth credentials found',
      });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isObject(body)) return sendError(res, badRequest('Invalid JSON body'));
    if (typeof body.model !== 'string' || body.model === '')
      return sendError(res, badRequest('model is required'));
    const fault = request.takeFault(body.model);
    if (await request.stall(fault)) return;
    if (fault && answerFault(res, fault, body.model, path === '/chat/completions', server.nextId('gen')))
      return;
    await (path === '/images' ? images(body, res, fault) : chat(body, res, fault));
  });
  return Object.assign(server, { baseUrl: `${server.origin}/api/v1`, apiKey });
}

/**
 * Failures in OpenRouter's shape. Variants: `server_error` "upstream" (502
 * with the upstream provider's raw error), "timeout" (408) and "in-body"
 * (HTTP 200 carrying a 502); `content_policy` "in-body" (HTTP 200 carrying
 * the 403) and, on chat, "filtered" (a 200 answer that stopped on the
 * content filter, without an image); `rate_limited` takes the Retry-After
 * seconds as its variant. False for faults that shape a success instead.
 */
function answerFault(
  res: ServerResponse,
  fault: QueuedFault,
  model: string,
  isChat: boolean,
  id: string,
): boolean {
  const moderation: OpenRouterError = {
    code: 403,
    message: `${model} requires moderation on OpenAI. Your input was flagged for "violence".`,
    metadata: {
      reasons: ['violence'],
      flagged_input: 'a knight in a bloody…',
      provider_name: 'OpenAI',
      model_slug: model,
    },
  };
  switch (fault.kind) {
    case 'unauthorized':
      sendError(res, { code: 401, message: 'User not found.' });
      return true;
    case 'rate_limited':
      sendError(
        res,
        {
          code: 429,
          message: 'Rate limit exceeded: limit_rpm/google/gemini. High demand, try again shortly.',
          metadata: { provider_name: 'Google' },
        },
        { headers: { 'retry-after': fault.variant ?? '0' } },
      );
      return true;
    case 'quota':
      sendError(res, {
        code: 402,
        message:
          'This request requires more credits, or fewer max_tokens. You requested up to 1290 tokens, but can only afford 12.',
      });
      return true;
    case 'server_error':
      if (fault.variant === 'timeout') {
        sendError(res, { code: 408, message: 'Request timed out' });
        return true;
      }
      if (fault.variant === 'upstream' || fault.variant === 'in-body') {
        sendError(
          res,
          {
            code: 502,
            message: 'Provider returned error',
            metadata: { provider_name: 'Google', raw: '{"error":{"code":500,"status":"INTERNAL"}}' },
          },
          fault.variant === 'in-body' ? { status: 200 } : {},
        );
        return true;
      }
      sendError(res, { code: 500, message: 'Internal Server Error' });
      return true;
    case 'overloaded':
      sendError(
        res,
        { code: 503, message: 'No allowed providers are available for the selected model.' },
        { headers: { 'retry-after': '0' } },
      );
      return true;
    case 'content_policy':
      if (fault.variant === 'filtered' && isChat) {
        sendJson(res, 200, {
          id,
          model,
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              finish_reason: 'content_filter',
              native_finish_reason: 'IMAGE_SAFETY',
              message: { role: 'assistant', content: null },
            },
          ],
          usage: { prompt_tokens: 12, completion_tokens: 0, total_tokens: 12 },
        });
        return true;
      }
      sendError(
        res,
        moderation,
        fault.variant === 'in-body' || fault.variant === 'filtered' ? { status: 200 } : {},
      );
      return true;
    case 'retired_model':
      sendError(res, { code: 404, message: `No endpoints found for ${model}.` });
      return true;
    default:
      return false;
  }
}
