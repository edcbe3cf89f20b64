/**
 * The worker's side of a generation (architecture: "A generation, end to
 * end", steps 3–4). Runs the provider along the model's routes with retries,
 * stores what came back, and finishes the generation in ONE transaction with
 * its hold: settled on success, voided on failure. Every step is safe to run
 * again: pg-boss reruns the job after a crash, object keys derive from the
 * generation id and image index, and the hold resolves at most once.
 */
import { and, eq, exists, getTableColumns, inArray, sql } from 'drizzle-orm';
import { getModel, type CatalogRoute } from '../catalog/list-models';
import { generationLedgerKeys, settleHold, voidHold } from '../credits';
import {
  creditHolds,
  generationImages,
  generations,
  type GenerationAttempt,
  type StoredPendingWork,
} from '../db/schema';
import { makeThumbnail } from '../images/make-thumbnail';
import { processImage } from '../images/process-image';
import { ProviderError, canFallBackCode, type ProviderErrorCode } from '../providers/errors';
import { runWithRetry } from '../providers/retry';
import type { GeneratedImage, ImageProvider, ReferenceImage } from '../providers/types';
import { loadReferenceImages, ReferenceImageMissingError } from '../uploads/load-reference-images';
import { announcedColumn } from './events';
import { createNudges, webhookUrlFor, type Nudges } from './provider-wait';
import type { GenerationDeps } from './types';

export interface GenerationJob {
  id: string;
  data: { generationId: string };
  /** pg-boss's count of earlier runs of this job (crashes, lost heartbeats, expiry); 0 on the first. */
  retryCount?: number;
  /** Fires when pg-boss gives up on this run (expiry) or the worker stops past its grace period. */
  signal: AbortSignal;
}

/**
 * Why a run ended without images. `invalid_output`: the provider's bytes
 * were not a usable image; `reference_missing`: a reference image was
 * deleted (or lost) between the submit and the run.
 */
export type FailureCode = ProviderErrorCode | 'invalid_output' | 'reference_missing' | 'internal';

/** Thrown so that pg-boss runs the job again (the run was interrupted, not failed). */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
}

type Row = typeof generations.$inferSelect;

export async function runGeneration(deps: GenerationDeps, job: GenerationJob): Promise<void> {
  const { generationId } = job.data;
  const log = deps.logger.child({ generationId, jobId: job.id });
  const row = await markRunning(deps, generationId, deps.now());
  if (!row) return; // finished, or its hold resolved: the sweeper or a cancel finishes it
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
    const outcome = await callProvider(deps, row, { signal, nudges, references });
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
      await deps.storage.deleteMany(stored.flatMap((s) => [s.objectKey, s.thumbKey]));
      log.info('generation finished after its hold was resolved; images discarded');
    }
  } finally {
    unsubscribe();
  }
}

/**
 * Marks the generation running, unless it is finished or its hold is no
 * longer open, and announces it: one statement (the update's RETURNING
 * sends the notification), so a run starts with one round trip. Returns the
 * row, or undefined when there is nothing to run. A rerun keeps the first
 * run's start time.
 */
