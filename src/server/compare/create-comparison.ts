/**
 * A side-by-side comparison (issue 4, part 8): one prompt on 2–4 models at
 * once. Each column is an ordinary generation, made by createGeneration with
 * its own credit hold, job and row, tagged with the comparison's id. What
 * this use case adds is all-or-nothing acceptance: every column is
 * validated against its model and priced first, the total is checked
 * against the member's available credits, and only then are the columns
 * created, all in one transaction, so a refused column leaves nothing
 * behind (no generation, no hold, no job).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { getModel } from '../catalog/list-models';
import { resolveRequestShape, shapeErrorToFieldError } from '../catalog/request-shape';
import { lockUserAccount } from '../credits/account-lock';
import type { Db } from '../db/client';
import { generations } from '../db/schema';
import { AppError, type FieldError } from '../errors';
import {
  createGeneration,
  type AcceptedGeneration,
  type CreateGenerationInput,
} from '../generations/create-generation';
import type { GenerationDeps } from '../generations/types';

/** Fewer is not a comparison; more no longer fits side by side on a screen. */
export const MIN_COLUMNS = 2;
export const MAX_COLUMNS = 4;

export interface ComparisonColumnInput {
  modelId: string;
  size?: string | undefined;
  aspectRatio?: string | undefined;
  resolution?: string | undefined;
  /** Images in this column; 1 when absent. */
  n?: number | undefined;
}

export interface CreateComparisonInput {
  userId: string;
  prompt: string;
  negativePrompt?: string | undefined;
  seed?: number | undefined;
  columns: readonly ComparisonColumnInput[];
  /** From the Idempotency-Key header; each column gets a key derived from it. */
  idempotencyKey?: string | undefined;
}

export interface AcceptedColumn {
  id: string;
  modelId: string;
  cost: number;
  status: AcceptedGeneration['status'];
}

export interface AcceptedComparison {
  compareId: string;
  /** In column order. */
  generations: AcceptedColumn[];
  replayed: boolean;
}

const invalid = (fields: FieldError[]) => new AppError('validation_failed', { fields });

/**
 * The Idempotency-Key of one column. Derived rather than shared, because a
 * key identifies one generation (a unique index per member); the column's
 * position keeps each column's key distinct and stable across retries.
 */
export function columnIdempotencyKey(key: string, column: number): string {
  return `compare:${column}:${key}`;
}

/** Where a column's problem is reported: `columns.<index>.<field>`. */
const columnField = (column: number, field: string) => `columns.${column}.${field}`;

export async function createComparison(
  deps: GenerationDeps,
  input: CreateComparisonInput,
): Promise<AcceptedComparison> {
  if (input.columns.length < MIN_COLUMNS || input.columns.length > MAX_COLUMNS) {
    throw invalid([
      {
        field: 'columns',
        message: 'validation.compareColumnCount',
        vars: { min: MIN_COLUMNS, max: MAX_COLUMNS },
      },
    ]);
  }
  const columns = input.columns.map((column) => ({ ...column, n: column.n ?? 1 }));
  const key = input.idempotencyKey;

  // A repeated submit answers with the first one, before anything is checked
  // again (the balance it was accepted with has since been spent on it).
  if (key !== undefined) {
    const earlier = await findComparisonByKey(deps.db, input.userId, key);
    if (earlier) return replayComparison(deps, input, columns, earlier);
  }

  const total = await priceColumns(deps.db, input, columns);
  const compareId = randomUUID();
  type Outcome = { replayOf: EarlierComparison } | { accepted: AcceptedColumn[] };
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    // The member's credit account first, as every ledger operation does: a
    // member's comparisons are accepted one at a time, so the balance read
    // here and the key looked up here stay true until this commits. The
    // total is checked before any column's hold, with its own message.
    const account = await lockUserAccount(tx, input.userId);
    if (key !== undefined) {
      const earlier = await findComparisonByKey(tx, input.userId, key);
      if (earlier) return { replayOf: earlier };
    }
    if (!account || account.available < total) throw overBalance(total, account?.available ?? 0);
    // Column i is stamped i ms after the first, so creation time orders the columns.
    const start = deps.now().getTime();
    const accepted: AcceptedColumn[] = [];
    for (const [index, column] of columns.entries()) {
      const generation = await createGeneration(
        { ...deps, db: tx, now: () => new Date(start + index) },
        columnGeneration(input, column, {
          idempotencyKey: key === undefined ? undefined : columnIdempotencyKey(key, index),
          compareId,
        }),
      ).catch((error: unknown) => {
        throw inColumn(error, index);
      });
      // A column key already on record outside this comparison (the member sent
      // it to POST /api/generations): the submit is not a repeat of a comparison.
      if (generation.replayed) throw new AppError('idempotency_mismatch');
      accepted.push(acceptedColumn(column, generation));
    }
    return { accepted };
  });
  if ('replayOf' in outcome) return replayComparison(deps, input, columns, outcome.replayOf);
  return { compareId, generations: outcome.accepted, replayed: false };
}

/** One column's generation: the comparison's prompt and seed, the column's model and shape. */
function columnGeneration(
  input: CreateComparisonInput,
  column: ComparisonColumnInput & { n: number },
  tags: { idempotencyKey: string | undefined; compareId: string },
): CreateGenerationInput {
  return {
    userId: input.userId,
    modelId: column.modelId,
    prompt: input.prompt,
    negativePrompt: input.negativePrompt,
    size: column.size,
    aspectRatio: column.aspectRatio,
    resolution: column.resolution,
    n: column.n,
    seed: input.seed,
    ...tags,
  };
}

