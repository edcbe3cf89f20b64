/**
 * Fireworks FLUX Kontext (providers.md §4.4), a native asynchronous client.
 * The AI SDK's Kontext route polls only `Ready`/`Error`/`Failed` as final,
 * so a moderated request spins until its two-minute timeout; here every
 * status the API documents ends the wait at once:
 *
 * - `POST {base}/workflows/{model}` with `prompt`, `input_image` (a data
 *   URL), `seed`, `aspect_ratio` and the route's options → `{request_id}`;
 * - `POST {base}/workflows/{model}/get_result` with `{id}` →
 *   `{id, status, result}` until `Ready` (then `result.sample` is
 *   downloaded), `Request Moderated`/`Content Moderated` (content_policy),
 *   `Error`/`Failed` (provider_error) or `Task not found`.
 *
 * One image per task, so `n` images are `n` submissions, seeds counting up
 * from the request's. Once submitted, the work is reported through
 * `context.onPending` (all request ids, in order, as JSON) before the first
 * poll; a later attempt given it as `context.resume` polls those tasks and
 * submits only slots that have none. A resumed task Fireworks no longer
 * knows (results expire) is submitted again, since polling it can never
 * succeed. Polls wait through `context.sleep` (a webhook can cut the wait
 * short) or a plain timer, and everything honours the signal and deadline.
 */
import { z } from 'zod';
import { sniffImage } from '../../images/sniff-image';
import { ignoredFields } from '../ai-sdk-images';
import { ProviderError } from '../errors';
import type { GeneratedImage, GenerateContext, GenerateRequest, GenerateResult, PendingWork } from '../types';
import { downloadResult } from './fireworks-download';
import {
  FIREWORKS_PROVIDER_ID,
  fireworksError,
  fireworksHttpError,
  unusableAnswer,
} from './fireworks-errors';
import { kontextRatio } from './fireworks-ratios';

export interface KontextClient {
  apiKey: string;
  /** e.g. https://api.fireworks.ai/inference/v1, without a trailing slash. */
  baseUrl: string;
  pollIntervalMs: number;
  /** Sent as `webhook_secret` with `context.webhookUrl`, so the receiver can verify the call. */
  webhookSecret?: string;
}

const submitAnswer = z.object({ request_id: z.string().min(1) });
const pollAnswer = z.object({
  status: z.string(),
  result: z.looseObject({ sample: z.string().optional(), seed: z.number().optional() }).nullish(),
});
type PollAnswer = z.infer<typeof pollAnswer>;

const MODERATED = new Set(['Request Moderated', 'Content Moderated']);
const FAILED = new Set(['Error', 'Failed']);
const SEED_SPACE = 2 ** 32;

