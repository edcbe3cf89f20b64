/**
 * fal.ai on its queue (providers.md §4.3), as a native adapter: @ai-sdk/fal
 * only calls the synchronous fal.run route, which has no retries, no status
 * and no webhooks (§3.5), and a generation job must survive a restart
 * without paying twice.
 *
 * One call: submit `POST {queue}/{endpoint id}` (with `?fal_webhook=` when
 * the platform can be reached), report the request through
 * `context.onPending`, poll the returned `status_url` until COMPLETED
 * (sleeping through `context.sleep`, which a verified webhook cuts short),
 * read the returned `response_url`, then download every image. The status
 * and response URLs are followed exactly as fal returned them: they use
 * only the first two segments of the endpoint id, so rebuilding them from
 * the model id would be wrong. With `context.resume` the earlier request is
 * polled instead of submitting again; a request fal no longer knows is
 * submitted anew. Errors are mapped by fal-errors.ts; a malformed answer or
 * bytes that are not an image are provider_error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { ProviderError, toProviderError } from '../errors';
import type {
  GenerateContext,
  GeneratedImage,
  GenerateRequest,
  GenerateResult,
  ImageProvider,
  PendingWork,
} from '../types';
import { checkedUrl, downloadImage, guardedGet } from './fal-download';
import { falResponseError } from './fal-errors';
import { buildFalInput } from './fal-input';

export const FAL_PROVIDER_ID = 'fal';
export const FAL_QUEUE_BASE_URL = 'https://queue.fal.run';

/* fal's own client polls every 500 ms; a generation takes seconds, and a webhook wakes the wait earlier. */
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/* With a webhook on its way, polling is only the safety net for a lost one. */
const DEFAULT_WEBHOOK_POLL_INTERVAL_MS = 15_000;

export interface FalProviderOptions {
  apiKey: string;
  /** The queue base URL: default https://queue.fal.run; a proxy or a test fake otherwise. */
  baseUrl?: string;
  /** Wait between two status polls. */
  pollIntervalMs?: number;
  /** Wait between two status polls when fal will post a webhook (default 15 s). */
  webhookPollIntervalMs?: number;
  /** For tests: the fetch used for every call. */
  fetch?: typeof fetch;
}

interface FalClient {
  base: string;
  origin: string;
  headers: Record<string, string>;
  pollIntervalMs: number;
  webhookPollIntervalMs: number;
  fetch: typeof fetch;
}

const submittedSchema = z.object({
  request_id: z.string().min(1),
  status_url: z.url(),
  response_url: z.url(),
});

