import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { emptyCatalogDatabase } from '../../../tests/support/catalog';
import { queryRows } from '../db/client';
import { modelRoutes, models, providers } from '../db/schema';
import { getModel, listModels, type CatalogProblem } from './list-models';
import { toPublicModel } from './public-model';
import { seedCatalog } from './seed-catalog';
import { seedModels, seedProviders, type SeedModel } from './seed-data';

const catalog = emptyCatalogDatabase();

async function snapshot() {
  return {
    providers: await catalog.db.select().from(providers).orderBy(asc(providers.id)),
    models: await catalog.db.select().from(models).orderBy(asc(models.id)),
    routes: await catalog.db
      .select()
      .from(modelRoutes)
      .orderBy(asc(modelRoutes.modelId), asc(modelRoutes.position)),
  };
}

const routeCount = seedModels.reduce((sum, m) => sum + m.routes.length, 0);
const setProvider = (id: string, enabled: boolean) =>
  catalog.db.update(providers).set({ enabled }).where(eq(providers.id, id));

describe('seedCatalog', () => {
  it('inserts every built-in provider, model and route', async () => {
    expect(await seedCatalog(catalog.db)).toEqual({
      providers: seedProviders.length,
      models: seedModels.length,
      routes: routeCount,
    });
    const rows = await snapshot();
    expect(rows.providers.map((p) => [p.id, p.enabled])).toEqual(
      [...seedProviders].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => [p.id, p.enabled]),
    );
    expect(rows.models).toHaveLength(seedModels.length);
    expect(rows.routes).toHaveLength(routeCount);
  });

  it('changes nothing when run again', async () => {
    await seedCatalog(catalog.db);
    const before = await snapshot();
    expect(await seedCatalog(catalog.db)).toEqual({ providers: 0, models: 0, routes: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('is safe when several instances seed at the same time', async () => {
    const results = await Promise.all([
      seedCatalog(catalog.db),
      seedCatalog(catalog.db),
      seedCatalog(catalog.db),
    ]);
    expect(results.reduce((sum, r) => sum + r.models, 0)).toBe(seedModels.length);
    expect((await snapshot()).routes).toHaveLength(routeCount);
  });

  it("keeps an admin's changes to names, prices, flags, settings and routes", async () => {
    await seedCatalog(catalog.db);
    await catalog.db
      .update(models)
      .set({ nameEn: 'Renamed', pricing: { perImage: { square: 9, rectangular: 8 } }, enabled: false })
      .where(eq(models.id, 'gpt-image-2'));
    await catalog.db
      .update(providers)
      .set({ enabled: true, settings: { baseUrl: 'https://proxy.example/v1' } })
      .where(eq(providers.id, 'openai'));
    await catalog.db.update(providers).set({ enabled: false }).where(eq(providers.id, 'local'));
    await catalog.db
      .update(modelRoutes)
      .set({ providerModelId: 'bytedance/seedream-4:pinned', enabled: false })
      .where(and(eq(modelRoutes.modelId, 'seedream-4'), eq(modelRoutes.position, 2)));
    const edited = await snapshot();

    expect(await seedCatalog(catalog.db)).toEqual({ providers: 0, models: 0, routes: 0 });
    expect(await snapshot()).toEqual(edited);
  });

  it('does not bring back what an admin deleted', async () => {
    await seedCatalog(catalog.db);
    await catalog.db.delete(models).where(eq(models.id, 'flux-dev')); // its routes go with it
    await catalog.db
      .delete(modelRoutes)
      .where(and(eq(modelRoutes.modelId, 'seedream-4'), eq(modelRoutes.position, 1)));
    await seedCatalog(catalog.db);
    expect(await catalog.db.select().from(models).where(eq(models.id, 'flux-dev'))).toEqual([]);
    expect(
      (await catalog.db.select().from(modelRoutes).where(eq(modelRoutes.modelId, 'seedream-4'))).map(
        (r) => r.position,
      ),
    ).toEqual([0, 2]);
  });

  it('adds entries of a later release, leaving existing rows with the same key alone', async () => {
    await seedCatalog(catalog.db);
    const newer: SeedModel = {
      ...seedModels.find((m) => m.id === 'local-sketch')!,
      id: 'local-watercolour',
      nameEn: 'Local watercolour',
      routes: [{ providerId: 'local', providerModelId: 'watercolour' }],
    };
    // An admin already made a model with the id a later release also ships.
    await catalog.db.insert(models).values({
      id: 'local-ink',
      nameEn: "Admin's ink",
      nameZh: '管理员的墨水',
      capabilities: newer.capabilities,
      pricing: newer.pricing,
    });
    const ink: SeedModel = { ...newer, id: 'local-ink', nameEn: 'Local ink' };
    const extended = { models: [...seedModels, newer, ink] };

    expect(await seedCatalog(catalog.db, extended)).toEqual({ providers: 0, models: 1, routes: 2 });
    expect((await getModel(catalog.db, 'local-watercolour'))?.routes.map((r) => r.providerModelId)).toEqual([
      'watercolour',
    ]);
    expect((await getModel(catalog.db, 'local-ink'))?.nameEn).toBe("Admin's ink");
  });

  it('stores capabilities that parse for every model, and routes to seeded providers only', async () => {
    await seedCatalog(catalog.db);
    const problems: CatalogProblem[] = [];
    const all = await listModels(catalog.db, { includeDisabled: true, onInvalid: (p) => problems.push(p) });
    expect(problems).toEqual([]);
    expect(all.map((m) => m.id).sort()).toEqual(seedModels.map((m) => m.id).sort());
    for (const model of all) {
      const seeded = seedModels.find((m) => m.id === model.id)!;
      expect(model.capabilities).toEqual(seeded.capabilities);
      expect(model.pricing).toEqual(seeded.pricing);
    }
    const orphans = await queryRows<{ model_id: string }>(
      catalog.db,
      sql`select r.model_id from model_routes r left join providers p on p.id = r.provider_id where p.id is null`,
    );
    expect(orphans).toEqual([]);
  });
});

describe('listModels', () => {
  beforeEach(() => seedCatalog(catalog.db));

  it('offers only the offline models on a fresh install', async () => {
    const usable = await listModels(catalog.db);
    expect(usable.map((m) => m.id)).toEqual(['local-preview', 'local-sketch']);
    expect(usable[0]).toMatchObject({
      isUsable: true,
      provider: { id: 'local', enabled: true },
      routes: [{ position: 0, providerModelId: 'preview', isAvailable: true }],
    });
  });

  it('orders by provider sort order, then model sort order', async () => {
    const all = await listModels(catalog.db, { includeDisabled: true });
    expect(all.map((m) => m.id)).toEqual([
      'local-preview',
      'local-sketch',
      'gpt-image-2',
      'gemini-3.1-flash-image',
      'gemini-3-pro-image',
      'seedream-4',
      'seedream-4.5',
      'seedream-5',
      'flux-schnell',
      'flux-dev',
      'flux-1.1-pro',
      'flux-kontext-pro',
      'flux-kontext-max',
    ]);
    expect(all.filter((m) => m.isUsable).map((m) => m.id)).toEqual(['local-preview', 'local-sketch']);

    await catalog.db.update(providers).set({ sortOrder: -1 }).where(eq(providers.id, 'fireworks'));
    await catalog.db.update(models).set({ sortOrder: 99 }).where(eq(models.id, 'local-preview'));
    expect((await listModels(catalog.db, { includeDisabled: true })).map((m) => m.id).slice(0, 4)).toEqual([
      'flux-kontext-pro',
      'flux-kontext-max',
      'local-sketch',
      'local-preview',
    ]);
  });

  it('hides models whose providers are disabled, and disabled models', async () => {
    await setProvider('local', false);
    expect(await listModels(catalog.db)).toEqual([]);
    await setProvider('local', true);
    await catalog.db.update(models).set({ enabled: false }).where(eq(models.id, 'local-sketch'));
    expect((await listModels(catalog.db)).map((m) => m.id)).toEqual(['local-preview']);
    expect(await getModel(catalog.db, 'local-sketch')).toMatchObject({ isUsable: false, enabled: false });
  });

  it('serves a model through its first available route when the primary provider has no key', async () => {
    await setProvider('fal', true);
    const usable = await listModels(catalog.db);
    expect(usable.map((m) => m.id)).toEqual([
      'local-preview',
      'local-sketch',
      // BytePlus is off, so Seedream is served by fal, its first fallback, and
      // listed among fal's models (sort order 0 like flux-schnell; ties go by id)
      'flux-schnell',
      'seedream-4',
      'flux-dev',
      'flux-1.1-pro',
    ]);
    const seedream = usable.find((m) => m.id === 'seedream-4')!;
    expect(seedream.provider?.id).toBe('fal');
    expect(seedream.routes.map((r) => [r.provider.id, r.isAvailable])).toEqual([
      ['byteplus', false],
      ['fal', true],
      ['replicate', false],
    ]);

    await setProvider('byteplus', true);
    expect((await getModel(catalog.db, 'seedream-4'))?.provider?.id).toBe('byteplus');
  });

  it('skips a disabled route', async () => {
    await setProvider('fal', true);
    await setProvider('replicate', true);
    await catalog.db
      .update(modelRoutes)
      .set({ enabled: false })
      .where(and(eq(modelRoutes.modelId, 'flux-schnell'), eq(modelRoutes.position, 0)));
    const model = await getModel(catalog.db, 'flux-schnell');
    expect(model?.provider?.id).toBe('replicate');
    expect(model?.routes.filter((r) => r.isAvailable).map((r) => r.providerModelId)).toEqual([
      'black-forest-labs/flux-schnell',
    ]);
  });

  it('leaves out and reports rows whose JSON does not parse', async () => {
    await catalog.db
      .update(models)
      .set({ capabilities: { textToImage: true } as never })
      .where(eq(models.id, 'flux-dev'));
    await catalog.db
      .update(providers)
      .set({ settings: { apiKey: 'sk-should-not-be-here' } as never })
      .where(eq(providers.id, 'fireworks'));
    const problems: CatalogProblem[] = [];
    const all = await listModels(catalog.db, { includeDisabled: true, onInvalid: (p) => problems.push(p) });
    expect(all.map((m) => m.id)).not.toContain('flux-dev');
    expect(problems.map((p) => [p.table, p.id])).toEqual([
      ['providers', 'fireworks'],
      ['models', 'flux-dev'],
    ]);
    // routes through the broken provider are gone; the model keeps its others
    expect(all.find((m) => m.id === 'flux-schnell')?.routes.map((r) => r.provider.id)).toEqual([
      'fal',
      'replicate',
    ]);
    expect(all.find((m) => m.id === 'flux-kontext-pro')).toMatchObject({
      routes: [],
      provider: null,
      isUsable: false,
    });
  });
});

describe('getModel', () => {
  beforeEach(() => seedCatalog(catalog.db));

  it('returns a model with its routes in order, or undefined', async () => {
    const model = await getModel(catalog.db, 'seedream-4');
    expect(model?.routes.map((r) => [r.position, r.provider.id, r.providerModelId, r.options])).toEqual([
      [0, 'byteplus', 'seedream-4-0-250828', {}],
      [
        1,
        'fal',
        'fal-ai/bytedance/seedream/v4/text-to-image',
        { editModelId: 'fal-ai/bytedance/seedream/v4/edit' },
      ],
      [2, 'replicate', 'bytedance/seedream-4', {}],
    ]);
    expect(await getModel(catalog.db, 'dall-e-3')).toBeUndefined();
  });
});

describe('the public view of a seeded model', () => {
  beforeEach(() => seedCatalog(catalog.db));

  it('is localized and shows no settings or route internals', async () => {
    await catalog.db
      .update(providers)
      .set({ enabled: true, settings: { baseUrl: 'https://internal-proxy.example/v1' } })
      .where(eq(providers.id, 'openai'));
    const gpt = (await listModels(catalog.db)).find((m) => m.id === 'gpt-image-2')!;
    const view = toPublicModel(gpt, 'zh');
    expect(view).toMatchObject({ id: 'gpt-image-2', provider: { id: 'openai', name: 'OpenAI' } });
    expect(view.capabilities).toMatchObject({
      sizes: [
        { size: '1024x1024', creditsPerImage: 6 },
        { size: '1536x1024', creditsPerImage: 5 },
        { size: '1024x1536', creditsPerImage: 5 },
      ],
    });
    const json = JSON.stringify(view);
    expect(json).not.toContain('internal-proxy');
    expect(json).not.toContain('medium');

    const local = toPublicModel((await getModel(catalog.db, 'local-preview'))!, 'zh');
    expect(local).toMatchObject({ name: '本地预览', provider: { name: '本地预览（离线）' } });
    expect(toPublicModel((await getModel(catalog.db, 'local-preview'))!, 'fr').name).toBe('Local preview');
  });
});

describe('catalog constraints', () => {
  beforeEach(() => seedCatalog(catalog.db));

  it('refuses a malformed model id, a negative position, and deleting a provider that has routes', async () => {
    const model = seedModels[0]!;
    await expect(
      catalog.db.insert(models).values({
        id: 'Not A Slug',
        nameEn: 'x',
        nameZh: 'x',
        capabilities: model.capabilities,
        pricing: model.pricing,
      }),
    ).rejects.toThrow();
    await expect(
      catalog.db
        .insert(modelRoutes)
        .values({ modelId: 'local-preview', position: -1, providerId: 'local', providerModelId: 'x' }),
    ).rejects.toThrow();
    await expect(catalog.db.delete(providers).where(eq(providers.id, 'fal'))).rejects.toThrow();
    // a provider without routes can go
    await catalog.db.delete(providers).where(eq(providers.id, 'openrouter'));
  });
});
