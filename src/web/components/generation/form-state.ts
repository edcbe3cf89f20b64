/**
 * The generator form as data: what the member chose, how it adapts when the
 * model changes, how it is filled from remembered settings or from an
 * earlier generation, and what is sent. Pure, so the rules are unit-tested
 * and the page only wires them to inputs.
 */
import { costOf, isSized, ratioParts, type CostBreakdown } from './pricing';
import type { Generation, GenerationImage, GenerationRequest, GeneratorSettings, PublicModel } from './types';

export interface GeneratorForm {
  prompt: string;
  negativePrompt: string;
  modelId: string;
  /** For models shaped by sizes; null otherwise. */
  size: string | null;
  /** For models shaped by aspect ratios; null otherwise. */
  aspectRatio: string | null;
  resolution: string | null;
  n: number;
  seedMode: 'random' | 'fixed';
  /** As typed, so a half-typed value is kept; checked on submit. */
  seed: string;
}

export const emptyForm: GeneratorForm = {
  prompt: '',
  negativePrompt: '',
  modelId: '',
  size: null,
  aspectRatio: null,
  resolution: null,
  n: 1,
  seedMode: 'random',
  seed: '',
};

export function findModel(
  models: readonly PublicModel[],
  id: string | null | undefined,
): PublicModel | undefined {
  return id ? models.find((model) => model.id === id) : undefined;
}

/**
 * The form made valid for a model: a size (or ratio and resolution) it
 * offers (the current one when it does, else its first, which is its
 * default) and a number of images within its limit. The prompt, negative
 * prompt and seed are kept even when this model ignores them, so switching
 * back and forth loses nothing; `toRequest` leaves out what it cannot use.
 */
export function fitToModel(form: GeneratorForm, model: PublicModel): GeneratorForm {
  const caps = model.capabilities;
  const n = Math.min(Math.max(1, Math.trunc(form.n) || 1), caps.maxImages);
  if (isSized(caps)) {
    const size = caps.sizes.some((s) => s.size === form.size) ? form.size : (caps.sizes[0]?.size ?? null);
    return { ...form, modelId: model.id, size, aspectRatio: null, resolution: null, n };
  }
  const aspectRatio =
    form.aspectRatio !== null && caps.aspectRatios.includes(form.aspectRatio)
      ? form.aspectRatio
      : (caps.aspectRatios[0] ?? null);
  const resolution = caps.resolutions.some((r) => r.id === form.resolution)
    ? form.resolution
    : (caps.resolutions[0]?.id ?? null);
  return { ...form, modelId: model.id, size: null, aspectRatio, resolution, n };
}

/** Switches the model (unknown ids are ignored) and keeps what still fits. */
export function selectModel(form: GeneratorForm, models: readonly PublicModel[], id: string): GeneratorForm {
  const model = findModel(models, id);
  return model ? fitToModel(form, model) : form;
}

function seedFields(seed: number | null | undefined): Pick<GeneratorForm, 'seedMode' | 'seed'> {
  return typeof seed === 'number' && Number.isFinite(seed)
    ? { seedMode: 'fixed', seed: String(seed) }
    : { seedMode: 'random', seed: '' };
}

/**
 * The form a member starts with: their remembered settings when the model
 * still exists, else the first model with its defaults. Undefined when
 * there is no model at all.
 */
export function initialForm(
  models: readonly PublicModel[],
  settings: GeneratorSettings | null,
): GeneratorForm | undefined {
  const remembered = findModel(models, settings?.modelId);
  const model = remembered ?? models[0];
  if (!model) return undefined;
  if (!remembered || !settings) return fitToModel({ ...emptyForm, modelId: model.id }, model);
  return fitToModel(
    {
      ...emptyForm,
      modelId: model.id,
      size: settings.size ?? null,
      aspectRatio: settings.aspectRatio ?? null,
      resolution: settings.resolution ?? null,
      n: settings.n,
      ...seedFields(settings.seed),
    },
    model,
  );
}

/**
 * "Reuse settings": the form filled from an earlier generation. When its
 * model is gone the current model stays (with the generation's prompt), and
 * `modelMissing` says so.
 */
export function formFromGeneration(
  form: GeneratorForm,
  generation: Generation,
  models: readonly PublicModel[],
): { form: GeneratorForm; modelMissing: boolean } {
  const model = findModel(models, generation.modelId) ?? findModel(models, form.modelId);
  const filled: GeneratorForm = {
    ...form,
    prompt: generation.prompt,
    negativePrompt: generation.negativePrompt ?? '',
    size: generation.size,
    aspectRatio: generation.aspectRatio,
    resolution: generation.resolution ?? form.resolution,
    n: generation.n,
    ...seedFields(generation.seed),
  };
  return {
    form: model ? fitToModel(filled, model) : filled,
    modelMissing: !findModel(models, generation.modelId),
  };
}

