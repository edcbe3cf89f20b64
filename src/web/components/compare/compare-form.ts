/**
 * The comparison form as data: one prompt and 2–4 model columns, each with
 * its own size (or aspect ratio and resolution) and number of images. How a
 * column adapts to its model is the generator's rule (`fitToModel`); this
 * adds the columns themselves (add, remove, distinct models), the total
 * price, the request body, refilling from a loaded comparison, and routing
 * the API's `columns.<i>.<field>` errors to their column. Pure, so each rule
 * has a unit test and the page only wires them to inputs.
 */
import { emptyForm, findModel, fitToModel, provisionalGeneration } from '../generation/form-state';
import { formatElapsed } from '../generation/format';
import { costOf, isSized, type CostBreakdown } from '../generation/pricing';
import type { ComparisonView } from '../../../server/compare/queries';
import type { Generation, PublicModel } from '../generation/types';

/** Fewer is not a comparison; more no longer fit side by side (the server holds the same limits). */
export const MIN_COLUMNS = 2;
export const MAX_COLUMNS = 4;

export interface CompareColumn {
  /** Stable identity for React and for each column's radio groups; never reused within a form. */
  key: number;
  modelId: string;
  size: string | null;
  aspectRatio: string | null;
  resolution: string | null;
  n: number;
}

export interface CompareForm {
  prompt: string;
  columns: CompareColumn[];
  nextKey: number;
}

export interface CompareColumnRequest {
  modelId: string;
  size?: string;
  aspectRatio?: string;
  resolution?: string;
  n: number;
}

export interface CompareRequest {
  prompt: string;
  columns: CompareColumnRequest[];
}

export interface AcceptedComparison {
  compareId: string;
  generations: { id: string; modelId: string; cost: number; status: string }[];
}

/** `GET /api/compare/:id` and the items of `GET /api/compare`, exactly as the server presents them. */
export type { ComparisonView as Comparison, ComparisonSummary } from '../../../server/compare/queries';

/** A column made valid for a model, keeping the shape it had where the model offers it. */
export function fitColumn(column: CompareColumn, model: PublicModel): CompareColumn {
  const fitted = fitToModel({ ...emptyForm, ...column }, model);
  return {
    key: column.key,
    modelId: fitted.modelId,
    size: fitted.size,
    aspectRatio: fitted.aspectRatio,
    resolution: fitted.resolution,
    n: fitted.n,
  };
}

function newColumn(key: number, model: PublicModel): CompareColumn {
  return fitColumn({ key, modelId: model.id, size: null, aspectRatio: null, resolution: null, n: 1 }, model);
}

/** The first model no column uses yet, in the catalog's order. */
export function unusedModel(form: CompareForm, models: readonly PublicModel[]): PublicModel | undefined {
  const used = new Set(form.columns.map((column) => column.modelId));
  return models.find((model) => !used.has(model.id));
}

/** The form a member starts with: the first two models, one image each. Undefined with fewer than two models. */
export function initialCompareForm(models: readonly PublicModel[]): CompareForm | undefined {
  const [first, second] = models;
  if (!first || !second) return undefined;
  return { prompt: '', columns: [newColumn(0, first), newColumn(1, second)], nextKey: 2 };
}

export function canAddColumn(form: CompareForm, models: readonly PublicModel[]): boolean {
  return form.columns.length < MAX_COLUMNS && unusedModel(form, models) !== undefined;
}

export function canRemoveColumn(form: CompareForm): boolean {
  return form.columns.length > MIN_COLUMNS;
}

/** Adds a column with a model not compared yet; unchanged when none is left or the form is full. */
export function addColumn(form: CompareForm, models: readonly PublicModel[]): CompareForm {
  const model = unusedModel(form, models);
  if (!model || form.columns.length >= MAX_COLUMNS) return form;
  return { ...form, columns: [...form.columns, newColumn(form.nextKey, model)], nextKey: form.nextKey + 1 };
}

export function removeColumn(form: CompareForm, key: number): CompareForm {
  if (!canRemoveColumn(form)) return form;
  return { ...form, columns: form.columns.filter((column) => column.key !== key) };
}

/**
 * Switches a column's model. A model another column already has is refused
 * (unchanged), like an unknown one: each column compares a different model.
 */
export function setColumnModel(
  form: CompareForm,
  key: number,
  modelId: string,
  models: readonly PublicModel[],
): CompareForm {
  const model = findModel(models, modelId);
  if (!model || form.columns.some((column) => column.key !== key && column.modelId === modelId)) return form;
  return {
    ...form,
    columns: form.columns.map((column) => (column.key === key ? fitColumn(column, model) : column)),
  };
}

export function updateColumn(
  form: CompareForm,
  key: number,
  patch: Partial<Pick<CompareColumn, 'size' | 'aspectRatio' | 'resolution' | 'n'>>,
): CompareForm {
  return {
    ...form,
    columns: form.columns.map((column) => (column.key === key ? { ...column, ...patch } : column)),
  };
}

export interface CompareCost {
  /** Per column, in order; undefined for a column whose model or shape is unknown. */
  columns: (CostBreakdown | undefined)[];
  /** Undefined until every column has a price. */
  total: number | undefined;
}

/** What the comparison will hold, priced the way the server prices each column. */
export function compareCost(form: CompareForm, models: readonly PublicModel[]): CompareCost {
  const columns = form.columns.map((column) => {
    const model = findModel(models, column.modelId);
    return model ? costOf(model, column, column.n) : undefined;
  });
  const total = columns.every((cost) => cost !== undefined)
    ? columns.reduce((sum, cost) => sum + cost.total, 0)
    : undefined;
  return { columns, total };
}

