/**
 * Accepting a generation (architecture: "A generation, end to end", steps 1–2):
 * validate against the model, price it from the catalog, then in ONE
 * transaction place the credit hold, enqueue the job and insert the row. A
 * generation therefore never exists without its hold and job, and a refused
 * hold (not enough credits) leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, count, eq, inArray } from 'drizzle-orm';
import { catalogVersionColumn, getModel } from '../catalog/list-models';
import { resolveRequestShape, shapeErrorToFieldError } from '../catalog/request-shape';
import { generationLedgerKeys, placeHold } from '../credits';
import type { Db } from '../db/client';
import { generations } from '../db/schema';
import { AppError, type FieldError } from '../errors';
import { assertOwnUploads } from '../uploads/queries';
import { announcedColumn } from './events';
import type { GenerationDeps } from './types';

export interface CreateGenerationInput {
  userId: string;
  modelId: string;
  prompt: string;
  negativePrompt?: string | undefined;
  size?: string | undefined;
  aspectRatio?: string | undefined;
  resolution?: string | undefined;
  n: number;
  seed?: number | undefined;
  /** The member's own uploads to send as reference images, in order. */
  referenceUploadIds?: readonly string[] | undefined;
  /** From the Idempotency-Key header: a repeated submit returns the first generation. */
  idempotencyKey?: string | undefined;
  /** The side-by-side comparison this generation is a column of (compare/create-comparison.ts). */
  compareId?: string | undefined;
}

export interface AcceptedGeneration {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  cost: number;
  replayed: boolean;
}

const invalid = (fields: FieldError[]) => new AppError('validation_failed', { fields });

export async function createGeneration(
  deps: GenerationDeps,
  input: CreateGenerationInput,
): Promise<AcceptedGeneration> {
  const requestHash = hashRequest(input);
  if (input.idempotencyKey) {
    const earlier = await findByKey(deps, input.userId, input.idempotencyKey);
    if (earlier) return replay(earlier, requestHash);
  }

  // One statement reads what the checks below need: the catalog's version (so that
  // getModel needs none of its own) and the member's unfinished generations, a cheap
  // early refusal for a flood (the exact count is inside the transaction).
  const [state] = await deps.db
    .select({ active: count(), catalogVersion: catalogVersionColumn() })
    .from(generations)
    .where(activeOf(input.userId));
  const model = await getModel(deps.db, input.modelId, { version: state?.catalogVersion ?? null });
  if (!model || !model.isUsable) throw invalid([{ field: 'modelId', message: 'validation.unknownModel' }]);
  const prompt = input.prompt.trim();
  if (prompt === '') throw invalid([{ field: 'prompt', message: 'validation.promptRequired' }]);
  if (prompt.length > model.capabilities.maxPromptLength) {
    throw invalid([
      { field: 'prompt', message: 'validation.tooLong', vars: { max: model.capabilities.maxPromptLength } },
    ]);
  }
  const negativePrompt = input.negativePrompt?.trim() || undefined;
  if (negativePrompt && !model.capabilities.negativePrompt) {
    throw invalid([{ field: 'negativePrompt', message: 'validation.notSupportedByModel' }]);
  }
  if (input.seed !== undefined && !model.capabilities.seed) {
    throw invalid([{ field: 'seed', message: 'validation.notSupportedByModel' }]);
  }
  const shape = resolveRequestShape(model, {
    size: input.size ?? null,
    aspectRatio: input.aspectRatio ?? null,
    resolution: input.resolution ?? null,
    n: input.n,
    referenceImages: input.referenceUploadIds?.length ?? 0,
  });
  if (!shape.ok) {
    const error = shapeErrorToFieldError(shape);
    // The request names its references by upload id: point the error at that field.
    throw invalid([error.field === 'referenceImages' ? { ...error, field: 'referenceUploadIds' } : error]);
  }
  // Before any credit is held: each reference must be one of the member's own uploads.
  const referenceUploadIds = await assertOwnUploads(deps.db, input.userId, input.referenceUploadIds ?? []);

  // After validation, so a bad request hears why before a busy one hears to wait.
  refuseOverLimit(state?.active ?? 0, deps.config.generation.maxActivePerUser);

  const id = randomUUID();
  const now = deps.now();
  const keys = generationLedgerKeys(id);
  try {
    await deps.db.transaction(async (tx) => {
      const hold = await placeHold(tx, {
        userId: input.userId,
        amount: shape.totalCost,
        expiresAt: new Date(now.getTime() + deps.config.generation.holdTimeoutSeconds * 1000),
        reference: id,
        idempotencyKey: keys.hold,
        at: now,
      });
      // placeHold has locked the member's credit account, so a member's submits reach this
      // count one at a time, each seeing the generations committed before it: exact under
      // concurrency, where the early check alone let every parallel submit through.
      await enforceActiveLimit(tx, deps.config.generation.maxActivePerUser, input.userId);
      const jobId = await deps.queue.enqueueGeneration(tx, { generationId: id });
      await tx
        .insert(generations)
        .values({
          id,
          userId: input.userId,
          modelId: model.id,
          status: 'queued',
          prompt,
          negativePrompt: negativePrompt ?? null,
          width: shape.width,
          height: shape.height,
          size: shape.size,
          aspectRatio: shape.aspectRatio,
          resolution: shape.resolution,
          n: shape.n,
          seed: input.seed ?? null,
          referenceUploadIds,
          cost: shape.totalCost,
          holdId: hold.holdId,
          jobId,
          idempotencyKey: input.idempotencyKey ?? null,
          compareId: input.compareId ?? null,
          requestHash,
          createdAt: now,
        })
        .returning({ announced: announcedColumn('queued') });
    });
  } catch (error) {
    // Two submits with one key raced: the loser answers like a replay.
    if (input.idempotencyKey && isUniqueViolation(error)) {
      const earlier = await findByKey(deps, input.userId, input.idempotencyKey);
      if (earlier) return replay(earlier, requestHash);
    }
    throw error;
  }
  return { id, status: 'queued', cost: shape.totalCost, replayed: false };
}

