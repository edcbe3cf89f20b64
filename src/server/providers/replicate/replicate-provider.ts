/**
 * Replicate predictions (providers.md §4.2), a native asynchronous adapter:
 * `@ai-sdk/replicate` polls in process with no way to resume and no
 * webhooks (§3.5), and a retried job must not pay for a second prediction.
 *
 * One call of `generate`:
 * 1. maps the request onto the model family's inputs and splits it into
 *    predictions (replicate-input.ts);
 * 2. with `context.resume`, looks at the predictions an earlier attempt
 *    started and carries on with them; only when they are gone or ended
 *    without a usable result does it submit again;
 * 3. otherwise creates the predictions (`POST /models/{owner}/{name}/predictions`,
 *    or `POST /predictions` with `version` for a pinned `owner/name:version`),
 *    with the platform's webhook when there is one, and reports them through
 *    `context.onPending`;
 * 4. polls each `urls.get` (same origin as the base URL, with the token) until
 *    it ends, sleeping through `context.sleep` so a verified webhook can wake
 *    it early;
 * 5. downloads every output file and checks it is an image.
 *
 * `Prefer: wait` holds the create call open until the prediction ends: the
 * doc recommends a short wait or none when a webhook is set, so none is sent
 * then; without a webhook a short wait (5 s by default) lets a fast model
 * (flux-schnell takes 1-2 s) answer in one round trip instead of two.
 *
 * Aborting does not cancel the prediction: the doc does not ask for it, and
 * the next attempt resumes it (an attempt timeout is the usual abort). Only
 * predictions that were never reported through `onPending`, because a sibling
 * failed to submit, are cancelled, since nothing could ever resume them.
 */
import { ProviderError, toProviderError } from '../errors';
import type {
  GenerateContext,
  GenerateRequest,
  GenerateResult,
  GeneratedImage,
  ImageProvider,
  PendingWork,
} from '../types';
import { downloadImage } from './replicate-download';
import { predictionFailure, replicateHttpError, type ReplicateCall } from './replicate-errors';
import { planPredictions, type PlannedPrediction, type PredictionPlan } from './replicate-input';
import {
  isTerminalStatus,
  outputUrls,
  parseReplicatePrediction,
  type ReplicatePrediction,
} from './replicate-prediction';

export const REPLICATE_PROVIDER_ID = 'replicate';

export interface ReplicateProviderOptions {
  /** An API token, `r8_…`. */
  apiKey: string;
  /** Default https://api.replicate.com/v1; a proxy or a test fake otherwise. */
  baseUrl?: string;
  /** First wait between two polls (default 1000 ms); each later wait is half as long again. */
  pollIntervalMs?: number;
  /** Longest wait between two polls (default 5000 ms). */
  maxPollIntervalMs?: number;
  /**
   * Wait between polls when a webhook will wake the adapter (default 15 s):
   * polling is then only the safety net for a lost webhook.
   */
  webhookPollIntervalMs?: number;
  /** `Prefer: wait=N` on create when no webhook is set (default 5; 0 never sends it). */
  syncWaitSeconds?: number;
}

export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1';
/* Replicate allows 3000 polls a minute per account (§4.2): 1 s growing to 5 s leaves room for many jobs. */
const DEFAULT_POLL_MS = 1_000;
const DEFAULT_MAX_POLL_MS = 5_000;
const DEFAULT_WEBHOOK_POLL_MS = 15_000;
const DEFAULT_SYNC_WAIT_SECONDS = 5;
/* The API's own ceiling for `Prefer: wait=N` (§4.2). */
const MAX_SYNC_WAIT_SECONDS = 60;
/* Cancelling orphans is best effort and must not hold the failing call. */
const CANCEL_TIMEOUT_MS = 5_000;

/** One prediction being waited for, with what it was asked to make when known. */
interface Tracked {
  prediction: ReplicatePrediction;
  getUrl: string;
  planned?: PlannedPrediction;
}

/** Everything one `generate` call needs to talk to the API. */
interface Call {
  base: string;
  apiOrigin: string;
  authorization: string;
  context: GenerateContext;
  options: ReplicateProviderOptions;
}

/** Resumed work that cannot give a result: submit again rather than fail every attempt on it. */
class ResumeUnusable extends Error {
  override name = 'ResumeUnusable';
}

function providerError(detail: string, status?: number): ProviderError {
  return new ProviderError('provider_error', {
    providerId: REPLICATE_PROVIDER_ID,
    detail,
    ...(status ? { status } : {}),
  });
}

