/**
 * The worker's side of a generation (architecture: "A generation, end to
 * end", steps 3–4). Runs the provider along the model's routes with retries,
 * then stores what came back and finishes the generation in ONE transaction
 * with its hold (finish-generation.ts), then makes the thumbnails
 * (thumbnails.ts). Every step is safe to run
 * again: pg-boss reruns the job after a crash, object keys derive from the
 * generation id and image index, and the hold resolves at most once.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { and, eq, exists, getTableColumns, inArray, sql } from 'drizzle-orm';
import { catalogVersionColumn, getModel, type CatalogRoute } from '../catalog/list-models';
import { creditHolds, generations, type GenerationAttempt, type StoredPendingWork } from '../db/schema';
import { ProviderError, canFallBackCode, type ProviderErrorCode } from '../providers/errors';
import { runWithRetry } from '../providers/retry';
import type { GeneratedImage, ImageProvider, ReferenceImage } from '../providers/types';
import { loadReferenceImages, ReferenceImageMissingError } from '../uploads/load-reference-images';
import { announcedColumn } from './events';
import {
  fail,
  InvalidOutput,
  storeImages,
  succeed,
  type FailureCode,
  type StoredImage,
} from './finish-generation';
import { createNudges, webhookUrlFor, type Nudges } from './provider-wait';
import { completeThumbnails, storeThumbnails } from './thumbnails';
import type { GenerationDeps } from './types';

export interface GenerationJob {
  id: string;
  data: { generationId: string };
  /** pg-boss's count of earlier runs of this job (crashes, lost heartbeats, expiry); 0 on the first. */
  retryCount?: number;
  /** Fires when pg-boss gives up on this run (expiry) or the worker stops past its grace period. */
  signal: AbortSignal;
}

/** Thrown so that pg-boss runs the job again (the run was interrupted, not failed). */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
}

type Row = typeof generations.$inferSelect;

export async function runGeneration(deps: GenerationDeps, job: GenerationJob): Promise<void> {
  const { generationId } = job.data;
  const log = deps.logger.child({ generationId, jobId: job.id });
  const started = await markRunning(deps, generationId, deps.now());
  if (!started) {
    // Finished, or its hold resolved: the sweeper or a cancel finishes it. A
    // run that died between its success and its thumbnails left them to this one.
    await completeThumbnails(deps, generationId);
    return;
  }
  const { row, catalogVersion } = started;
  // One line per run: which process ran which generation, and how many runs came before.
  log.info({ retryCount: job.retryCount ?? 0 }, 'generation run started');

  // A cancel announced while the provider works aborts the call; a verified
  // provider webhook cuts an asynchronous provider's wait between polls short.
  const canceled = new AbortController();
  const nudges = createNudges();
  const unsubscribe = deps.events.subscribe(generationId, (event) => {
    if (event === 'resync' || event.kind === 'provider_update') nudges.wake();
    else if (event.status === 'canceled') canceled.abort(new Error('canceled'));
  });
  try {
    let references: ReferenceImage[];
    try {
      references = await loadReferenceImages(deps, row);
    } catch (error) {
      if (!(error instanceof ReferenceImageMissingError)) throw error;
      await fail(deps, row, 'reference_missing');
      log.warn(
        { uploadId: error.uploadId, missing: error.missing },
        'reference image gone; generation refunded',
      );
      return;
    }
    const signal = AbortSignal.any([job.signal, canceled.signal]);
    const outcome = await callProvider(deps, row, { signal, nudges, references, catalogVersion });
    if (canceled.signal.aborted) return;
    if (job.signal.aborted) throw new RunInterrupted('the job was stopped; pg-boss will run it again');
    if (!outcome.ok) {
      await fail(deps, row, outcome.code, { attempts: outcome.attempts });
      log.info({ code: outcome.code, attempts: outcome.attempts.length }, 'generation failed');
      return;
    }
    let stored: StoredImage[];
    try {
      stored = await storeImages(deps, row, outcome.images);
    } catch (error) {
      if (!(error instanceof InvalidOutput)) throw error;
      await fail(deps, row, 'invalid_output', { attempts: outcome.attempts });
      log.warn({ err: error }, 'provider output rejected');
      return;
    }
    const finished = await succeed(deps, row, stored, outcome);
    if (!finished) {
      // Canceled or expired meanwhile: the hold is gone, so the images must go too (J3).
      await deps.storage.deleteMany(stored.map((s) => s.objectKey));
      log.info('generation finished after its hold was resolved; images discarded');
      return;
    }
    // Reported succeeded; the job ends once the thumbnails are recorded too (thumbnails.ts).
    // A turn of the event loop first: the status streams' reads of the success, woken by
    // its commit, go ahead of the thumbnails' own work on this thread.
    await nextTurn();
    await storeThumbnails(
      deps,
      row.id,
      outcome.images.map((image, index) => ({ index, bytes: image.bytes })),
    );
  } finally {
    unsubscribe();
  }
}

/**
 * Marks the generation running, unless it is finished or its hold is no
 * longer open, and announces it: one statement (the update's RETURNING
 * sends the notification, and reads the catalog's version for getModel),
 * so a run starts with one round trip. Returns the row, or undefined when
 * there is nothing to run. A rerun keeps the first run's start time.
 */
