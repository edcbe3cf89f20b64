/**
 * A fake of DeepSeek's chat completions API (providers.md §4.7, checklist
 * §7.7), for prompt help (decision 017):
 * - `POST /chat/completions` (also under `/v1`, as DeepSeek accepts both):
 *   `{model, messages, thinking?, max_tokens?, temperature?, top_p?,
 *   stream?}` → `{id, object: "chat.completion", created, model, choices:
 *   [{index, message: {role, content, reasoning_content?}, finish_reason}],
 *   usage}`. Models of the V4 family think by default, so
 *   `reasoning_content` comes back unless `thinking.type` is "disabled".
 *   The answer is the deterministic text of chat-text.ts.
 * - `stream: true`: Server-Sent Events of `chat.completion.chunk`s, then the
 *   usage chunk, then `data: [DONE]`.
 * - A `slow_headers` fault with variant "keep-alive" answers at once but
 *   sends whitespace (SSE comments when streaming) for `delayMs` before the
 *   body, as DeepSeek does under load; without the variant the status line
 *   itself is late.
 * - `GET /models`: the model list (an admin's "test connection").
 * - `POST /__control/faults` with a QueuedFault as JSON queues it, for tests
 *   that reach the fake only over HTTP (the e2e server).
 * Bearer auth; every failure in DeepSeek's shape
 * `{"error": {"message", "type", "param", "code"}}`: 400 invalid format,
 * 401, 402 insufficient balance, 422 invalid parameters, 429, 500, 503;
 * retired ids (`deepseek-chat`, `deepseek-reasoner`) answer 404 and the
 * `deepseek-v4-*` names are accepted as aliases of `deepseek-flash`.
 * DeepSeek documents no moderation error: a `content_policy` fault is an
 * answer that stopped on the content filter (`finish_reason:
 * "content_filter"`, no content), as OpenAI-compatible APIs report it.
 */
import type { ServerResponse } from 'node:http';
import { chatTexts, fakeChatAnswer, fakeTokens } from './chat-text';
import { sendJson, startFakeServer, type FakeServer, type QueuedFault } from './fake-server';

export interface DeepSeekFakeOptions {
  /** The key the fake accepts (`Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  /** Models it serves (listed by `GET /models`). */
  models?: readonly string[];
  /** Old names still routed to a current model, answered under the current name. */
  aliases?: Readonly<Record<string, string>>;
  /** Ids that answer 404, as retired ones do. */
  retiredModels?: readonly string[];
  /** How often keep-alive bytes go out while a `slow_headers` "keep-alive" fault waits. */
  keepAliveIntervalMs?: number;
  now?: () => Date;
}

export interface DeepSeekFake extends FakeServer {
  /** The base URL an adapter is configured with (DeepSeek's has no `/v1`). */
  readonly baseUrl: string;
  readonly apiKey: string;
}

export const DEEPSEEK_FAKE_MODELS = ['deepseek-flash'];
/** Retired on 2026-07-24 (providers.md §1.1). */
export const DEEPSEEK_RETIRED_MODELS = ['deepseek-chat', 'deepseek-reasoner'];
/** Routed to V4.1 Flash since 2026-09 (providers.md §1.1). */
export const DEEPSEEK_ALIASES: Readonly<Record<string, string>> = {
  'deepseek-v4-flash': 'deepseek-flash',
  'deepseek-v4-pro': 'deepseek-flash',
};

interface DeepSeekError {
  status: number;
  message: string;
  type: string;
  param?: string | null;
  code?: string | null;
}

function sendError(res: ServerResponse, error: DeepSeekError, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    error.status,
    {
      error: {
        message: error.message,
        type: error.type,
        param: error.param ?? null,
        code: error.code ?? 'invalid_request_error',
      },
    },
    headers,
  );
}