const statusSchema = z.object({
  status: z.enum(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']),
  queue_position: z.number().optional(),
});

const outputSchema = z.object({
  images: z.array(z.object({ url: z.string().min(1) })),
  seed: z.number().optional(),
  has_nsfw_concepts: z.array(z.boolean()).optional(),
});

type FalOutput = z.infer<typeof outputSchema>;

/** The pending work this adapter can poll: its own, with both URLs. */
function resumable(work: PendingWork | undefined): PendingWork | undefined {
  if (work?.providerId !== FAL_PROVIDER_ID) return undefined;
  return work.data?.status && work.data.response ? work : undefined;
}

/** A 2xx body parsed against `schema`, or provider_error for anything else it could be. */
async function readAnswer<Schema extends z.ZodType>(
  response: Response,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  if (!response.ok) throw await falResponseError(response, FAL_PROVIDER_ID);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new ProviderError('provider_error', {
      providerId: FAL_PROVIDER_ID,
      status: response.status,
      detail: `fal ${what}: invalid JSON`,
      cause,
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError('provider_error', {
      providerId: FAL_PROVIDER_ID,
      status: response.status,
      detail: `fal ${what}: unexpected shape`,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function msUntil(deadline: Date | undefined): number | undefined {
  return deadline ? deadline.getTime() - Date.now() : undefined;
}

function deadlinePassed(what: string): ProviderError {
  return new ProviderError('timeout', { providerId: FAL_PROVIDER_ID, detail: `deadline passed ${what}` });
}

async function submit(
  client: FalClient,
  request: GenerateRequest,
  input: Record<string, unknown>,
  context: GenerateContext,
): Promise<PendingWork> {
  const left = msUntil(context.deadline);
  if (left !== undefined && left <= 0) throw deadlinePassed('before submitting');
  const url = new URL(`${client.base}/${request.model.replace(/^\/+/, '')}`);
  if (context.webhookUrl) url.searchParams.set('fal_webhook', context.webhookUrl);
  const response = await client.fetch(url, {
    method: 'POST',
    headers: {
      ...client.headers,
      'content-type': 'application/json',
      // A request still queued when our hold ends would be paid for and thrown away: let fal drop it.
      ...(left !== undefined
        ? { 'x-fal-request-timeout': String(Math.max(1, Math.floor(left / 1000))) }
        : {}),
    },
    body: JSON.stringify(input),
    signal: context.signal,
  });
  const accepted = await readAnswer(response, submittedSchema, 'submit');
  return {
    providerId: FAL_PROVIDER_ID,
    requestId: accepted.request_id,
    data: { status: accepted.status_url, response: accepted.response_url },
  };
}

/** Waits `ms` between polls, through the job's sleep (woken by webhooks) or a plain timer. */
async function pause(client: FalClient, work: PendingWork, context: GenerateContext): Promise<void> {
  const left = msUntil(context.deadline);
  if (left !== undefined && left <= 0)
    throw deadlinePassed(`while fal request ${work.requestId} was running`);
  const interval = context.webhookUrl ? client.webhookPollIntervalMs : client.pollIntervalMs;
  const ms = Math.min(interval, left ?? Infinity);
  if (context.sleep) await context.sleep(ms, work);
  else await delay(ms, undefined, { signal: context.signal });
}

/** Polls until COMPLETED; 'gone' when resuming a request fal no longer knows. */
async function awaitCompletion(
  client: FalClient,
  work: PendingWork,
  context: GenerateContext,
  resumed: boolean,
): Promise<'completed' | 'gone'> {
  let last: string | undefined;
  for (;;) {
    const response = await guardedGet(work.data?.status ?? '', follow(client, context));
    if (response.status === 404) {
      await response.body?.cancel();
      if (resumed) return 'gone';
      // Our own request vanished from the queue: nothing to say about the model, so worth another try.
      throw new ProviderError('provider_error', {
        providerId: FAL_PROVIDER_ID,
        status: 404,
        detail: `fal no longer knows request ${work.requestId}`,
      });
    }
    const state = await readAnswer(response, statusSchema, 'status');
    if (state.status !== last) {
      context.logger?.debug(
        { requestId: work.requestId, status: state.status, queuePosition: state.queue_position },
        'fal request status',
      );
      last = state.status;
    }
    if (state.status === 'COMPLETED') return 'completed';
    await pause(client, work, context);
  }
}

/**
 * Waits for the request and reads its output (or its error). When resuming,
 * a 404 on either URL means the request cannot be collected any more (fal
 * forgot it, or its result expired: kept 1 h, 6 min when large), so it is
 * 'gone' and the caller submits again; a fresh request's 404 result is the
 * model's own answer (an endpoint fal does not run).
 */
async function collect(
  client: FalClient,
  work: PendingWork,
  context: GenerateContext,
  resumed: boolean,
): Promise<FalOutput | 'gone'> {
  if ((await awaitCompletion(client, work, context, resumed)) === 'gone') return 'gone';
  const response = await guardedGet(work.data?.response ?? '', follow(client, context));
  if (resumed && response.status === 404) {
    await response.body?.cancel();
    return 'gone';
  }
  return readAnswer(response, outputSchema, 'result');
}

function follow(client: FalClient, context: GenerateContext, headers = client.headers) {
  return {
    trustedOrigin: client.origin,
    providerId: FAL_PROVIDER_ID,
    signal: context.signal,
    fetch: client.fetch,
    headers,
  };
}

/**
 * The images to keep, in order: those fal's safety checker flagged
 * (`has_nsfw_concepts`, FLUX; it returns black images for them) are
 * withheld with a warning, and a result with nothing else is a content_policy
 * error, as if the request had been refused.
 */
function keptImages(output: FalOutput, n: number, warnings: string[]): string[] {
  const flags = output.has_nsfw_concepts ?? [];
  const clean = output.images.map((image) => image.url).filter((_, index) => flags[index] !== true);
  const flagged = output.images.length - clean.length;
  const kept = clean.slice(0, n);
  if (flagged > 0 && kept.length === 0) {
    throw new ProviderError('content_policy', {
      providerId: FAL_PROVIDER_ID,
      detail: `fal's safety checker flagged all ${flagged} images`,
    });
  }
  if (kept.length === 0) {
    throw new ProviderError('provider_error', {
      providerId: FAL_PROVIDER_ID,
      detail: 'fal returned no images',
    });
  }
  if (flagged > 0) warnings.push(`${flagged} image(s) withheld: flagged by fal's safety checker`);
  if (kept.length < n) warnings.push(`fal returned ${kept.length} of ${n} images`);
  return kept;
}

async function generateOnQueue(
  client: FalClient,
  request: GenerateRequest,
  context: GenerateContext,
): Promise<GenerateResult> {
  const { input, warnings } = buildFalInput(request);
  let work = resumable(context.resume);
  if (context.resume && !work) {
    context.logger?.warn(
      { providerId: context.resume.providerId },
      'fal: pending work not resumable, submitting',
    );
  }
  let output: FalOutput | 'gone' = 'gone';
  if (work) {
    for (const url of [work.data?.status, work.data?.response])
      checkedUrl(url ?? '', client.origin, FAL_PROVIDER_ID);
    output = await collect(client, work, context, true);
    if (output === 'gone') {
      context.logger?.warn(
        { requestId: work.requestId },
        'fal: resumed request cannot be collected, submitting again',
      );
    }
  }
  if (output === 'gone') {
    work = await submit(client, request, input, context);
    await context.onPending?.(work);
    output = await collect(client, work, context, false);
  }
  if (output === 'gone' || !work) {
    throw new ProviderError('provider_error', { providerId: FAL_PROVIDER_ID, detail: 'fal request lost' });
  }
  const urls = keptImages(output, request.n, warnings);
  const images: GeneratedImage[] = await Promise.all(
    urls.map((url) => downloadImage(url, follow(client, context, {}))),
  );
  const seed = output.seed;
  if (seed !== undefined && images[0]) images[0].seed = seed;
  return {
    images,
    ...(seed !== undefined ? { seed } : {}),
    metadata: { requestId: work.requestId },
    warnings,
  };
}

/**
 * fal serves some models' edits from an endpoint of their own (Seedream's
 * `…/edit`): a route names it as the option `editModelId`, used when the
 * request has reference images. The option is the adapter's, never sent.
 */
export function withEndpoint(request: GenerateRequest): GenerateRequest {
  const { editModelId, ...passthrough } = request.providerOptions ?? {};
  const edits = typeof editModelId === 'string' && (request.referenceImages?.length ?? 0) > 0;
  return {
    ...request,
    ...(edits ? { model: editModelId } : {}),
    ...(request.providerOptions ? { providerOptions: passthrough } : {}),
  };
}

export function createFalProvider(options: FalProviderOptions): ImageProvider {
  const base = (options.baseUrl ?? FAL_QUEUE_BASE_URL).replace(/\/+$/, '');
  const client: FalClient = {
    base,
    origin: new URL(base).origin,
    headers: { authorization: `Key ${options.apiKey}`, accept: 'application/json' },
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    webhookPollIntervalMs: options.webhookPollIntervalMs ?? DEFAULT_WEBHOOK_POLL_INTERVAL_MS,
    fetch: options.fetch ?? fetch,
  };
  return {
    id: FAL_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      try {
        return await generateOnQueue(client, withEndpoint(request), context);
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        // Whatever ended the wait once the signal fired (fetch, timer, the job's sleep) is the call timing out.
        if (context.signal.aborted) {
          throw new ProviderError('timeout', {
            providerId: FAL_PROVIDER_ID,
            cause: error,
            detail: 'call aborted',
          });
        }
        throw toProviderError(error, { providerId: FAL_PROVIDER_ID });
      }
    },
  };
}
