/**
 * A fake of the OpenAI Images API (providers.md §4.1, checklist §7.1):
 * `POST /v1/images/generations` (JSON) and `POST /v1/images/edits`
 * (multipart, `image` or repeated `image[]`, optional `mask`), Bearer auth,
 * the API's validation, `data[].b64_json` with real image bytes and `usage`,
 * `x-request-id` on every answer, and every failure in OpenAI's own shape:
 * `{"error": {"message", "type", "param", "code"}}`.
 * Also `POST /v1/chat/completions` for text models (prompt help, decision
 * 017), answering the deterministic text of chat-text.ts.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { chatTexts, fakeChatAnswer, fakeTokens } from './chat-text';
import {
  sendJson,
  startFakeServer,
  type FakeRequest,
  type FakeServer,
  type QueuedFault,
} from './fake-server';

export interface OpenAiFakeOptions {
  /** The key the fake accepts (`Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Model ids that answer 404 `model_not_found`, as retired ones do. */
  retiredModels?: readonly string[];
  /** Decides which retired list applies when `retiredModels` is not given. */
  now?: () => Date;
  /** Further ids `GET /v1/models` lists (a self-hosted server's own models). */
  extraModels?: readonly string[];
  /** Text models `POST /v1/chat/completions` serves. */
  chatModels?: readonly string[];
}

export interface OpenAiFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
}

const SIZES = new Set(['1024x1024', '1536x1024', '1024x1536', 'auto']);
const FORMATS = { png: 'png', jpeg: 'jpeg', webp: 'webp' } as const;
const MAX_PROMPT = 32_000;

/** OpenAI's retirements: dall-e and gpt-image-1 now, three more on 2026-12-01 (§7.1). */
export function retiredOpenAiModels(now: Date): string[] {
  const retired = ['dall-e-2', 'dall-e-3', 'gpt-image-1'];
  if (now.getTime() >= Date.parse('2026-12-01T00:00:00Z')) {
    retired.push('gpt-image-1.5', 'gpt-image-1-mini', 'chatgpt-image-latest');
  }
  return retired;
}

type OpenAiError = {
  status: number;
  type: string;
  code: string | null;
  message: string;
  param?: string | null;
};

function sendError(
  res: ServerResponse,
  requestId: string,
  error: OpenAiError,
  headers: Record<string, string> = {},
) {
  const body: Record<string, unknown> = {
    message: error.message,
    type: error.type,
    param: error.param ?? null,
    code: error.code,
  };
  sendJson(res, error.status, { error: body }, { 'x-request-id': requestId, ...headers });
}

const invalid = (message: string, param: string | null, code: string | null = null): OpenAiError => ({
  status: 400,
  type: 'invalid_request_error',
  code,
  message,
  param,
});

/** Custom sizes (gpt-image-2): both sides multiples of 16, 256-3840 px, at most 3:1. */
function sizeOf(size: string, model: string): { width: number; height: number } | undefined {
  if (size === 'auto') return { width: 1024, height: 1024 };
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (SIZES.has(size)) return { width, height };
  if (!model.startsWith('gpt-image-2')) return undefined;
  const fits = (side: number) => side % 16 === 0 && side >= 256 && side <= 3840;
  if (!fits(width) || !fits(height) || Math.max(width, height) / Math.min(width, height) > 3)
    return undefined;
  return { width, height };
}