async function postJson(
  client: KontextClient,
  path: string,
  body: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const response = await fetch(`${client.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${client.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  if (!response.ok) throw fireworksHttpError(response.status, response.headers, text);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw unusableAnswer(`${path}: answer is not JSON`, cause);
  }
}

/** The context's signal, ending at the hold's deadline too: nothing started here may outlive it. */
export function callSignal(context: GenerateContext): AbortSignal {
  if (!context.deadline) return context.signal;
  const left = Math.max(0, context.deadline.getTime() - Date.now());
  return AbortSignal.any([context.signal, AbortSignal.timeout(left)]);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The request ids a resumed attempt should poll, or undefined when `resume` is not this route's work. */
function resumedIds(
  request: GenerateRequest,
  resume: PendingWork | undefined,
): (string | null)[] | undefined {
  if (resume?.providerId !== FIREWORKS_PROVIDER_ID) return undefined;
  if (resume.data?.model !== undefined && resume.data.model !== request.model) return undefined;
  const raw = resume.data?.requestIds;
  if (raw === undefined) return [resume.requestId];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (Array.isArray(parsed) && parsed.every((id) => id === null || typeof id === 'string')) {
      return parsed as (string | null)[];
    }
  } catch {
    // A malformed record: fall back to the one id it certainly holds.
  }
  return [resume.requestId];
}

function submitBody(
  request: GenerateRequest,
  context: GenerateContext,
  client: KontextClient,
  warnings: string[],
): Record<string, unknown> {
  const { mode: _mode, ...routeOptions } = request.providerOptions ?? {};
  const [reference, ...ignored] = request.referenceImages ?? [];
  if (ignored.length > 0) {
    warnings.push(`referenceImages: Kontext takes one input image, ${ignored.length} more ignored`);
  }
  const aspectRatio = kontextRatio(request, warnings);
  return {
    ...routeOptions,
    prompt: request.prompt,
    ...(reference
      ? {
          input_image: `data:${reference.mediaType};base64,${Buffer.from(reference.bytes).toString('base64')}`,
        }
      : {}),
    ...(aspectRatio ? { aspect_ratio: aspectRatio } : {}),
    ...(context.webhookUrl ? { webhook_url: context.webhookUrl } : {}),
    ...(context.webhookUrl && client.webhookSecret ? { webhook_secret: client.webhookSecret } : {}),
  };
}

/** The outcome a get_result status calls for; anything unknown (Pending, or a status added later) waits. */
function verdict(status: string): 'ready' | 'moderated' | 'failed' | 'gone' | 'wait' {
  if (status === 'Ready') return 'ready';
  if (MODERATED.has(status)) return 'moderated';
  if (FAILED.has(status)) return 'failed';
  if (status === 'Task not found') return 'gone';
  return 'wait';
}

/**
 * One Kontext call: a slot per image holding its request id (null until
 * submitted), the work last reported, and the signals it runs under.
 */
class KontextRun {
  private readonly path: string;
  private readonly ids: (string | null)[];
  /** Resumed ids not yet polled: only these may be submitted again when Fireworks no longer knows them. */
  private readonly inherited: Set<string>;
  /** What polls wait on: the resumed work until a submission here replaces it. */
  private work: PendingWork | undefined;
  /** Ends sibling polls once one task failed. */
  private readonly scope = new AbortController();
  readonly outer: AbortSignal;
  private readonly signal: AbortSignal;

  constructor(
    private readonly client: KontextClient,
    private readonly request: GenerateRequest,
    private readonly context: GenerateContext,
    private readonly body: Record<string, unknown>,
  ) {
    this.path = `/workflows/${request.model}`;
    const resumed = resumedIds(request, context.resume);
    this.ids = Array.from({ length: request.n }, (_, slot) => resumed?.[slot] ?? null);
    this.inherited = new Set(resumed?.filter((id): id is string => id !== null));
    this.work = resumed ? context.resume : undefined;
    this.outer = callSignal(context);
    this.signal = AbortSignal.any([this.outer, this.scope.signal]);
  }

  /** All images in slot order; ends the sibling polls when one fails. */
  async images(): Promise<GeneratedImage[]> {
    try {
      await this.submitMissing();
      return await Promise.all(this.ids.map((_, slot) => this.settle(slot)));
    } catch (error) {
      this.scope.abort();
      throw error;
    }
  }

  firstRequestId(): string | undefined {
    return this.ids.find((id): id is string => id !== null) ?? undefined;
  }

  private seedOf(slot: number): number | undefined {
    return this.request.seed === undefined ? undefined : (this.request.seed + slot) % SEED_SPACE;
  }

  private async submit(slot: number): Promise<void> {
    const seed = this.seedOf(slot);
    const sent = { ...this.body, ...(seed === undefined ? {} : { seed }) };
    const answer = submitAnswer.safeParse(await postJson(this.client, this.path, sent, this.signal));
    if (!answer.success) throw unusableAnswer('submit answer has no request_id', answer.error);
    this.ids[slot] = answer.data.request_id;
  }

  private async report(): Promise<void> {
    const requestId = this.firstRequestId();
    if (!requestId) return;
    this.work = {
      providerId: FIREWORKS_PROVIDER_ID,
      requestId,
      data: { model: this.request.model, requestIds: JSON.stringify(this.ids) },
    };
    this.context.logger?.info(
      { requestIds: this.ids, model: this.request.model },
      'fireworks kontext accepted',
    );
    await this.context.onPending?.(this.work);
  }

  private async submitMissing(): Promise<void> {
    const missing = this.ids.flatMap((id, slot) => (id === null ? [slot] : []));
    if (missing.length === 0) return;
    const settled = await Promise.allSettled(missing.map((slot) => this.submit(slot)));
    // Report what was accepted even when a sibling failed, so a retry does not pay for it twice.
    if (settled.some((outcome) => outcome.status === 'fulfilled')) await this.report();
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async poll(id: string): Promise<PollAnswer> {
    const answer = pollAnswer.safeParse(
      await postJson(this.client, `${this.path}/get_result`, { id }, this.signal),
    );
    if (!answer.success) throw unusableAnswer('get_result answer has no status', answer.error);
    return answer.data;
  }

  private async pause(): Promise<void> {
    const { sleep } = this.context;
    if (sleep && this.work) await sleep(this.client.pollIntervalMs, this.work);
    else await delay(this.client.pollIntervalMs, this.signal);
    this.signal.throwIfAborted();
  }

  /** Polls one slot's task to its end: the image, or the ProviderError its status means. */
  private async settle(slot: number): Promise<GeneratedImage> {
    for (;;) {
      const id = this.ids[slot]!;
      const answer = await this.poll(id);
      switch (verdict(answer.status)) {
        case 'ready':
          return this.fetchImage(answer, slot);
        case 'moderated':
          throw new ProviderError('content_policy', {
            providerId: FIREWORKS_PROVIDER_ID,
            detail: answer.status,
          });
        case 'failed':
          throw new ProviderError('provider_error', {
            providerId: FIREWORKS_PROVIDER_ID,
            detail: `task ${id}: ${answer.status}`,
          });
        case 'gone':
          if (!this.inherited.delete(id)) throw unusableAnswer(`task ${id}: Task not found`);
          this.context.logger?.warn({ requestId: id }, 'fireworks kontext task gone, submitting again');
          await this.submit(slot);
          await this.report();
          break;
        case 'wait':
          await this.pause();
      }
    }
  }

  private async fetchImage(answer: PollAnswer, slot: number): Promise<GeneratedImage> {
    const sample = answer.result?.sample;
    if (!sample) throw unusableAnswer('Ready without result.sample');
    const bytes = await downloadResult(sample, {
      apiOrigin: new URL(this.client.baseUrl).origin,
      apiKey: this.client.apiKey,
      signal: this.signal,
    });
    const sniffed = sniffImage(bytes);
    if (!sniffed) throw unusableAnswer('result.sample is not a PNG, JPEG or WebP image');
    const seed = this.seedOf(slot) ?? answer.result?.seed;
    return { bytes, mediaType: `image/${sniffed.format}`, ...(seed === undefined ? {} : { seed }) };
  }
}

/** Runs one Kontext call: submit what is missing, report it, poll every task, download every result. */
export async function generateWithKontext(
  client: KontextClient,
  request: GenerateRequest,
  context: GenerateContext,
): Promise<GenerateResult> {
  const warnings = ignoredFields(request, 'Fireworks Kontext', ['negativePrompt']);
  const run = new KontextRun(client, request, context, submitBody(request, context, client, warnings));
  try {
    const images = await run.images();
    const requestId = run.firstRequestId();
    return {
      images,
      warnings,
      ...(images[0]?.seed === undefined ? {} : { seed: images[0].seed }),
      ...(requestId ? { metadata: { requestId } } : {}),
    };
  } catch (error) {
    throw fireworksError(error, run.outer);
  }
}
