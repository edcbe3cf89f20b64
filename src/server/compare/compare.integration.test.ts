/**
 * The comparison API end to end on the real app, database, job queue and the
 * offline models (local-preview and local-sketch): two columns accepted and
 * finished; every column validated and the total priced before any credit is
 * held; the column count and distinct models; ownership; idempotency; each
 * column its own hold (a canceled column alone is refunded); and a column
 * refused inside the transaction taking the columns before it with it.
 */
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { creditAccounts, creditHolds, generations, users } from '../db/schema';
import type { GenerationView } from '../generations/queries';
import type { ComparisonSummary, ComparisonView } from './queries';

const STARTER = 10;

let t: TestApp;
beforeAll(async () => {
  // The offline provider is slowed down so a column can be canceled while it runs.
  t = await createTestApp(
    {
      STARTER_CREDITS: String(STARTER),
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
      LOCAL_PROVIDER_LATENCY_MS: '700',
    },
    { workers: true },
  );
});
afterAll(() => t.close());

interface Accepted {
  compareId: string;
  generations: { id: string; modelId: string; cost: number; status: string }[];
}

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

async function member(app: TestApp = t) {
  const { cookie, email } = await signUp(app);
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { cookie, ...headers } });
  const post = (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { cookie, ...headers },
      ...(json === undefined ? {} : { json }),
    });
  const balance = async () =>
    (await (await get('/api/credits')).json()) as { available: number; held: number };
  const [user] = await app.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  const userId = user!.id;
  /** Rows the member has, read from the database (not through the API under test). */
  const stored = async () => {
    const [gens] = await app.database.db
      .select({ n: count() })
      .from(generations)
      .where(eq(generations.userId, userId));
    const [holds] = await app.database.db
      .select({ n: count() })
      .from(creditHolds)
      .innerJoin(creditAccounts, eq(creditAccounts.id, creditHolds.accountId))
      .where(and(eq(creditAccounts.userId, userId), eq(creditAccounts.kind, 'user')));
    return { generations: gens!.n, holds: holds!.n };
  };
  return { get, post, balance, stored, userId };
}

async function waitFinished(get: (path: string) => Promise<Response>, id: string): Promise<GenerationView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await (await get(`/api/generations/${id}`)).json()) as GenerationView;
    if (['succeeded', 'failed', 'canceled'].includes(view.status) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const twoColumns = {
  prompt: 'a lighthouse on a cliff at dawn',
  columns: [
    { modelId: 'local-preview', size: '512x512' },
    { modelId: 'local-sketch', size: '1024x1024', n: 2 },
  ],
};

describe('a comparison', () => {
  it('runs one prompt on two models, each column its own generation, and reads back in column order', async () => {
    const m = await member();
    const response = await m.post('/api/compare', twoColumns);
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as Accepted;
    expect(accepted.compareId).toMatch(/^[0-9a-f-]{36}$/);
    expect(accepted.generations).toMatchObject([
      { modelId: 'local-preview', cost: 1, status: 'queued' },
      { modelId: 'local-sketch', cost: 4, status: 'queued' },
    ]);
    const [first, second] = accepted.generations;
    expect(first!.id).not.toBe(second!.id);
    // Both held at once: two holds, one per column.
    expect(await m.balance()).toEqual({ available: STARTER - 5, held: 5 });
    expect(await m.stored()).toEqual({ generations: 2, holds: 2 });

    const done = [await waitFinished(m.get, first!.id), await waitFinished(m.get, second!.id)];
    expect(done[0]).toMatchObject({ status: 'succeeded', modelId: 'local-preview', charged: 1, n: 1 });
    expect(done[1]).toMatchObject({ status: 'succeeded', modelId: 'local-sketch', charged: 4, n: 2 });
    expect(done[1]!.images).toHaveLength(2);
    expect(await m.balance()).toEqual({ available: STARTER - 5, held: 0 });

    const read = await m.get(`/api/compare/${accepted.compareId}`, { 'accept-language': 'zh' });
    expect(read.status).toBe(200);
    const view = (await read.json()) as ComparisonView;
    expect(view.compareId).toBe(accepted.compareId);
    expect(view.prompt).toBe(twoColumns.prompt);
    expect(view.generations.map((g) => g.id)).toEqual([first!.id, second!.id]);
    expect(view.generations.map((g) => g.modelName)).toEqual(['本地预览', '本地草图']);
    expect(view.generations[0]!.images).toHaveLength(1);
    expect((await m.get(view.generations[0]!.images[0]!.url)).status).toBe(200);
    expect(view.generations.every((g) => g.finishedAt !== null)).toBe(true);

    const rows = await t.database.db
      .select({ compareId: generations.compareId })
      .from(generations)
      .where(eq(generations.userId, m.userId));
    expect(rows.map((r) => r.compareId)).toEqual([accepted.compareId, accepted.compareId]);

    const list = (await (await m.get('/api/compare')).json()) as { items: ComparisonSummary[] };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      compareId: accepted.compareId,
      prompt: twoColumns.prompt,
      columns: [
        { generationId: first!.id, modelId: 'local-preview', status: 'succeeded' },
        { generationId: second!.id, modelId: 'local-sketch', status: 'succeeded' },
      ],
    });
    await expectLedgerSound(t.database.db);
  });
});