async function markRunning(
  deps: GenerationDeps,
  generationId: string,
  at: Date,
): Promise<{ row: Row; catalogVersion: number | null } | undefined> {
  const [started] = await deps.db
    .update(generations)
    .set({
      status: 'running',
      startedAt: sql`coalesce(${generations.startedAt}, ${at.toISOString()}::timestamptz)`,
    })
    .where(
      and(
        eq(generations.id, generationId),
        inArray(generations.status, ['queued', 'running']),
        exists(
          deps.db
            .select({ open: sql`1` })
            .from(creditHolds)
            .where(and(eq(creditHolds.id, generations.holdId), eq(creditHolds.status, 'open'))),
        ),
      ),
    )
    .returning({
      ...getTableColumns(generations),
      announced: announcedColumn('running'),
      catalogVersion: catalogVersionColumn(),
    });
  if (!started) return undefined;
  const { announced: _announced, catalogVersion, ...row } = started;
  return { row, catalogVersion };
}

type ProviderOutcome =
  | { ok: true; images: GeneratedImage[]; route: CatalogRoute; attempts: GenerationAttempt[] }
  | { ok: false; code: FailureCode; attempts: GenerationAttempt[] };

/**
 * Tries the model's available routes in order. On one route, transient
 * errors are retried with backoff; an error that allows falling back
 * (transient or model_unavailable) moves on to the next route after at most
 * two tries there; content_policy, invalid_request, auth and quota stop at
 * once. All routes together get at most GENERATION_MAX_ATTEMPTS calls.
 */
async function callProvider(
  deps: GenerationDeps,
  row: Row,
  run: { signal: AbortSignal; nudges: Nudges; references: ReferenceImage[]; catalogVersion: number | null },
): Promise<ProviderOutcome> {
  const { signal, nudges, references } = run;
  const attempts: GenerationAttempt[] = [...row.attempts];
  // Work an asynchronous provider accepted, by an earlier run or attempt:
  // an attempt on the same route polls it rather than submitting again.
  let pending: StoredPendingWork | null = row.pendingWork;
  const deadline = new Date(row.createdAt.getTime() + deps.config.generation.holdTimeoutSeconds * 1000);
  const model = await getModel(deps.db, row.modelId, { version: run.catalogVersion });
  const routes = model?.routes.filter((route) => route.isAvailable) ?? [];
  if (routes.length === 0) return { ok: false, code: 'model_unavailable', attempts };
  const { generation } = deps.config;
  let budget = generation.maxAttempts;
  let last: ProviderError | undefined;
  for (const [index, route] of routes.entries()) {
    const isLast = index === routes.length - 1;
    const maxAttempts = isLast ? budget : Math.min(2, budget);
    if (maxAttempts <= 0) break;
    let startedAt = new Date();
    const webhookUrl = webhookUrlFor(deps, route, row.id);
    let provider: ImageProvider;
    try {
      provider = await deps.providers.resolve(route.provider);
    } catch (error) {
      // No key, a key that no longer opens, no adapter: this route cannot be
      // called; the next one may be. Recorded like a call that failed at once.
      if (!(error instanceof ProviderError)) throw error;
      deps.logger.warn({ err: error, provider: route.provider.id }, 'provider route not callable');
      attempts.push(attemptOf(route, startedAt, 0, error.code));
      last = error;
      if (!canFallBackCode(error.code)) break;
      continue;
    }
    const result = await runWithRetry(
      async (context) => {
        startedAt = new Date();
        const resume = pending && pending.route === route.position ? pending : undefined;
        return provider.generate(
          {
            model: route.providerModelId,
            prompt: row.prompt,
            ...(row.negativePrompt ? { negativePrompt: row.negativePrompt } : {}),
            n: row.n,
            size: { width: row.width, height: row.height },
            ...(row.aspectRatio ? { aspectRatio: row.aspectRatio } : {}),
            ...(row.resolution ? { resolution: row.resolution } : {}),
            ...(row.seed !== null ? { seed: row.seed } : {}),
            ...(references.length > 0 ? { referenceImages: references } : {}),
            referenceId: row.id,
            providerOptions: route.options,
          },
          {
            signal: context.signal,
            attempt: attempts.length + 1,
            deadline,
            ...(resume
              ? {
                  resume: {
                    providerId: resume.providerId,
                    requestId: resume.requestId,
                    ...(resume.data ? { data: resume.data } : {}),
                  },
                }
              : {}),
            onPending: async (work) => {
              pending = { ...work, route: route.position, submittedAt: new Date().toISOString() };
              await deps.db
                .update(generations)
                .set({ pendingWork: pending })
                .where(and(eq(generations.id, row.id), eq(generations.status, 'running')));
            },
            ...(webhookUrl ? { webhookUrl } : {}),
            sleep: (ms) => nudges.sleep(ms, context.signal),
          },
        );
      },
      {
        signal,
        providerId: route.provider.id,
        policy: {
          maxAttempts,
          attemptTimeoutMs: generation.attemptTimeoutMs,
          baseDelayMs: generation.retryBaseMs,
        },
        // Called exactly once per attempt, when it has ended. (No de-duplication by start
        // time: a retry after a 0 ms jittered backoff can start in the same millisecond.)
        onAttempt: (record) => {
          attempts.push(attemptOf(route, startedAt, record.latencyMs, record.errorCode));
        },
      },
    );
    budget -= result.attempts.length;
    if (result.ok) {
      if (result.value.images.length === 0) {
        return { ok: false, code: 'invalid_output', attempts };
      }
      return { ok: true, images: result.value.images.slice(0, row.n), route, attempts };
    }
    last = result.error;
    if (signal.aborted || !canFallBackCode(result.error.code)) break;
  }
  return { ok: false, code: last?.code ?? 'provider_error', attempts };
}

function attemptOf(
  route: CatalogRoute,
  startedAt: Date,
  latencyMs: number,
  errorCode: ProviderErrorCode | undefined,
): GenerationAttempt {
  return {
    provider: route.provider.id,
    providerModelId: route.providerModelId,
    route: route.position,
    startedAt: startedAt.toISOString(),
    latencyMs: Math.round(latencyMs),
    ...(errorCode ? { errorCode } : {}),
  };
}