/** Whatever was thrown, as a ProviderError; anything after the signal fired is a timeout. */
function asProviderError(error: unknown, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted) {
    return new ProviderError('timeout', {
      providerId: REPLICATE_PROVIDER_ID,
      detail: 'call aborted',
      cause: error,
    });
  }
  return toProviderError(error, { providerId: REPLICATE_PROVIDER_ID });
}

/* ------------------------------------------------------------------ HTTP */

async function requestPrediction(
  call: Call,
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> },
  kind: ReplicateCall,
): Promise<ReplicatePrediction> {
  const response = await fetch(url, {
    method: init.method,
    headers: {
      authorization: call.authorization,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: call.context.signal,
  });
  const text = await response.text();
  if (!response.ok) throw replicateHttpError(response, text, kind, REPLICATE_PROVIDER_ID);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw providerError(`Replicate ${kind}: the answer is not JSON`, response.status);
  }
  const prediction = parseReplicatePrediction(json);
  if (!prediction) throw providerError(`Replicate ${kind}: the answer is not a prediction`, response.status);
  return prediction;
}

/** The prediction's poll URL; refused when it would take the token to another origin. */
function pollUrl(call: Call, prediction: ReplicatePrediction): string {
  const url = prediction.urls.get ?? `${call.base}/predictions/${encodeURIComponent(prediction.id)}`;
  if (!isSameOrigin(url, call.apiOrigin)) {
    throw providerError(`prediction ${prediction.id}: urls.get is not on the API's origin`);
  }
  return url;
}

function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/* ---------------------------------------------------------------- Submit */

/** Where to create a prediction of `model`, and the `version` field when it is pinned. */
function createTarget(call: Call, model: string): { url: string; version?: string } {
  const match = /^([\w.-]+)\/([\w.-]+)(?::(\w+))?$/.exec(model);
  if (!match) {
    throw new ProviderError('model_unavailable', {
      providerId: REPLICATE_PROVIDER_ID,
      detail: `model id ${model} is not owner/name or owner/name:version`,
    });
  }
  const [, owner = '', name = '', version] = match;
  if (version) return { url: `${call.base}/predictions`, version };
  return { url: `${call.base}/models/${owner}/${name}/predictions` };
}

/** `Prefer: wait=N` when the doc's advice allows it: no webhook, and N within the time left. */
function preferHeader(call: Call): Record<string, string> {
  if (call.context.webhookUrl) return {};
  let seconds = Math.min(call.options.syncWaitSeconds ?? DEFAULT_SYNC_WAIT_SECONDS, MAX_SYNC_WAIT_SECONDS);
  if (call.context.deadline) {
    seconds = Math.min(seconds, Math.floor((call.context.deadline.getTime() - Date.now()) / 1000));
  }
  return seconds >= 1 ? { prefer: `wait=${Math.floor(seconds)}` } : {};
}

async function createPrediction(call: Call, model: string, planned: PlannedPrediction): Promise<Tracked> {
  const target = createTarget(call, model);
  const { webhookUrl } = call.context;
  const body = {
    ...(target.version ? { version: target.version } : {}),
    input: planned.input,
    ...(webhookUrl ? { webhook: webhookUrl, webhook_events_filter: ['completed'] } : {}),
  };
  const prediction = await requestPrediction(
    call,
    target.url,
    { method: 'POST', body, headers: preferHeader(call) },
    'create',
  );
  call.context.logger?.debug({ predictionId: prediction.id, model }, 'replicate prediction created');
  return { prediction, getUrl: pollUrl(call, prediction), planned };
}

/* Fire and forget: the call is failing anyway, and the prediction only costs money if left running. */
function cancelOrphan(call: Call, tracked: Tracked): void {
  const url = tracked.prediction.urls.cancel;
  if (!url || !isSameOrigin(url, call.apiOrigin)) return;
  void fetch(url, {
    method: 'POST',
    headers: { authorization: call.authorization },
    signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
  })
    .then((response) => response.body?.cancel())
    .catch(() => undefined);
}

/** Creates every planned prediction; if one is refused, cancels the others and throws its error. */
async function submitAll(call: Call, model: string, plan: PredictionPlan): Promise<Tracked[]> {
  const settled = await Promise.allSettled(
    plan.predictions.map((planned) => createPrediction(call, model, planned)),
  );
  const refused = settled.find((outcome) => outcome.status === 'rejected');
  if (!refused) return settled.map((outcome) => (outcome as PromiseFulfilledResult<Tracked>).value);
  for (const outcome of settled) if (outcome.status === 'fulfilled') cancelOrphan(call, outcome.value);
  throw refused.reason;
}