describe('validation before any hold', () => {
  it('refuses when any column is invalid, naming each column and field, and holds nothing', async () => {
    const m = await member();
    const response = await m.post(
      '/api/compare',
      {
        prompt: 'a quiet harbour',
        columns: [
          { modelId: 'local-preview', size: '512x512' },
          { modelId: 'local-sketch', size: '999x999' },
          { modelId: 'no-such-model' },
        ],
      },
      { 'accept-language': 'zh' },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields).toEqual([
      { field: 'columns.1.size', message: '该模型不支持此尺寸。' },
      { field: 'columns.2.modelId', message: '该模型当前不可用，请选择其他模型。' },
    ]);
    expect(await m.balance()).toEqual({ available: STARTER, held: 0 });
    expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
  });

  it('checks every column against its own model: shape, count, prompt, seed', async () => {
    const m = await member();
    const refused = async (body: unknown) => {
      const response = await m.post('/api/compare', body);
      expect(response.status).toBe(400);
      return ((await response.json()) as ErrorBody).error.fields;
    };
    expect(
      await refused({
        prompt: 'hills',
        columns: [
          { modelId: 'local-preview', aspectRatio: '16:9' },
          { modelId: 'local-sketch', n: 9 },
        ],
      }),
    ).toEqual([
      { field: 'columns.0.aspectRatio', message: 'This model takes a size, not an aspect ratio.' },
      { field: 'columns.1.n', message: 'This model makes at most 4 images per request.' },
    ]);
    expect(
      await refused({ prompt: '   ', columns: [{ modelId: 'local-preview' }, { modelId: 'local-sketch' }] }),
    ).toEqual([{ field: 'prompt', message: 'Describe the image you want.' }]);
    expect(
      await refused({
        prompt: 'x'.repeat(5000),
        columns: [{ modelId: 'local-preview' }, { modelId: 'local-sketch' }],
      }),
    ).toEqual([
      { field: 'columns.0.prompt', message: 'Must be at most 4000 characters.' },
      { field: 'columns.1.prompt', message: 'Must be at most 4000 characters.' },
    ]);
    expect(
      await refused({
        prompt: 'hills',
        columns: [{ modelId: 'local-preview', size: '512x512', extra: 1 }, { modelId: 'local-sketch' }],
      }),
    ).toEqual([{ field: 'columns.0.extra', message: 'This field is not accepted.' }]);
    expect(await m.balance()).toEqual({ available: STARTER, held: 0 });
    expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
  });

  it('refuses a total the available balance cannot cover, though each column alone would fit', async () => {
    const m = await member();
    const response = await m.post('/api/compare', {
      prompt: 'a busy market',
      columns: [
        { modelId: 'local-preview', size: '1024x1024', n: 4 },
        { modelId: 'local-sketch', size: '1024x1024', n: 4 },
      ],
    });
    expect(response.status).toBe(402);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('insufficient_credits');
    expect(body.error.fields).toEqual([
      {
        field: 'columns',
        message: `This comparison needs 16 credits in all, but your available balance is ${STARTER}.`,
      },
    ]);
    expect(await m.balance()).toEqual({ available: STARTER, held: 0 });
    expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
  });

  it('takes 2 to 4 columns: 0, 1 and 5 are refused', async () => {
    const m = await member();
    const column = { modelId: 'local-preview', size: '512x512' };
    for (const columns of [[], [column], [column, column, column, column, column]]) {
      const response = await m.post('/api/compare', { prompt: 'dunes', columns });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.fields).toEqual([
        { field: 'columns', message: 'Choose from 2 to 4 models to compare.' },
      ]);
    }
    const missing = await m.post('/api/compare', { prompt: 'dunes' });
    expect(missing.status).toBe(400);
    expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
  });

  it('refuses the same model twice', async () => {
    const m = await member();
    const response = await m.post('/api/compare', {
      prompt: 'a red kite',
      columns: [
        { modelId: 'local-sketch', size: '512x512' },
        { modelId: 'local-sketch', size: '1024x1024' },
      ],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.fields).toEqual([
      {
        field: 'columns.1.modelId',
        message: 'This model is already in another column. Choose a different one.',
      },
    ]);
    expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
  });

  it('asks to sign in', async () => {
    expect((await t.request('/api/compare', { json: twoColumns })).status).toBe(401);
    expect((await t.request('/api/compare')).status).toBe(401);
  });
});

