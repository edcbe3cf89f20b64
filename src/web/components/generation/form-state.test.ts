import { describe, expect, it } from 'vitest';
import {
  generation,
  localModel,
  models,
  noSeedModel,
  ratioModel,
} from '../../../../tests/support/generation-fixtures';
import {
  emptyForm,
  fitToModel,
  formCost,
  formFromGeneration,
  formProblems,
  formWithSeed,
  idempotencyKeyFor,
  initialForm,
  MAX_SEED,
  parseSeed,
  provisionalGeneration,
  selectModel,
  toRequest,
  toSettings,
  type GeneratorForm,
} from './form-state';

const localForm: GeneratorForm = fitToModel({ ...emptyForm, prompt: 'a fox' }, localModel);

describe('starting the form', () => {
  it('uses the first model and its defaults without remembered settings', () => {
    expect(initialForm(models, null)).toEqual({ ...emptyForm, modelId: 'local-preview', size: '512x512' });
  });

  it('restores remembered settings', () => {
    const form = initialForm(models, {
      modelId: 'flux',
      aspectRatio: '16:9',
      resolution: '2K',
      n: 2,
      seed: 7,
    });
    expect(form).toMatchObject({
      modelId: 'flux',
      aspectRatio: '16:9',
      resolution: '2K',
      n: 2,
      seedMode: 'fixed',
      seed: '7',
    });
  });

  it('repairs remembered settings the model no longer allows', () => {
    const form = initialForm(models, { modelId: 'flux', aspectRatio: '4:3', resolution: '8K', n: 9 });
    expect(form).toMatchObject({ aspectRatio: '1:1', resolution: '1K', n: 2, seedMode: 'random' });
  });

  it('falls back to the first model when the remembered one is gone, and to nothing without models', () => {
    expect(initialForm(models, { modelId: 'retired', n: 3 })?.modelId).toBe('local-preview');
    expect(initialForm(models, { modelId: 'retired', n: 3 })?.n).toBe(1);
    expect(initialForm([], null)).toBeUndefined();
  });
});

describe('switching models', () => {
  it('keeps a size the new model offers, else takes its default', () => {
    const big = { ...localForm, size: '1024x1024', n: 4 };
    const flux = selectModel(big, models, 'flux');
    expect(flux).toMatchObject({ modelId: 'flux', size: null, aspectRatio: '1:1', resolution: '1K', n: 2 });
    expect(selectModel({ ...flux, aspectRatio: '16:9' }, models, 'gemini')).toMatchObject({
      aspectRatio: '1:1',
    });
    expect(selectModel({ ...flux, aspectRatio: '1:1' }, models, 'gemini')).toMatchObject({
      aspectRatio: '1:1',
    });
  });

  it('keeps the prompts and seed for switching back', () => {
    const form = { ...localForm, negativePrompt: 'blur', seedMode: 'fixed' as const, seed: '5' };
    const back = selectModel(selectModel(form, models, 'gemini'), models, 'local-preview');
    expect(back).toMatchObject({ prompt: 'a fox', negativePrompt: 'blur', seedMode: 'fixed', seed: '5' });
  });

  it('ignores an unknown model', () => {
    expect(selectModel(localForm, models, 'nope')).toBe(localForm);
  });
});

describe('checking and sending', () => {
  it('wants a prompt within the model limit and a whole seed', () => {
    expect(formProblems({ ...localForm, prompt: '   ' }, localModel)).toEqual({ prompt: 'promptRequired' });
    expect(formProblems({ ...localForm, prompt: 'x'.repeat(101) }, ratioModel)).toEqual({
      prompt: 'promptTooLong',
    });
    expect(formProblems({ ...localForm, seedMode: 'fixed', seed: '-1' }, localModel)).toEqual({
      seed: 'seedInvalid',
    });
    expect(formProblems({ ...localForm, seedMode: 'fixed', seed: '1.5' }, localModel)).toEqual({
      seed: 'seedInvalid',
    });
    expect(formProblems({ ...localForm, seedMode: 'fixed', seed: 'x' }, noSeedModel)).toEqual({});
    expect(formProblems(localForm, localModel)).toEqual({});
  });

  it('reads seeds as safe whole numbers', () => {
    expect(parseSeed(' 42 ')).toBe(42);
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed('4294967295')).toBe(MAX_SEED);
    expect(parseSeed('4294967296')).toBeUndefined();
    expect(parseSeed('99999999999')).toBeUndefined();
    expect(parseSeed('1e5')).toBeUndefined();
    expect(parseSeed('')).toBeUndefined();
  });

  it('sends only what the model takes', () => {
    const form: GeneratorForm = {
      ...localForm,
      prompt: '  a fox  ',
      negativePrompt: ' blur ',
      size: '1344x768',
      n: 3,
      seedMode: 'fixed',
      seed: '12',
    };
    expect(toRequest(form, localModel)).toEqual({
      prompt: 'a fox',
      modelId: 'local-preview',
      size: '1344x768',
      n: 3,
      seed: 12,
      negativePrompt: 'blur',
    });
    const gemini = selectModel(form, models, 'gemini');
    expect(toRequest(gemini, noSeedModel)).toEqual({
      prompt: 'a fox',
      modelId: 'gemini',
      aspectRatio: '1:1',
      resolution: '1K',
      n: 3,
    });
    expect(toRequest({ ...form, seedMode: 'random', negativePrompt: '' }, localModel)).toEqual({
      prompt: 'a fox',
      modelId: 'local-preview',
      size: '1344x768',
      n: 3,
    });
  });

  it('remembers the settings without the prompts', () => {
    const form: GeneratorForm = { ...localForm, negativePrompt: 'blur', n: 2, seedMode: 'fixed', seed: '3' };
    expect(toSettings(form, localModel)).toEqual({
      modelId: 'local-preview',
      size: '512x512',
      n: 2,
      seed: 3,
    });
  });

  it('prices the form', () => {
    expect(formCost({ ...localForm, size: '1024x1024', n: 4 }, localModel)).toEqual({
      images: 4,
      perImage: 2,
      total: 8,
    });
  });
});