export async function startOpenAiFake(options: OpenAiFakeOptions = {}): Promise<OpenAiFake> {
  const apiKey = options.apiKey ?? 'sk-fake-openai';
  const now = options.now ?? (() => new Date());
  const retired = () => options.retiredModels ?? retiredOpenAiModels(now());
  let images = 0;

  const server = await startFakeServer(async (request, res) => {
    const requestId = server.nextId('req');
    if (request.method === 'GET' && request.path === '/v1/models') {
      // The model list: what an admin's "test connection" asks for.
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        sendError(res, requestId, {
          status: 401,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
          message: 'Incorrect API key provided.',
        });
        return;
      }
      const data = ['gpt-image-2', ...(options.extraModels ?? [])].map((id) => ({
        id,
        object: 'model',
        created: 1_780_000_000,
        owned_by: 'system',
      }));
      sendJson(res, 200, { object: 'list', data }, { 'x-request-id': requestId });
      return;
    }
    if (request.method === 'POST' && request.path === '/v1/chat/completions') {
      await answerChat(request, res, requestId, {
        apiKey,
        models: options.chatModels ?? OPENAI_FAKE_CHAT_MODELS,
        now,
        nextId: () => server.nextId('chatcmpl'),
      });
      return;
    }
    if (request.method !== 'POST' || !/^\/v1\/images\/(generations|edits)$/.test(request.path)) {
      sendError(res, requestId, {
        status: 404,
        type: 'invalid_request_error',
        code: null,
        message: `Invalid URL (${request.method} ${request.path})`,
      });
      return;
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      sendError(res, requestId, {
        status: 401,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      });
      return;
    }
    const fields = await readFields(request);
    if ('error' in fields) {
      sendError(res, requestId, fields.error);
      return;
    }
    const model = typeof fields.values.model === 'string' ? fields.values.model : undefined;
    const fault = request.takeFault(model);
    if (await request.stall(fault)) return;
    if (fault && answerFault(res, requestId, fault)) return;

    const checked = validate(fields.values, request.path.endsWith('/edits') ? fields.images : undefined);
    if ('error' in checked) {
      sendError(res, requestId, checked.error);
      return;
    }
    if (retired().includes(checked.model)) {
      sendError(res, requestId, {
        status: 404,
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: `The model \`${checked.model}\` does not exist or you do not have access to it.`,
        param: 'model',
      });
      return;
    }
    const data = [];
    for (let i = 0; i < checked.n; i++) {
      images++;
      const bytes =
        fault?.kind === 'bad_image'
          ? Buffer.from('<html><body>not an image</body></html>')
          : await sharp({
              create: {
                width: checked.width,
                height: checked.height,
                channels: 3,
                background: { r: (images * 53) % 256, g: (images * 97) % 256, b: (images * 151) % 256 },
              },
            })
              .toFormat(checked.format)
              .toBuffer();
      data.push({ b64_json: bytes.toString('base64'), revised_prompt: checked.prompt });
    }
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
      res.end('{"created": 1, "data": [');
      return;
    }
    const body =
      fault?.kind === 'wrong_shape'
        ? { created: Math.floor(now().getTime() / 1000), images: data }
        : {
            created: Math.floor(now().getTime() / 1000),
            background: 'opaque',
            output_format: checked.format,
            size: `${checked.width}x${checked.height}`,
            quality: checked.quality,
            data,
            usage: {
              input_tokens: Math.ceil(checked.prompt.length / 4),
              input_tokens_details: { text_tokens: Math.ceil(checked.prompt.length / 4), image_tokens: 0 },
              output_tokens: 1056 * checked.n,
              total_tokens: Math.ceil(checked.prompt.length / 4) + 1056 * checked.n,
            },
          };
    sendJson(res, 200, body, { 'x-request-id': requestId });
  });
  return Object.assign(server, { baseUrl: `${server.origin}/v1`, apiKey });
}

/** The request's fields: JSON for generations, multipart for edits (files kept apart). */
async function readFields(
  request: FakeRequest,
): Promise<{ values: Record<string, unknown>; images: Uint8Array[] } | { error: OpenAiError }> {
  const type = String(request.headers['content-type'] ?? '');
  if (request.path.endsWith('/generations')) {
    try {
      const values = JSON.parse(request.body.toString('utf8')) as unknown;
      if (typeof values !== 'object' || values === null || Array.isArray(values))
        throw new Error('not an object');
      return { values: values as Record<string, unknown>, images: [] };
    } catch {
      return { error: invalid('We could not parse the JSON body of your request.', null) };
    }
  }
  if (!type.startsWith('multipart/form-data')) {
    return { error: invalid('Invalid Content-Type header, expected multipart/form-data.', null) };
  }
  const form = await new Request(request.url, {
    method: 'POST',
    headers: { 'content-type': type },
    body: Uint8Array.from(request.body),
  }).formData();
  const values: Record<string, unknown> = {};
  const images: Uint8Array[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') values[name] = /^(n)$/.test(name) ? Number(value) : value;
    else if (name === 'image' || name === 'image[]') images.push(new Uint8Array(await value.arrayBuffer()));
  }
  return { values, images };
}