describe('ownership', () => {
  it('answers 404 for another member’s comparison, exactly like an unknown one', async () => {
    const owner = await member();
    const other = await member();
    const { compareId } = (await (await owner.post('/api/compare', twoColumns)).json()) as Accepted;
    expect((await owner.get(`/api/compare/${compareId}`)).status).toBe(200);
    const stolen = await other.get(`/api/compare/${compareId}`);
    expect(stolen.status).toBe(404);
    expect(((await stolen.json()) as ErrorBody).error.code).toBe('not_found');
    expect((await other.get('/api/compare/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await other.get('/api/compare/not-a-uuid')).status).toBe(404);
    expect(((await (await other.get('/api/compare')).json()) as { items: unknown[] }).items).toEqual([]);
  });
});

describe('idempotency', () => {
  it('answers a repeated key with the first comparison, and refuses the key with other columns', async () => {
    const m = await member();
    const headers = { 'idempotency-key': 'compare-submit-1' };
    const responses = await Promise.all([1, 2, 3].map(() => m.post('/api/compare', twoColumns, headers)));
    const bodies: Accepted[] = [];
    for (const response of responses) {
      expect(response.status).toBe(202);
      bodies.push((await response.json()) as Accepted);
    }
    expect(new Set(bodies.map((b) => b.compareId)).size).toBe(1);
    expect(new Set(bodies.map((b) => b.generations.map((g) => g.id).join()))).toHaveProperty('size', 1);
    expect(await m.stored()).toEqual({ generations: 2, holds: 2 });

    const otherSize = await m.post(
      '/api/compare',
      { ...twoColumns, columns: [twoColumns.columns[0], { ...twoColumns.columns[1], n: 1 }] },
      headers,
    );
    expect(otherSize.status).toBe(409);
    const moreColumns = await m.post(
      '/api/compare',
      { ...twoColumns, columns: [...twoColumns.columns, { modelId: 'local-preview', size: '1024x1024' }] },
      headers,
    );
    expect(moreColumns.status).toBe(409);
    const fewer = await m.post('/api/compare', { ...twoColumns, columns: [twoColumns.columns[0]] }, headers);
    expect(fewer.status).toBe(400);
    expect(await m.stored()).toEqual({ generations: 2, holds: 2 });

    const ids = bodies[0]!.generations.map((g) => g.id);
    for (const id of ids) await waitFinished(m.get, id);
    // Charged once (1 + 4 credits), and a late repeat still answers with the same comparison.
    expect(await m.balance()).toEqual({ available: STARTER - 5, held: 0 });
    const late = (await (await m.post('/api/compare', twoColumns, headers)).json()) as Accepted;
    expect(late.compareId).toBe(bodies[0]!.compareId);
    expect(late.generations.map((g) => g.status)).toEqual(['succeeded', 'succeeded']);
    expect((await m.post('/api/compare', twoColumns, { 'idempotency-key': '' })).status).toBe(400);
  });
});

describe('holds', () => {
  it('gives each column its own hold: canceling one column refunds only that one', async () => {
    const m = await member();
    const accepted = (await (await m.post('/api/compare', twoColumns)).json()) as Accepted;
    const [preview, sketch] = accepted.generations;
    const canceled = await m.post(`/api/generations/${preview!.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect((await canceled.json()) as GenerationView).toMatchObject({ status: 'canceled', charged: 0 });
    // The canceled column's 1 credit is back at once; the other column's 4 are still held.
    expect(await m.balance()).toEqual({ available: STARTER - 4, held: 4 });

    expect(await waitFinished(m.get, sketch!.id)).toMatchObject({ status: 'succeeded', charged: 4 });
    expect(await m.balance()).toEqual({ available: STARTER - 4, held: 0 });
    const view = (await (await m.get(`/api/compare/${accepted.compareId}`)).json()) as ComparisonView;
    expect(view.generations.map((g) => [g.status, g.charged, g.errorMessage])).toEqual([
      ['canceled', 0, 'Canceled. Your credits were refunded.'],
      ['succeeded', 4, null],
    ]);
    await expectLedgerSound(t.database.db);
  });
});

describe('all or nothing', () => {
  it('a column refused after the first column’s hold takes the whole comparison back', async () => {
    // One unfinished generation per member: the second column is refused inside
    // the transaction, after the first column's hold, job and row were written.
    const capped = await createTestApp({
      STARTER_CREDITS: String(STARTER),
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
      GENERATION_MAX_ACTIVE_PER_USER: '1',
    });
    try {
      const m = await member(capped);
      const response = await m.post('/api/compare', twoColumns);
      expect(response.status).toBe(429);
      expect(await m.balance()).toEqual({ available: STARTER, held: 0 });
      expect(await m.stored()).toEqual({ generations: 0, holds: 0 });
      await expectLedgerSound(capped.database.db);
    } finally {
      await capped.close();
    }
  });
});