describe('reusing a generation', () => {
  it('fills the form from its settings and seed', () => {
    const source = generation({
      modelId: 'flux',
      prompt: 'a city at night',
      negativePrompt: 'people',
      size: null,
      aspectRatio: '16:9',
      resolution: '2K',
      n: 2,
      seed: 99,
    });
    const { form, modelMissing } = formFromGeneration(localForm, source, models);
    expect(modelMissing).toBe(false);
    expect(form).toEqual({
      prompt: 'a city at night',
      negativePrompt: 'people',
      modelId: 'flux',
      size: null,
      aspectRatio: '16:9',
      resolution: '2K',
      n: 2,
      seedMode: 'fixed',
      seed: '99',
    });
  });

  it('keeps the current resolution when the generation does not name one', () => {
    const flux = { ...selectModel(localForm, models, 'flux'), resolution: '2K' };
    const source = generation({ modelId: 'flux', size: null, aspectRatio: '9:16', n: 1 });
    expect(formFromGeneration(flux, source, models).form).toMatchObject({
      aspectRatio: '9:16',
      resolution: '2K',
    });
  });

  it('keeps the current model when the generation model is gone', () => {
    const source = generation({ modelId: 'retired', prompt: 'old', size: '777x777', n: 4 });
    const { form, modelMissing } = formFromGeneration(localForm, source, models);
    expect(modelMissing).toBe(true);
    expect(form).toMatchObject({
      modelId: 'local-preview',
      prompt: 'old',
      size: '512x512',
      n: 4,
      seedMode: 'random',
    });
  });

  it('reuses a seed, switching to the generation model when the current one takes none', () => {
    expect(formWithSeed(localForm, 5, models, 'flux')).toMatchObject({
      modelId: 'local-preview',
      seedMode: 'fixed',
      seed: '5',
    });
    const gemini = selectModel(localForm, models, 'gemini');
    expect(formWithSeed(gemini, 5, models, 'flux')).toMatchObject({ modelId: 'flux', seed: '5' });
    expect(formWithSeed(gemini, 5, models, 'retired')).toMatchObject({ modelId: 'gemini', seed: '5' });
  });
});

describe('after a submit', () => {
  it('shows the request as a queued generation until the server reports', () => {
    const request = toRequest({ ...localForm, size: '1344x768', n: 2 }, localModel);
    const shown = provisionalGeneration(
      { id: 'g9', cost: 4 },
      request,
      localModel,
      '2027-03-04T10:00:00.000Z',
    );
    expect(shown).toMatchObject({
      id: 'g9',
      status: 'queued',
      modelName: 'Local preview',
      width: 1344,
      height: 768,
      n: 2,
      cost: 4,
      images: [],
    });
    const flux = selectModel({ ...localForm, aspectRatio: '9:16' }, models, 'flux');
    const ratio = provisionalGeneration(
      { id: 'g10', cost: 3 },
      toRequest({ ...flux, aspectRatio: '9:16' }, ratioModel),
      ratioModel,
      '',
    );
    expect(ratio).toMatchObject({ width: 9, height: 16, aspectRatio: '9:16', resolution: '1K' });
  });

  it('uses a fresh key per submit, but the same one to retry an unanswered identical submit', () => {
    let counter = 0;
    const makeKey = () => `k${++counter}`;
    expect(idempotencyKeyFor(null, 'a', makeKey)).toBe('k1');
    expect(idempotencyKeyFor({ key: 'k1', body: 'a', answered: true }, 'a', makeKey)).toBe('k2');
    expect(idempotencyKeyFor({ key: 'k1', body: 'a', answered: false }, 'a', makeKey)).toBe('k1');
    expect(idempotencyKeyFor({ key: 'k1', body: 'a', answered: false }, 'b', makeKey)).toBe('k3');
  });
});