function validate(
  values: Record<string, unknown>,
  editImages: Uint8Array[] | undefined,
):
  | {
      model: string;
      prompt: string;
      n: number;
      width: number;
      height: number;
      quality: string;
      format: keyof typeof FORMATS;
    }
  | { error: OpenAiError } {
  const { model, prompt } = values;
  if (typeof model !== 'string' || model === '')
    return { error: invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter') };
  if (typeof prompt !== 'string' || prompt === '')
    return {
      error: invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter'),
    };
  if (prompt.length > MAX_PROMPT)
    return {
      error: invalid(
        `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT}.`,
        'prompt',
        'string_above_max_length',
      ),
    };
  for (const unknown of ['seed', 'aspect_ratio']) {
    if (unknown in values)
      return { error: invalid(`Unknown parameter: '${unknown}'.`, unknown, 'unknown_parameter') };
  }
  if ('response_format' in values && (model.startsWith('gpt-image-') || model.startsWith('chatgpt-image-'))) {
    return {
      error: invalid("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter'),
    };
  }
  const n = values.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10) {
    return { error: invalid(`Invalid 'n': expected an integer from 1 to 10.`, 'n', 'integer_out_of_range') };
  }
  const size = sizeOf(typeof values.size === 'string' ? values.size : 'auto', model);
  if (!size)
    return { error: invalid(`Invalid value for 'size': ${String(values.size)}.`, 'size', 'invalid_value') };
  const format = (values.output_format ?? 'png') as string;
  if (!(format in FORMATS))
    return {
      error: invalid(`Invalid value for 'output_format': ${format}.`, 'output_format', 'invalid_value'),
    };
  if (editImages && editImages.length === 0)
    return { error: invalid("Missing required parameter: 'image'.", 'image', 'missing_required_parameter') };
  const quality = typeof values.quality === 'string' ? values.quality : 'auto';
  return { model, prompt, n, ...size, quality, format: format as keyof typeof FORMATS };
}

/** Answers a queued failure in OpenAI's shape; false for faults that shape a success instead. */
function answerFault(res: ServerResponse, requestId: string, fault: QueuedFault): boolean {
  const rateHeaders = {
    'x-ratelimit-limit-requests': '50',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '1s',
  };
  switch (fault.kind) {
    case 'unauthorized':
      sendError(res, requestId, {
        status: 401,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      });
      return true;
    case 'rate_limited':
      sendError(
        res,
        requestId,
        {
          status: 429,
          type: 'requests',
          code: 'rate_limit_exceeded',
          message: 'Rate limit reached for requests.',
        },
        {
          'retry-after': String(fault.retryAfterSeconds ?? 0),
          'retry-after-ms': String((fault.retryAfterSeconds ?? 0) * 1000),
          ...rateHeaders,
        },
      );
      return true;
    case 'quota':
      sendError(res, requestId, {
        status: 429,
        type: 'insufficient_quota',
        code: 'insufficient_quota',
        message: 'You exceeded your current quota, please check your plan and billing details.',
      });
      return true;
    case 'server_error':
      sendError(res, requestId, {
        status: 500,
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request.',
      });
      return true;
    case 'overloaded':
      sendError(res, requestId, {
        status: 503,
        type: 'server_error',
        code: null,
        message: 'The engine is currently overloaded, please try again later.',
      });
      return true;
    case 'content_policy':
      if (fault.variant === 'legacy') {
        sendError(
          res,
          requestId,
          invalid(
            'Your request was rejected as a result of our safety system.',
            null,
            'content_policy_violation',
          ),
        );
        return true;
      }
      sendJson(
        res,
        400,
        {
          error: {
            message:
              'Your request was rejected by the safety system. If you believe this is an error, contact us.',
            type: 'image_generation_user_error',
            param: null,
            code: 'moderation_blocked',
            ...(fault.variant === 'with-details'
              ? { moderation_details: { moderation_stage: 'input', categories: ['violence'] } }
              : {}),
          },
        },
        { 'x-request-id': requestId },
      );
      return true;
    case 'retired_model':
      sendError(res, requestId, {
        status: 404,
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: 'The model does not exist or you do not have access to it.',
        param: 'model',
      });
      return true;
    case 'invalid_request':
      sendError(res, requestId, invalid("Invalid value for 'quality'.", 'quality', 'invalid_value'));
      return true;
    default:
      return false;
  }
}

/** Text models the chat endpoint serves by default; gpt-5 ones are reasoning models. */
export const OPENAI_FAKE_CHAT_MODELS = ['gpt-5.4-mini', 'gpt-4.1-mini'];

/**
 * `POST /v1/chat/completions`: Bearer auth, `model` and `messages` required,
 * reasoning models (gpt-5…) refusing `max_tokens` and a temperature other
 * than 1 as OpenAI does, then a `chat.completion` with the fake's text.
 * Faults: `content_policy` is the 400 `invalid_prompt` reasoning models
 * give a flagged prompt, or with variant "filtered" an answer stopped on
 * the content filter; `invalid_json`, `wrong_shape` and `bad_image` (an
 * empty answer) shape a 200; the rest answer as on the images endpoints.
 */
async function answerChat(
  request: FakeRequest,
  res: ServerResponse,
  requestId: string,
  context: { apiKey: string; models: readonly string[]; now: () => Date; nextId: () => string },
): Promise<void> {
  if (request.headers.authorization !== `Bearer ${context.apiKey}`) {
    sendError(res, requestId, {
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: 'Incorrect API key provided.',
    });
    return;
  }
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(request.body.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    sendError(res, requestId, invalid('We could not parse the JSON body of your request.', null));
    return;
  }
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (!model) {
    sendError(
      res,
      requestId,
      invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'),
    );
    return;
  }
  const fault = request.takeFault(model);
  if (await request.stall(fault)) return;
  if (fault?.kind === 'content_policy' && fault.variant !== 'filtered') {
    sendError(
      res,
      requestId,
      invalid(
        'Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.',
        null,
        'invalid_prompt',
      ),
    );
    return;
  }
  if (fault && fault.kind !== 'content_policy' && answerFault(res, requestId, fault)) return;
  if (!context.models.includes(model)) {
    sendError(res, requestId, {
      status: 404,
      type: 'invalid_request_error',
      code: 'model_not_found',
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      param: 'model',
    });
    return;
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    sendError(
      res,
      requestId,
      invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter'),
    );
    return;
  }
  const reasoning = model.startsWith('gpt-5');
  if (reasoning && 'max_tokens' in body) {
    sendError(
      res,
      requestId,
      invalid(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        'max_tokens',
        'unsupported_parameter',
      ),
    );
    return;
  }
  if (reasoning && body.temperature !== undefined && body.temperature !== 1) {
    sendError(
      res,
      requestId,
      invalid(
        "Unsupported value: 'temperature' does not support this value with this model. Only the default (1) value is supported.",
        'temperature',
        'unsupported_value',
      ),
    );
    return;
  }
  const { system, user } = chatTexts(body.messages);
  const filtered = fault?.kind === 'content_policy';
  const content = filtered || fault?.kind === 'bad_image' ? '' : fakeChatAnswer(system, user);
  const promptTokens = fakeTokens(system) + fakeTokens(user);
  const reasoningTokens = reasoning && !filtered ? 64 : 0;
  const completionTokens = (content ? fakeTokens(content) : 0) + reasoningTokens;
  const answer = {
    id: context.nextId(),
    object: 'chat.completion',
    created: Math.floor(context.now().getTime() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: filtered ? null : content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: filtered ? 'content_filter' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: null,
  };
  if (fault?.kind === 'invalid_json') {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
    res.end('{"id": "chatcmpl-1", "choices": [');
    return;
  }
  if (fault?.kind === 'wrong_shape') {
    sendJson(
      res,
      200,
      { id: answer.id, object: 'chat.completion', choices: 'none' },
      { 'x-request-id': requestId },
    );
    return;
  }
  sendJson(res, 200, answer, { 'x-request-id': requestId });
}
