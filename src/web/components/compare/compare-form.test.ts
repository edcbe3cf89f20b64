/** The comparison form's rules: columns, distinct models, prices, the request, refilling, error routing, times. */
import { describe, expect, it } from 'vitest';
import { generation, localModel, models, noSeedModel } from '../../../../tests/support/generation-fixtures';
import {
  addColumn,
  canAddColumn,
  canRemoveColumn,
  compareCost,
  formatDuration,
  formFromComparison,
  initialCompareForm,
  MAX_COLUMNS,
  promptProblem,
  provisionalColumns,
  removeColumn,
  routeFieldErrors,
  setColumnModel,
  timeTaken,
  toCompareRequest,
  updateColumn,
  type CompareForm,
} from './compare-form';

const start = (): CompareForm => initialCompareForm(models)!;

describe('columns', () => {
  it('starts with the first two models, each at its default shape and one image', () => {
    expect(start()).toEqual({
      prompt: '',
      nextKey: 2,
      columns: [
        { key: 0, modelId: 'local-preview', size: '512x512', aspectRatio: null, resolution: null, n: 1 },
        { key: 1, modelId: 'flux', size: null, aspectRatio: '1:1', resolution: '1K', n: 1 },
      ],
    });
    expect(initialCompareForm([localModel])).toBeUndefined();
  });

  it('adds columns with models not compared yet, up to four, and removes down to two', () => {
    let form = addColumn(start(), models);
    expect(form.columns.map((c) => [c.key, c.modelId])).toEqual([
      [0, 'local-preview'],
      [1, 'flux'],
      [2, 'gemini'],
    ]);
    // Every model is in use: nothing more to add.
    expect(canAddColumn(form, models)).toBe(false);
    expect(addColumn(form, models)).toBe(form);
    form = removeColumn(form, 1);
    expect(form.columns.map((c) => c.modelId)).toEqual(['local-preview', 'gemini']);
    expect(canRemoveColumn(form)).toBe(false);
    expect(removeColumn(form, 0)).toBe(form);
    // A removed column's key is not reused.
    expect(addColumn(form, models).columns.at(-1)).toMatchObject({ key: 3, modelId: 'flux' });
  });

  it('stops at four columns however many models there are', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ ...localModel, id: `m${i}` }));
    let form = initialCompareForm(many)!;
    for (let i = 0; i < 5; i++) form = addColumn(form, many);
    expect(form.columns).toHaveLength(MAX_COLUMNS);
    expect(canAddColumn(form, many)).toBe(false);
  });

  it('switches a column’s model and fits its shape, but never to a model another column has', () => {
    const form = updateColumn(start(), 0, { size: '1024x1024', n: 4 });
    const switched = setColumnModel(form, 0, 'gemini', models);
    expect(switched.columns[0]).toEqual({
      key: 0,
      modelId: 'gemini',
      size: null,
      aspectRatio: '1:1',
      resolution: '1K',
      n: 4,
    });
    expect(setColumnModel(form, 0, 'flux', models)).toBe(form);
    expect(setColumnModel(form, 0, 'unknown', models)).toBe(form);
  });
});

describe('cost and request', () => {
  it('prices each column like the server and adds them up', () => {
    const form = updateColumn(updateColumn(start(), 0, { size: '1024x1024', n: 3 }), 1, { resolution: '2K' });
    expect(compareCost(form, models)).toEqual({
      columns: [
        { images: 3, perImage: 2, total: 6 },
        { images: 1, perImage: 5, total: 5 },
      ],
      total: 11,
    });
    const unknown = { ...form, columns: [...form.columns, { ...form.columns[0]!, key: 9, modelId: 'gone' }] };
    expect(compareCost(unknown, models).total).toBeUndefined();
  });

  it('sends only the shape fields each column’s model takes, and the trimmed prompt', () => {
    const form = { ...addColumn(start(), models), prompt: '  a red fox  ' };
    expect(toCompareRequest(form, models)).toEqual({
      prompt: 'a red fox',
      columns: [
        { modelId: 'local-preview', size: '512x512', n: 1 },
        { modelId: 'flux', aspectRatio: '1:1', resolution: '1K', n: 1 },
        { modelId: 'gemini', aspectRatio: '1:1', resolution: '1K', n: 1 },
      ],
    });
  });

  it('checks the prompt against the strictest chosen model', () => {
    expect(promptProblem(start(), models)).toEqual({ kind: 'required' });
    // FLUX (in the fixtures) reads at most 100 characters.
    expect(promptProblem({ ...start(), prompt: 'x'.repeat(101) }, models)).toEqual({
      kind: 'tooLong',
      max: 100,
    });
    const withoutFlux = setColumnModel(start(), 1, 'gemini', models);
    expect(promptProblem({ ...withoutFlux, prompt: 'x'.repeat(101) }, models)).toBeUndefined();
  });

  it('shows each accepted column at once as queued, with its own id and cost', () => {
    const request = toCompareRequest({ ...start(), prompt: 'fox' }, models);
    const columns = provisionalColumns(
      {
        compareId: 'c-1',
        generations: [
          { id: 'g-1', modelId: 'local-preview', cost: 1, status: 'queued' },
          { id: 'g-2', modelId: 'flux', cost: 3, status: 'queued' },
        ],
      },
      request,
      models,
      '2027-03-04T10:00:00.000Z',
    );
    expect(columns.map((g) => [g.id, g.modelName, g.status, g.cost, g.prompt, g.n])).toEqual([
      ['g-1', 'Local preview', 'queued', 1, 'fox', 1],
      ['g-2', 'FLUX', 'queued', 3, 'fox', 1],
    ]);
  });
});