export type ComparePromptProblem =
  | { kind: 'required' }
  /** Longer than the strictest chosen model reads. */
  | { kind: 'tooLong'; max: number };

/** What stops a submit before it is sent: the prompt, checked against every chosen model. */
export function promptProblem(
  form: CompareForm,
  models: readonly PublicModel[],
): ComparePromptProblem | undefined {
  if (form.prompt.trim() === '') return { kind: 'required' };
  const limits = form.columns.flatMap((column) => {
    const model = findModel(models, column.modelId);
    return model ? [model.capabilities.maxPromptLength] : [];
  });
  const max = Math.min(...limits);
  return form.prompt.trim().length > max ? { kind: 'tooLong', max } : undefined;
}

/** The request body: each column with only the shape fields its model takes. */
export function toCompareRequest(form: CompareForm, models: readonly PublicModel[]): CompareRequest {
  return {
    prompt: form.prompt.trim(),
    columns: form.columns.map((column) => {
      const model = findModel(models, column.modelId);
      const request: CompareColumnRequest = { modelId: column.modelId, n: column.n };
      if (model && isSized(model.capabilities)) {
        if (column.size) request.size = column.size;
      } else {
        if (column.aspectRatio) request.aspectRatio = column.aspectRatio;
        if (column.resolution) request.resolution = column.resolution;
      }
      return request;
    }),
  };
}

/**
 * The form filled from a comparison (after a reload of `?id=`): its prompt
 * and its columns' models and shapes. Columns whose model is gone are left
 * out, topped up with unused models to the minimum; undefined when there
 * are not enough models.
 */
export function formFromComparison(
  comparison: Pick<ComparisonView, 'prompt' | 'generations'>,
  models: readonly PublicModel[],
): CompareForm | undefined {
  let form: CompareForm = { prompt: comparison.prompt, columns: [], nextKey: 0 };
  for (const generation of comparison.generations.slice(0, MAX_COLUMNS)) {
    const model = findModel(models, generation.modelId);
    if (!model || form.columns.some((column) => column.modelId === model.id)) continue;
    const column: CompareColumn = {
      key: form.nextKey,
      modelId: model.id,
      size: generation.size,
      aspectRatio: generation.aspectRatio,
      resolution: generation.resolution,
      n: generation.n,
    };
    form = { ...form, columns: [...form.columns, fitColumn(column, model)], nextKey: form.nextKey + 1 };
  }
  while (form.columns.length < MIN_COLUMNS) {
    const next = addColumn(form, models);
    if (next === form) return undefined;
    form = next;
  }
  return form;
}

/** The columns' generations the moment the server accepts them, before the first status arrives. */
export function provisionalColumns(
  accepted: AcceptedComparison,
  request: CompareRequest,
  models: readonly PublicModel[],
  createdAt: string,
): Generation[] {
  return accepted.generations.flatMap((created, index) => {
    const column = request.columns[index];
    const model = findModel(models, created.modelId);
    if (!column || !model) return [];
    return [provisionalGeneration(created, { prompt: request.prompt, ...column }, model, createdAt)];
  });
}

export interface RoutedErrors {
  /** The prompt's own problem (empty, or too long for a column's model). */
  prompt: string | undefined;
  /** Per column index: messages by field (modelId, size, aspectRatio, resolution, n, …). */
  columns: Record<number, Record<string, string>>;
  /** Everything else, for the banner. */
  other: string[];
}

/** Sends each of the API's field errors to where the form shows it. */
export function routeFieldErrors(fields: readonly { field: string; message: string }[]): RoutedErrors {
  const routed: RoutedErrors = { prompt: undefined, columns: {}, other: [] };
  for (const { field, message } of fields) {
    const match = /^columns\.(\d+)\.(\w+)$/.exec(field);
    if (field === 'prompt' || match?.[2] === 'prompt') {
      routed.prompt ??= message;
    } else if (match) {
      const index = Number(match[1]);
      const column = (routed.columns[index] ??= {});
      column[match[2]!] ??= message;
    } else {
      routed.other.push(message);
    }
  }
  return routed;
}

/**
 * A time taken, for comparing models: seconds with one decimal under a
 * minute ("4.2 s", "4.2秒"), a stopwatch above ("1:05"). Null when unknown.
 */
export function formatDuration(locale: string, ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return null;
  if (ms < 60_000) {
    return new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: 'second',
      unitDisplay: 'short',
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    }).format(Math.floor(ms / 100) / 10);
  }
  return formatElapsed(ms);
}

/**
 * How long a finished column took: from acceptance to the end (what the
 * member waited), and the part the model ran (from its start, without
 * time waiting for a free slot). Null parts are unknown; both are null
 * while it runs.
 */
export function timeTaken(generation: Pick<Generation, 'createdAt' | 'startedAt' | 'finishedAt'>): {
  totalMs: number | null;
  runMs: number | null;
} {
  const end = generation.finishedAt ? Date.parse(generation.finishedAt) : NaN;
  if (!Number.isFinite(end)) return { totalMs: null, runMs: null };
  const created = Date.parse(generation.createdAt);
  const started = generation.startedAt ? Date.parse(generation.startedAt) : NaN;
  return {
    totalMs: Number.isFinite(created) ? Math.max(0, end - created) : null,
    runMs: Number.isFinite(started) ? Math.max(0, end - started) : null,
  };
}