async function findByKey(deps: GenerationDeps, userId: string, key: string) {
  const [row] = await deps.db
    .select({
      id: generations.id,
      status: generations.status,
      cost: generations.cost,
      requestHash: generations.requestHash,
    })
    .from(generations)
    .where(and(eq(generations.userId, userId), eq(generations.idempotencyKey, key)));
  return row;
}

function replay(
  earlier: { id: string; status: AcceptedGeneration['status']; cost: number; requestHash: string | null },
  requestHash: string,
): AcceptedGeneration {
  if (earlier.requestHash !== requestHash) throw new AppError('idempotency_mismatch');
  return { id: earlier.id, status: earlier.status, cost: earlier.cost, replayed: true };
}

const activeOf = (userId: string) =>
  and(eq(generations.userId, userId), inArray(generations.status, ['queued', 'running']));

/** Per-member backpressure: a flood of submits queues behind a cap instead of filling the queue. */
function refuseOverLimit(active: number, limit: number) {
  if (active >= limit) throw new AppError('rate_limited', { retryAfterSeconds: 5 });
}

async function enforceActiveLimit(db: Db, limit: number, userId: string) {
  const [row] = await db.select({ active: count() }).from(generations).where(activeOf(userId));
  refuseOverLimit(row?.active ?? 0, limit);
}

function hashRequest(input: CreateGenerationInput): string {
  const canonical = JSON.stringify([
    input.modelId,
    input.prompt,
    input.negativePrompt ?? null,
    input.size ?? null,
    input.aspectRatio ?? null,
    input.resolution ?? null,
    input.n,
    input.seed ?? null,
    // Only when present, so requests without references hash as they always did.
    ...(input.referenceUploadIds?.length ? [input.referenceUploadIds] : []),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