/** The work to store: the first prediction's id, and every poll URL (`get`, `get_2`, …). */
function pendingWork(tracked: readonly Tracked[]): PendingWork {
  const data: Record<string, string> = {};
  tracked.forEach((item, i) => {
    data[i === 0 ? 'get' : `get_${i + 1}`] = item.getUrl;
  });
  return { providerId: REPLICATE_PROVIDER_ID, requestId: tracked[0]?.prediction.id ?? '', data };
}

/** Reports new work; if it cannot be stored, nothing could resume it, so it is cancelled. */
async function reportPending(call: Call, tracked: readonly Tracked[]): Promise<void> {
  try {
    await call.context.onPending?.(pendingWork(tracked));
  } catch (error) {
    for (const item of tracked) cancelOrphan(call, item);
    throw error;
  }
}

/** The prediction ids of stored work, so that a webhook can be matched to the work it should wake. */
export function predictionIdsOf(work: PendingWork): string[] {
  if (work.providerId !== REPLICATE_PROVIDER_ID) return [];
  const fromUrls = Object.entries(work.data ?? {})
    .filter(([key]) => /^get(_\d+)?$/.test(key))
    .map(([, url]) => {
      try {
        return decodeURIComponent(new URL(url).pathname.split('/').at(-1) ?? '');
      } catch {
        return '';
      }
    });
  return [...new Set([work.requestId, ...fromUrls])].filter((id) => id !== '');
}

/** The predictions of an earlier attempt, from stored work; undefined when there is none to resume. */
function resumedWork(call: Call, plan: PredictionPlan): Tracked[] | undefined {
  const work = call.context.resume;
  if (!work || work.providerId !== REPLICATE_PROVIDER_ID || !work.requestId) return undefined;
  const data = work.data ?? {};
  const urls = Object.keys(data)
    .filter((key) => /^get(_\d+)?$/.test(key))
    .sort((a, b) => Number(a.slice(4) || 1) - Number(b.slice(4) || 1))
    .map((key) => data[key] ?? '');
  if (urls.length === 0) urls.push(`${call.base}/predictions/${encodeURIComponent(work.requestId)}`);
  if (!urls.every((url) => isSameOrigin(url, call.apiOrigin))) return undefined;
  const matchesPlan = urls.length === plan.predictions.length;
  return urls.map((getUrl, i) => {
    const planned = matchesPlan ? plan.predictions[i] : undefined;
    const id = decodeURIComponent(new URL(getUrl).pathname.split('/').at(-1) ?? '');
    const prediction: ReplicatePrediction = {
      id: i === 0 ? work.requestId : id,
      status: 'starting',
      output: null,
      error: null,
      logs: null,
      urls: { get: getUrl },
      dataRemoved: false,
    };
    return { prediction, getUrl, ...(planned ? { planned } : {}) };
  });
}

/* ------------------------------------------------------------------ Wait */

function timeLeft(call: Call): number {
  return call.context.deadline ? call.context.deadline.getTime() - Date.now() : Number.POSITIVE_INFINITY;
}

function timer(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(handle);
      reject(signal.reason as Error);
    };
    const handle = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits before the next poll: through `context.sleep` (woken by webhooks) when given, else a timer. */
async function pause(call: Call, ms: number, work: PendingWork): Promise<void> {
  const left = timeLeft(call);
  if (left <= 0) {
    throw new ProviderError('timeout', {
      providerId: REPLICATE_PROVIDER_ID,
      detail: 'deadline passed while polling',
    });
  }
  const wait = Math.min(ms, left);
  if (call.context.sleep) await call.context.sleep(wait, work);
  else await timer(wait, call.context.signal);
}

async function refresh(call: Call, tracked: Tracked): Promise<void> {
  tracked.prediction = await requestPrediction(call, tracked.getUrl, { method: 'GET' }, 'poll');
}

/** Whether a resumed prediction can still give its result (else the request is submitted again). */
function isUsable(tracked: Tracked): boolean {
  const { prediction } = tracked;
  if (prediction.status === 'succeeded') return !prediction.dataRemoved;
  if (prediction.status === 'failed')
    return !predictionFailure(prediction, REPLICATE_PROVIDER_ID).isTransient;
  return prediction.status !== 'canceled' && prediction.status !== 'aborted';
}

/** The first look at resumed work: every prediction still there and not ended in vain. */
async function checkResumed(call: Call, tracked: readonly Tracked[]): Promise<void> {
  try {
    await Promise.all(tracked.map((item) => refresh(call, item)));
  } catch (error) {
    if (error instanceof ProviderError && error.status === 404) throw new ResumeUnusable('prediction gone');
    throw error;
  }
  const unusable = tracked.find((item) => !isUsable(item));
  if (unusable)
    throw new ResumeUnusable(`prediction ${unusable.prediction.id} ${unusable.prediction.status}`);
}