describe('refilling from a comparison', () => {
  it('takes its prompt, models and shapes', () => {
    const form = formFromComparison(
      {
        prompt: 'a fox',
        generations: [
          generation({ modelId: 'flux', size: null, aspectRatio: '16:9', resolution: '2K', n: 2 }),
          generation({ modelId: 'local-preview', size: '1344x768', n: 1 }),
        ],
      },
      models,
    );
    expect(form).toEqual({
      prompt: 'a fox',
      nextKey: 2,
      columns: [
        { key: 0, modelId: 'flux', size: null, aspectRatio: '16:9', resolution: '2K', n: 2 },
        { key: 1, modelId: 'local-preview', size: '1344x768', aspectRatio: null, resolution: null, n: 1 },
      ],
    });
  });

  it('replaces a model that is gone with an unused one, and gives up without enough models', () => {
    const comparison = {
      prompt: 'a fox',
      generations: [generation({ modelId: 'retired' }), generation({ modelId: 'gemini', size: null })],
    };
    expect(formFromComparison(comparison, models)?.columns.map((c) => c.modelId)).toEqual([
      'gemini',
      'local-preview',
    ]);
    expect(formFromComparison(comparison, [noSeedModel])).toBeUndefined();
  });
});

describe('errors from the API', () => {
  it('sends column errors to their column, prompt errors to the prompt, the rest to the banner', () => {
    expect(
      routeFieldErrors([
        { field: 'columns.1.size', message: 'no such size' },
        { field: 'columns.1.n', message: 'too many' },
        { field: 'columns.0.prompt', message: 'too long' },
        { field: 'prompt', message: 'empty' },
        { field: 'columns', message: 'over balance' },
      ]),
    ).toEqual({
      prompt: 'too long',
      columns: { 1: { size: 'no such size', n: 'too many' } },
      other: ['over balance'],
    });
  });
});

describe('time taken', () => {
  it('counts from acceptance, and the model’s part from its start', () => {
    expect(
      timeTaken({
        createdAt: '2027-03-04T10:00:00.000Z',
        startedAt: '2027-03-04T10:00:01.500Z',
        finishedAt: '2027-03-04T10:00:04.250Z',
      }),
    ).toEqual({ totalMs: 4250, runMs: 2750 });
    expect(
      timeTaken({
        createdAt: '2027-03-04T10:00:00.000Z',
        startedAt: null,
        finishedAt: '2027-03-04T10:00:00.300Z',
      }),
    ).toEqual({ totalMs: 300, runMs: null });
    expect(timeTaken({ createdAt: '2027-03-04T10:00:00.000Z', startedAt: null, finishedAt: null })).toEqual({
      totalMs: null,
      runMs: null,
    });
  });

  it('reads as seconds with one decimal under a minute, as a stopwatch above, in the language', () => {
    expect(formatDuration('en', 4250)).toBe('4.2 sec');
    expect(formatDuration('en', 80)).toBe('0.0 sec');
    expect(formatDuration('zh', 4250)).toBe('4.2秒');
    expect(formatDuration('en', 65_000)).toBe('1:05');
    expect(formatDuration('en', null)).toBeNull();
  });
});