function acceptedColumn(column: ComparisonColumnInput, generation: AcceptedGeneration): AcceptedColumn {
  return { id: generation.id, modelId: column.modelId, cost: generation.cost, status: generation.status };
}

/**
 * Checks every column against its model the way createGeneration does, and
 * prices it. Reports every column's first problem at once (not only the
 * first column's), so the member can fix them all in one go.
 */
async function priceColumns(
  db: Db,
  input: CreateComparisonInput,
  columns: readonly (ComparisonColumnInput & { n: number })[],
): Promise<number> {
  const problems: FieldError[] = [];
  const prompt = input.prompt.trim();
  if (prompt === '') problems.push({ field: 'prompt', message: 'validation.promptRequired' });
  const negativePrompt = input.negativePrompt?.trim() || undefined;
  const seen = new Set<string>();
  let total = 0;
  for (const [index, column] of columns.entries()) {
    const problem = await columnProblem(db, column, { prompt, negativePrompt, seed: input.seed }, seen);
    if (typeof problem === 'number') total += problem;
    else problems.push({ ...problem, field: columnField(index, problem.field) });
  }
  if (problems.length > 0) throw invalid(problems);
  return total;
}

/** A column's price, or its first problem (with the field inside the column). */
async function columnProblem(
  db: Db,
  column: ComparisonColumnInput & { n: number },
  shared: { prompt: string; negativePrompt: string | undefined; seed: number | undefined },
  seen: Set<string>,
): Promise<number | FieldError> {
  if (seen.has(column.modelId)) return { field: 'modelId', message: 'validation.compareDuplicateModel' };
  seen.add(column.modelId);
  const model = await getModel(db, column.modelId);
  if (!model || !model.isUsable) return { field: 'modelId', message: 'validation.unknownModel' };
  if (shared.prompt.length > model.capabilities.maxPromptLength) {
    return {
      field: 'prompt',
      message: 'validation.tooLong',
      vars: { max: model.capabilities.maxPromptLength },
    };
  }
  if (shared.negativePrompt && !model.capabilities.negativePrompt) {
    return { field: 'negativePrompt', message: 'validation.notSupportedByModel' };
  }
  if (shared.seed !== undefined && !model.capabilities.seed) {
    return { field: 'seed', message: 'validation.notSupportedByModel' };
  }
  const shape = resolveRequestShape(model, {
    size: column.size ?? null,
    aspectRatio: column.aspectRatio ?? null,
    resolution: column.resolution ?? null,
    n: column.n,
    referenceImages: 0,
  });
  return shape.ok ? shape.totalCost : shapeErrorToFieldError(shape);
}

function overBalance(total: number, available: number): AppError {
  return new AppError('insufficient_credits', {
    fields: [{ field: 'columns', message: 'validation.compareOverBalance', vars: { total, available } }],
  });
}

/**
 * An error of one column's createGeneration, with its fields moved into the
 * column (`modelId` → `columns.2.modelId`), so the member sees which column
 * it was. Errors without fields (not enough credits, a flood) pass unchanged.
 */
function inColumn(error: unknown, column: number): unknown {
  if (!(error instanceof AppError) || !error.fields?.length) return error;
  return new AppError(error.code, {
    fields: error.fields.map((field) => ({ ...field, field: columnField(column, field.field) })),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    cause: error,
  });
}

interface EarlierComparison {
  compareId: string;
  /** The idempotency keys of its generations still on record. */
  keys: string[];
}

/** The comparison first accepted with this key: found by its first column's derived key. */
async function findComparisonByKey(
  db: Db,
  userId: string,
  key: string,
): Promise<EarlierComparison | undefined> {
  const [first] = await db
    .select({ compareId: generations.compareId })
    .from(generations)
    .where(and(eq(generations.userId, userId), eq(generations.idempotencyKey, columnIdempotencyKey(key, 0))));
  if (!first?.compareId) return undefined;
  const rows = await db
    .select({ key: generations.idempotencyKey })
    .from(generations)
    .where(and(eq(generations.userId, userId), eq(generations.compareId, first.compareId)));
  return { compareId: first.compareId, keys: rows.flatMap((row) => (row.key ? [row.key] : [])) };
}

/**
 * Answers a repeated submit with the comparison first accepted under its key.
 * The same key with other columns is refused: a different number of columns
 * here, a different request in any column by createGeneration's own replay
 * check. Nothing is created on this path: every column's key is on record.
 */
async function replayComparison(
  deps: GenerationDeps,
  input: CreateComparisonInput,
  columns: readonly (ComparisonColumnInput & { n: number })[],
  earlier: EarlierComparison,
): Promise<AcceptedComparison> {
  const key = input.idempotencyKey!;
  const expected = columns.map((_, index) => columnIdempotencyKey(key, index));
  const onRecord = new Set(earlier.keys);
  if (earlier.keys.length !== columns.length || !expected.every((k) => onRecord.has(k))) {
    throw new AppError('idempotency_mismatch');
  }
  const replayed: AcceptedColumn[] = [];
  for (const [index, column] of columns.entries()) {
    const generation = await createGeneration(
      deps,
      columnGeneration(input, column, { idempotencyKey: expected[index], compareId: earlier.compareId }),
    );
    replayed.push(acceptedColumn(column, generation));
  }
  return { compareId: earlier.compareId, generations: replayed, replayed: true };
}