/** Polls until every prediction has ended. */
async function waitForAll(call: Call, tracked: readonly Tracked[], work: PendingWork): Promise<void> {
  const { options, context } = call;
  const webhookWakes = Boolean(context.webhookUrl && context.sleep);
  let interval = webhookWakes
    ? (options.webhookPollIntervalMs ?? DEFAULT_WEBHOOK_POLL_MS)
    : (options.pollIntervalMs ?? DEFAULT_POLL_MS);
  const maxInterval = webhookWakes ? interval : (options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_MS);
  for (;;) {
    const running = tracked.filter((item) => !isTerminalStatus(item.prediction.status));
    if (running.length === 0) return;
    await pause(call, interval, work);
    await Promise.all(running.map((item) => refresh(call, item)));
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}

/* --------------------------------------------------------------- Collect */

async function imagesOf(call: Call, tracked: Tracked, resumed: boolean): Promise<GeneratedImage[]> {
  const urls = outputUrls(tracked.prediction);
  if (!urls) throw providerError(`prediction ${tracked.prediction.id} succeeded without output URLs`);
  const wanted = tracked.planned?.images ?? urls.length;
  const images: GeneratedImage[] = [];
  for (const url of urls.slice(0, wanted)) {
    try {
      images.push(
        await downloadImage(url, {
          apiOrigin: call.apiOrigin,
          authorization: call.authorization,
          signal: call.context.signal,
          providerId: REPLICATE_PROVIDER_ID,
        }),
      );
    } catch (error) {
      // Output files live about an hour: resumed too late, the request has to run again.
      const gone = error instanceof ProviderError && (error.status === 404 || error.status === 410);
      if (resumed && gone) throw new ResumeUnusable('output files expired');
      throw error;
    }
  }
  const seed = tracked.planned?.imageSeed;
  return seed === undefined ? images : images.map((image) => ({ ...image, seed }));
}

/**
 * The images of every prediction, in order. Predictions that failed while
 * others succeeded become warnings (the hold settles for what came); when
 * none succeeded, the first failure is the error.
 */
async function collect(
  call: Call,
  tracked: readonly Tracked[],
  n: number,
  resumed: boolean,
): Promise<{ images: GeneratedImage[]; warnings: string[] }> {
  const images: GeneratedImage[] = [];
  const failures: ProviderError[] = [];
  for (const item of tracked) {
    if (item.prediction.status === 'succeeded') images.push(...(await imagesOf(call, item, resumed)));
    else failures.push(predictionFailure(item.prediction, REPLICATE_PROVIDER_ID));
  }
  if (images.length === 0) throw failures[0] ?? providerError('no prediction to collect');
  const warnings = failures.map((failure) => `some images failed: ${failure.code} (${failure.message})`);
  if (images.length < n) warnings.push(`Replicate returned ${images.length} of ${n} images`);
  return { images: images.slice(0, n), warnings };
}

async function finish(
  call: Call,
  tracked: Tracked[],
  request: GenerateRequest,
  plan: PredictionPlan,
  resumed: boolean,
): Promise<GenerateResult> {
  const work = pendingWork(tracked);
  if (resumed) await checkResumed(call, tracked);
  await waitForAll(call, tracked, work);
  const { images, warnings } = await collect(call, tracked, request.n, resumed);
  return {
    images,
    warnings: [...plan.warnings, ...warnings],
    ...(plan.seed === undefined ? {} : { seed: plan.seed }),
    metadata: { requestId: work.requestId },
  };
}

export function createReplicateProvider(options: ReplicateProviderOptions): ImageProvider {
  const base = (options.baseUrl ?? REPLICATE_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const apiOrigin = new URL(base).origin;
  return {
    id: REPLICATE_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const call: Call = { base, apiOrigin, authorization: `Bearer ${options.apiKey}`, context, options };
      try {
        const plan = planPredictions(request);
        const resumed = resumedWork(call, plan);
        if (resumed) {
          try {
            return await finish(call, resumed, request, plan, true);
          } catch (error) {
            if (!(error instanceof ResumeUnusable)) throw error;
            context.logger?.info(
              { requestId: context.resume?.requestId, reason: error.message },
              'replicate: submitting again',
            );
          }
        }
        const tracked = await submitAll(call, request.model, plan);
        await reportPending(call, tracked);
        return await finish(call, tracked, request, plan, false);
      } catch (error) {
        throw asProviderError(error, context.signal);
      }
    },
  };
}