const invalidFormat = (message: string): DeepSeekError => ({
  status: 400,
  message,
  type: 'invalid_request_error',
});
const invalidParameters = (message: string, param: string): DeepSeekError => ({
  status: 422,
  message: `Invalid Parameters: ${message}`,
  type: 'invalid_request_error',
  param,
});

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** The request's parameters checked as DeepSeek does: 422 for a bad value, undefined when fine. */
function checkParameters(body: Json): DeepSeekError | undefined {
  const { messages, temperature, top_p: topP, max_tokens: maxTokens, thinking, stream } = body;
  if (messages === undefined) return invalidParameters('missing field `messages`', 'messages');
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalidParameters('`messages` must be a non-empty array', 'messages');
  }
  for (const [index, message] of messages.entries()) {
    if (!isObject(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return invalidParameters(`messages[${index}].role is not valid`, 'messages');
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return invalidParameters(`messages[${index}].content must be a string or an array`, 'messages');
    }
  }
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
    return invalidParameters('temperature must be between 0 and 2', 'temperature');
  }
  if (topP !== undefined && (typeof topP !== 'number' || topP <= 0 || topP > 1)) {
    return invalidParameters('top_p must be in (0, 1]', 'top_p');
  }
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || Number(maxTokens) < 1)) {
    return invalidParameters('max_tokens must be a positive integer', 'max_tokens');
  }
  if (
    thinking !== undefined &&
    (!isObject(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'disabled'))
  ) {
    return invalidParameters('thinking.type must be "enabled" or "disabled"', 'thinking');
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    return invalidParameters('stream must be a boolean', 'stream');
  }
  return undefined;
}

export async function startDeepSeekFake(options: DeepSeekFakeOptions = {}): Promise<DeepSeekFake> {
  const apiKey = options.apiKey ?? 'sk-fake-deepseek';
  const models = options.models ?? DEEPSEEK_FAKE_MODELS;
  const aliases = options.aliases ?? DEEPSEEK_ALIASES;
  const retired = new Set(options.retiredModels ?? DEEPSEEK_RETIRED_MODELS);
  const keepAliveMs = options.keepAliveIntervalMs ?? 100;
  const now = options.now ?? (() => new Date());

  const unauthorized = (res: ServerResponse) =>
    sendError(res, {
      status: 401,
      message: 'Authentication Fails, Your api key is invalid',
      type: 'authentication_error',
    });

  const server = await startFakeServer(async (request, res) => {
    if (request.method === 'POST' && request.path === '/__control/faults') {
      // Scenario control for a fake running in another process (the e2e global setup).
      const fault = JSON.parse(request.body.toString('utf8')) as QueuedFault;
      server.fail(fault);
      res.writeHead(204).end();
      return;
    }
    const path = request.path.replace(/^\/v1(?=\/)/, '');
    if (request.method === 'GET' && path === '/models') {
      if (request.headers.authorization !== `Bearer ${apiKey}`) return unauthorized(res);
      sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })),
      });
      return;
    }
    if (request.method !== 'POST' || path !== '/chat/completions') {
      sendError(res, { status: 404, message: 'Not Found', type: 'invalid_request_error' });
      return;
    }
    if (request.headers.authorization !== `Bearer ${apiKey}`) return unauthorized(res);
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isObject(body)) {
      sendError(res, invalidFormat('Failed to deserialize the JSON body into the target type'));
      return;
    }
    if (typeof body.model !== 'string' || body.model === '') {
      sendError(res, invalidParameters('missing field `model`', 'model'));
      return;
    }
    const fault = request.takeFault(body.model);
    if (fault?.kind !== 'slow_headers' || fault.variant !== 'keep-alive') {
      if (await request.stall(fault)) return;
    }
    if (fault && answerFault(res, fault)) return;
    if (retired.has(body.model)) {
      sendError(res, {
        status: 404,
        message: `The model \`${body.model}\` has been retired; use deepseek-flash.`,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      });
      return;
    }
    const model = aliases[body.model] ?? (models.includes(body.model) ? body.model : undefined);
    if (!model) {
      sendError(res, invalidFormat('Model Not Exist'));
      return;
    }
    const problem = checkParameters(body);
    if (problem) {
      sendError(res, problem);
      return;
    }
    const { system, user } = chatTexts(body.messages);
    const thinking = !(isObject(body.thinking) && body.thinking.type === 'disabled');
    const completion = {
      id: server.nextId('chatcmpl'),
      created: Math.floor(now().getTime() / 1000),
      model,
      content: fakeChatAnswer(system, user),
      reasoning: thinking
        ? `The member wants an image prompt. ${user.length} characters to work with.`
        : null,
      promptTokens: fakeTokens(system) + fakeTokens(user),
    };
    const waitMs =
      fault?.kind === 'slow_headers' && fault.variant === 'keep-alive' ? (fault.delayMs ?? 1_000) : 0;
    if (body.stream === true) {
      await streamAnswer(res, completion, fault, waitMs, keepAliveMs);
      return;
    }
    const answer = {
      id: completion.id,
      object: 'chat.completion',
      created: completion.created,
      model: completion.model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: fault?.kind === 'bad_image' ? '' : completion.content,
            ...(completion.reasoning ? { reasoning_content: completion.reasoning } : {}),
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: usage(completion),
    };
    let text = JSON.stringify(answer);
    if (fault?.kind === 'invalid_json') text = text.slice(0, Math.floor(text.length / 2));
    if (fault?.kind === 'wrong_shape') text = JSON.stringify({ id: completion.id, choices: 'none' });
    res.writeHead(200, { 'content-type': 'application/json' });
    // Under load DeepSeek keeps the connection alive with whitespace before the body (§4.7).
    await keepAlive(res, waitMs, keepAliveMs, '\n');
    res.end(text);
  });
  return Object.assign(server, { baseUrl: server.origin, apiKey });
}