/**
 * The seed "Reuse seed" offers: the image's own, else the generation's, else
 * the first image's that has one; null when none is known.
 */
export function seedOf(generation: Generation, image?: GenerationImage): number | null {
  return image?.seed ?? generation.seed ?? generation.images.find((i) => i.seed !== null)?.seed ?? null;
}

/**
 * "Reuse seed": a fixed seed. When the chosen model cannot take a seed, the
 * generation's model is chosen (it made the image, so it can).
 */
export function formWithSeed(
  form: GeneratorForm,
  seed: number,
  models: readonly PublicModel[],
  modelId?: string,
): GeneratorForm {
  const current = findModel(models, form.modelId);
  const fallback = findModel(models, modelId);
  const withSeed: GeneratorForm = { ...form, seedMode: 'fixed', seed: String(seed) };
  if (current?.capabilities.seed || !fallback?.capabilities.seed) return withSeed;
  return fitToModel(withSeed, fallback);
}

export type FormProblem = 'promptRequired' | 'promptTooLong' | 'seedInvalid';

/** The largest seed: 32 bits unsigned, the range providers take (and the API accepts). */
export const MAX_SEED = 2 ** 32 - 1;

export function parseSeed(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value <= MAX_SEED ? value : undefined;
}

/** What stops a submit before it is sent, per field. */
export function formProblems(form: GeneratorForm, model: PublicModel): Partial<Record<string, FormProblem>> {
  const problems: Partial<Record<string, FormProblem>> = {};
  if (form.prompt.trim() === '') problems.prompt = 'promptRequired';
  else if (form.prompt.length > model.capabilities.maxPromptLength) problems.prompt = 'promptTooLong';
  if (model.capabilities.seed && form.seedMode === 'fixed' && parseSeed(form.seed) === undefined) {
    problems.seed = 'seedInvalid';
  }
  return problems;
}

/** The request body: only what this model takes, without empty optional fields. */
export function toRequest(form: GeneratorForm, model: PublicModel): GenerationRequest {
  const caps = model.capabilities;
  const request: GenerationRequest = { prompt: form.prompt.trim(), modelId: model.id, n: form.n };
  if (isSized(caps)) {
    if (form.size) request.size = form.size;
  } else {
    if (form.aspectRatio) request.aspectRatio = form.aspectRatio;
    if (form.resolution) request.resolution = form.resolution;
  }
  const seed = form.seedMode === 'fixed' ? parseSeed(form.seed) : undefined;
  if (caps.seed && seed !== undefined) request.seed = seed;
  const negative = form.negativePrompt.trim();
  if (caps.negativePrompt && negative) request.negativePrompt = negative;
  return request;
}

/** The settings remembered on the account: the request without the prompts. */
export function toSettings(form: GeneratorForm, model: PublicModel): GeneratorSettings {
  const { prompt: _prompt, negativePrompt: _negative, ...settings } = toRequest(form, model);
  return settings;
}

export function formCost(form: GeneratorForm, model: PublicModel): CostBreakdown | undefined {
  return costOf(model, form, form.n);
}

/**
 * The generation to show the moment a submit is accepted, before the first
 * status arrives: what was asked, queued, no images yet.
 */
export function provisionalGeneration(
  created: { id: string; cost: number },
  request: GenerationRequest,
  model: PublicModel,
  createdAt: string,
): Generation {
  const caps = model.capabilities;
  const sized = isSized(caps) ? caps.sizes.find((s) => s.size === request.size) : undefined;
  // Until the server says, an aspect-ratio model's shape is its ratio (only the placeholders use it).
  const shape = sized ?? ratioParts(request.aspectRatio ?? '1:1');
  return {
    id: created.id,
    status: 'queued',
    modelId: model.id,
    modelName: model.name,
    prompt: request.prompt,
    negativePrompt: request.negativePrompt ?? null,
    size: request.size ?? null,
    aspectRatio: request.aspectRatio ?? null,
    resolution: request.resolution ?? null,
    width: shape.width,
    height: shape.height,
    n: request.n,
    seed: request.seed ?? null,
    cost: created.cost,
    charged: null,
    errorCode: null,
    errorMessage: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    images: [],
  };
}

/**
 * The Idempotency-Key of a submit. A fresh key per submit, except when the
 * previous submit of exactly the same request got no answer (network error,
 * 5xx): it may have reached the server, so retrying it must not charge twice.
 */
export function idempotencyKeyFor(
  previous: { key: string; body: string; answered: boolean } | null,
  body: string,
  makeKey: () => string,
): string {
  return previous && !previous.answered && previous.body === body ? previous.key : makeKey();
}