async function markRunning(deps: GenerationDeps, generationId: string, at: Date): Promise<Row | undefined> {
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
    .returning({ ...getTableColumns(generations), announced: announcedColumn('running') });
  if (!started) return undefined;
  const { announced: _announced, ...row } = started;
  return row;
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
  run: { signal: AbortSignal; nudges: Nudges; references: ReferenceImage[] },
): Promise<ProviderOutcome> {
  const { signal, nudges, references } = run;
  const attempts: GenerationAttempt[] = [...row.attempts];
  // Work an asynchronous provider accepted, by an earlier run or attempt:
  // an attempt on the same route polls it rather than submitting again.
  let pending: StoredPendingWork | null = row.pendingWork;
  const deadline = new Date(row.createdAt.getTime() + deps.config.generation.holdTimeoutSeconds * 1000);
  const model = await getModel(deps.db, row.modelId);
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

interface StoredImage {
  index: number;
  objectKey: string;
  thumbKey: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  seed: number | null;
}

class InvalidOutput extends Error {
  override name = 'InvalidOutput';
}

/*
 * Object keys derive from the generation and the image's index: a rerun
 * overwrites, never duplicates. The original keeps its format's extension.
 */
const originalKey = (generationId: string, index: number, extension: string) =>
  `generations/${generationId}/${index}.${extension}`;
const thumbnailKey = (generationId: string, index: number) =>
  `generations/${generationId}/${index}.thumb.webp`;

/**
 * Every image's original and thumbnail are made at the same time, both from
 * the provider's bytes (each checks them the same way; the thumbnail turns
 * the image upright, converts it to sRGB and drops metadata itself, so it
 * equals a thumbnail of the original), and each is written as soon as it is
 * made: the original's write overlaps the thumbnail's encoding. How many
 * encode at once is bounded by open-image.ts. A run that fails halfway may
 * leave objects no row refers to; the sweeper deletes those (J3).
 */
async function storeImages(deps: GenerationDeps, row: Row, images: GeneratedImage[]): Promise<StoredImage[]> {
  const limits = { maxPixels: deps.config.imageMaxPixels };
  const encoded = async <T>(index: number, encoding: Promise<T>): Promise<T> => {
    try {
      return await encoding;
    } catch (error) {
      throw new InvalidOutput(`image ${index}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
  return Promise.all(
    images.map(async (image, index): Promise<StoredImage> => {
      const [original, thumbKey] = await Promise.all([
        encoded(index, processImage(image.bytes, limits)).then(async (processed) => {
          const objectKey = originalKey(row.id, index, processed.extension);
          await deps.storage.put(objectKey, processed.bytes, { contentType: processed.contentType });
          return { processed, objectKey };
        }),
        encoded(index, makeThumbnail(image.bytes, limits)).then(async (thumb) => {
          const thumbKey = thumbnailKey(row.id, index);
          await deps.storage.put(thumbKey, thumb.bytes, { contentType: 'image/webp' });
          return thumbKey;
        }),
      ]);
      const { processed, objectKey } = original;
      return {
        index,
        objectKey,
        thumbKey,
        contentType: processed.contentType,
        width: processed.width,
        height: processed.height,
        bytes: processed.byteSize,
        sha256: processed.sha256,
        seed: image.seed ?? (row.seed !== null ? row.seed + index : null),
      };
    }),
  );
}

/**
 * Records the images, settles the hold (the price of the images delivered)
 * and marks the generation succeeded, together. Returns false when the
 * generation was already finished (canceled, or failed by the sweeper): its
 * hold is resolved, so nothing is written.
 */
async function succeed(
  deps: GenerationDeps,
  row: Row,
  stored: StoredImage[],
  outcome: Extract<ProviderOutcome, { ok: true }>,
): Promise<boolean> {
  const now = deps.now();
  const charge = Math.round((row.cost / row.n) * stored.length);
  return deps.db.transaction(async (tx) => {
    if ((await lockUnfinished(tx, row)) !== 'open') return false;
    await settleHold(tx, {
      holdId: row.holdId,
      amount: charge,
      idempotencyKey: generationLedgerKeys(row.id).settle,
      at: now,
    });
    await tx
      .insert(generationImages)
      .values(stored.map((image) => ({ ...image, generationId: row.id, userId: row.userId })))
      .onConflictDoNothing();
    await tx
      .update(generations)
      .set({
        status: 'succeeded',
        charged: charge,
        servedBy: `${outcome.route.provider.id}:${outcome.route.providerModelId}`,
        attempts: outcome.attempts,
        errorCode: null,
        finishedAt: now,
      })
      .where(eq(generations.id, row.id))
      .returning({ announced: announcedColumn('succeeded') });
    return true;
  });
}

/**
 * Locks the generation's row for the finishing transaction and says where
 * things stand: `finished` (canceled, swept or done: write nothing), else
 * whether its hold is still open.
 */
async function lockUnfinished(
  tx: Parameters<Parameters<GenerationDeps['db']['transaction']>[0]>[0],
  row: Pick<Row, 'id' | 'holdId'>,
): Promise<'finished' | 'open' | 'resolved'> {
  // Only the generation's row is locked; the hold is read as committed (the ledger locks it).
  const [current] = await tx
    .select({ status: generations.status, hold: creditHolds.status })
    .from(generations)
    .leftJoin(creditHolds, eq(creditHolds.id, row.holdId))
    .where(eq(generations.id, row.id))
    .for('update', { of: generations });
  if (!current || (current.status !== 'queued' && current.status !== 'running')) return 'finished';
  return current.hold === 'open' ? 'open' : 'resolved';
}

/** Marks the generation failed with a typed code and voids its hold, together. */
export async function fail(
  deps: GenerationDeps,
  row: Pick<Row, 'id' | 'userId' | 'holdId'>,
  code: FailureCode,
  options: { attempts?: GenerationAttempt[]; voidReason?: 'failure' | 'expiry' } = {},
): Promise<boolean> {
  const { attempts, voidReason = 'failure' } = options;
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const hold = await lockUnfinished(tx, row);
    if (hold === 'finished') return false;
    if (hold === 'open') {
      await voidHold(tx, {
        holdId: row.holdId,
        reason: voidReason,
        idempotencyKey: generationLedgerKeys(row.id).void(voidReason),
        at: now,
      });
    }
    await tx
      .update(generations)
      .set({
        status: 'failed',
        errorCode: code,
        charged: 0,
        finishedAt: now,
        ...(attempts ? { attempts } : {}),
      })
      .where(eq(generations.id, row.id))
      .returning({ announced: announcedColumn('failed') });
    return true;
  });
}