interface Completion {
  id: string;
  created: number;
  model: string;
  content: string;
  reasoning: string | null;
  promptTokens: number;
}

function usage(completion: Completion) {
  const reasoningTokens = completion.reasoning ? fakeTokens(completion.reasoning) : 0;
  const completionTokens = fakeTokens(completion.content) + reasoningTokens;
  return {
    prompt_tokens: completion.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: completion.promptTokens + completionTokens,
    prompt_cache_hit_tokens: 0,
    prompt_cache_miss_tokens: completion.promptTokens,
    ...(reasoningTokens > 0 ? { completion_tokens_details: { reasoning_tokens: reasoningTokens } } : {}),
  };
}

/** Writes `filler` every `intervalMs` for `totalMs` (nothing when totalMs is 0), stopping if the client left. */
async function keepAlive(res: ServerResponse, totalMs: number, intervalMs: number, filler: string) {
  const until = Date.now() + totalMs;
  while (Date.now() < until && !res.destroyed) {
    res.write(filler);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, until - Date.now())));
  }
}

/** The answer as Server-Sent Events: role, reasoning, content in three pieces, finish, usage, [DONE]. */
async function streamAnswer(
  res: ServerResponse,
  completion: Completion,
  fault: QueuedFault | undefined,
  waitMs: number,
  keepAliveMs: number,
) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  await keepAlive(res, waitMs, keepAliveMs, ': keep-alive\n\n');
  const chunk = (delta: Json, finishReason: string | null = null, extra: Json = {}) =>
    `data: ${JSON.stringify({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }));
  if (completion.reasoning) res.write(chunk({ reasoning_content: completion.reasoning }));
  if (fault?.kind === 'invalid_json') {
    res.end('data: {"id": "broken", "choices": [\n\n');
    return;
  }
  const content = fault?.kind === 'bad_image' ? '' : completion.content;
  const third = Math.ceil(content.length / 3);
  for (let i = 0; i < content.length; i += third) res.write(chunk({ content: content.slice(i, i + third) }));
  res.write(chunk({ content: '' }, 'stop'));
  res.write(
    `data: ${JSON.stringify({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [],
      usage: usage(completion),
    })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
}

/**
 * Failures in DeepSeek's shape; false for faults that shape a success
 * instead. `rate_limited` takes the Retry-After seconds as its variant
 * (default 0). The 400 and 422 answers come from the request checks.
 */
function answerFault(res: ServerResponse, fault: QueuedFault): boolean {
  switch (fault.kind) {
    case 'unauthorized':
      sendError(res, {
        status: 401,
        message: 'Authentication Fails, Your api key is invalid',
        type: 'authentication_error',
      });
      return true;
    case 'rate_limited':
      sendError(
        res,
        { status: 429, message: 'Rate Limit Reached', type: 'rate_limit_error' },
        { 'retry-after': fault.variant ?? '0' },
      );
      return true;
    case 'quota':
      sendError(res, { status: 402, message: 'Insufficient Balance', type: 'unknown_error' });
      return true;
    case 'server_error':
      sendError(res, {
        status: 500,
        message: 'Server Error',
        type: 'internal_error',
        code: 'internal_error',
      });
      return true;
    case 'overloaded':
      sendError(res, {
        status: 503,
        message: 'Server Overloaded',
        type: 'service_unavailable_error',
        code: 'service_unavailable',
      });
      return true;
    case 'retired_model':
      sendError(res, {
        status: 404,
        message: 'The model has been retired; use deepseek-flash.',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      });
      return true;
    case 'content_policy':
      sendJson(res, 200, {
        id: 'chatcmpl-filtered',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'deepseek-flash',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: '' },
            logprobs: null,
            finish_reason: 'content_filter',
          },
        ],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 0,
          total_tokens: 12,
          prompt_cache_hit_tokens: 0,
          prompt_cache_miss_tokens: 12,
        },
      });
      return true;
    default:
      return false;
  }
}
