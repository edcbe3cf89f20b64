/**
 * The admin API on the real app and database: who may see it, provider keys
 * (sealed at rest, never sent back, never logged), the connection test
 * against the OpenAI fake, models and routes, the audit log, and the
 * issue's "done when": an admin adds a key and a new OpenAI-compatible model
 * and a member generates with it at once, without a restart.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../../../tests/fakes/openai';
import { createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { expectDatabaseError, expectLedgerSound } from '../../../tests/support/ledger';
import { providerCredentials, users } from '../db/schema';
import type { GenerationView } from '../generations/queries';

const ADMIN_EMAIL = uniqueEmail('admin');
const SECRET_KEY = 'sk-self-hosted-0123456789abcdef';

let t: TestApp;
let fake: OpenAiFake;
let admin: string;
beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: SECRET_KEY, extraModels: ['house-flux'] });
  t = await createTestApp(
    {
      ADMIN_EMAILS: ` ${ADMIN_EMAIL.toUpperCase()} , other@example.test`,
      RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
    },
    { workers: true },
  );
  admin = (await signUp(t, { email: ADMIN_EMAIL })).cookie;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const as = (cookie: string) => ({
  get: (path: string) => t.request(path, { headers: { cookie } }),
  send: (method: string, path: string, json?: unknown) =>
    t.request(path, { method, headers: { cookie }, ...(json === undefined ? {} : { json }) }),
});

async function waitFinished(cookie: string, id: string): Promise<GenerationView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await (await as(cookie).get(`/api/generations/${id}`)).json()) as GenerationView;
    if (['succeeded', 'failed', 'canceled'].includes(view.status) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('who sees the admin API', () => {
  it('answers 404, like a missing path, to visitors and members', async () => {
    const member = (await signUp(t)).cookie;
    for (const cookie of ['', member]) {
      for (const [method, path] of [
        ['GET', '/api/admin/providers'],
        ['PATCH', '/api/admin/providers/openai'],
        ['GET', '/api/admin/models'],
        ['GET', '/api/admin/audit'],
        ['GET', '/api/admin/nothing-here'],
      ] as const) {
        const response = await as(cookie).send(
          method,
          path,
          method === 'GET' ? undefined : { enabled: true },
        );
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
      }
    }
  });

  it('makes ADMIN_EMAILS accounts admins at sign-up, case and spaces aside', async () => {
    const [row] = await t.database.db
      .select({ role: users.role })
      .from(users)
      .where(eq(users.email, ADMIN_EMAIL));
    expect(row?.role).toBe('admin');
    expect((await as(admin).get('/api/admin/providers')).status).toBe(200);
    expect((await as(admin).get('/api/admin/nothing-here')).status).toBe(404);
  });
});

describe('provider keys', () => {
  it('refuses to switch on a provider that has no key', async () => {
    const response = await as(admin).send('PATCH', '/api/admin/providers/openai', { enabled: true });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { fields: { field: string; message: string }[] } };
    expect(body.error.fields[0]).toMatchObject({
      field: 'enabled',
      message: 'Enter an API key before switching this provider on.',
    });
  });

  it('seals a key at rest, shows only its hint, and never logs it', async () => {
    const response = await as(admin).send('PATCH', '/api/admin/providers/openai', {
      apiKey: SECRET_KEY,
      baseUrl: `${fake.baseUrl}/`,
      enabled: true,
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(SECRET_KEY);
    const { provider } = JSON.parse(text) as { provider: Record<string, unknown> };
    expect(provider).toMatchObject({
      id: 'openai',
      enabled: true,
      baseUrl: fake.baseUrl,
      key: { source: 'stored', hint: '••••cdef' },
    });
    const [stored] = await t.database.db
      .select()
      .from(providerCredentials)
      .where(eq(providerCredentials.providerId, 'openai'));
    expect(stored?.sealedKey).toMatch(/^v1\./);
    expect(stored?.sealedKey).not.toContain('sk-self');
    const listed = await (await as(admin).get('/api/admin/providers')).text();
    expect(listed).not.toContain(SECRET_KEY);
    expect(t.logs.join('\n')).not.toContain(SECRET_KEY);
  });

  it('rejects a malformed key or base URL with field errors', async () => {
    const response = await as(admin).send('PATCH', '/api/admin/providers/openai', {
      apiKey: 'has spaces in it',
      baseUrl: 'ftp://example.test',
    });
    expect(response.status).toBe(400);
    const fields = ((await response.json()) as { error: { fields: { field: string }[] } }).error.fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['apiKey', 'baseUrl']);
    expect((await as(admin).send('PATCH', '/api/admin/providers/nope', { enabled: false })).status).toBe(404);
  });

  it('tests a connection: ok with the right key, auth with a wrong one, unreachable with no server', async () => {
    const ok = (await (await as(admin).send('POST', '/api/admin/providers/openai/test')).json()) as Record<
      string,
      unknown
    >;
    expect(ok).toMatchObject({ ok: true, code: 'ok', status: 200, url: `${fake.baseUrl}/models` });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });

    await as(admin).send('PATCH', '/api/admin/providers/openai', { apiKey: 'sk-wrong-key-000000' });
    const rejected = (await (
      await as(admin).send('POST', '/api/admin/providers/openai/test')
    ).json()) as Record<string, unknown>;
    expect(rejected).toMatchObject({ ok: false, code: 'auth', status: 401 });

    await as(admin).send('PATCH', '/api/admin/providers/openai', { baseUrl: 'http://127.0.0.1:9/v1' });
    const unreachable = (await (
      await as(admin).send('POST', '/api/admin/providers/openai/test')
    ).json()) as Record<string, unknown>;
    expect(unreachable).toMatchObject({ ok: false, code: 'unreachable' });
    // back to a working setup
    await as(admin).send('PATCH', '/api/admin/providers/openai', {
      apiKey: SECRET_KEY,
      baseUrl: fake.baseUrl,
    });
  });
});

describe('an OpenAI-compatible model, added while running', () => {
  const houseModel = {
    id: 'house-flux',
    nameEn: 'House FLUX',
    nameZh: '自建 FLUX',
    capabilities: {
      textToImage: true,
      imageToImage: false,
      maxReferenceImages: 0,
      maxImages: 2,
      seed: false,
      negativePrompt: false,
      maxPromptLength: 2000,
      sizes: [{ size: '1024x1024', tier: 'standard' }],
    },
    pricing: { perImage: { standard: 3 } },
    routes: [{ providerId: 'house', providerModelId: 'house-flux' }],
  };

  it('is used by a member at once, and refunds when its key is rotated to a rejected one', async () => {
    const created = await as(admin).send('POST', '/api/admin/providers', {
      id: 'house',
      nameEn: 'House GPU server',
      nameZh: '自建 GPU 服务器',
      baseUrl: fake.baseUrl,
      apiKey: SECRET_KEY,
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      provider: { id: 'house', adapter: 'openai_compatible', enabled: true, key: { source: 'stored' } },
    });
    const added = await as(admin).send('POST', '/api/admin/models', houseModel);
    expect(added.status).toBe(201);

    const member = (await signUp(t)).cookie;
    const models = (await (await as(member).get('/api/models')).json()) as { models: { id: string }[] };
    expect(models.models.map((m) => m.id)).toContain('house-flux');
    const accepted = await as(member).send('POST', '/api/generations', {
      prompt: 'a lighthouse',
      modelId: 'house-flux',
      size: '1024x1024',
      n: 2,
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const done = await waitFinished(member, id);
    expect(done).toMatchObject({ status: 'succeeded', charged: 6 });
    expect(done.images).toHaveLength(2);
    const sent = JSON.parse(
      fake.requests
        .filter((r) => r.path === '/v1/images/generations')
        .at(-1)!
        .body.toString(),
    ) as {
      model: string;
    };
    expect(sent.model).toBe('house-flux');

    // A rotated key that the server rejects: the member's generation fails as
    // "temporarily unavailable" and the hold is voided.
    await as(admin).send('PATCH', '/api/admin/providers/house', { apiKey: 'sk-rotated-but-wrong' });
    const before = (await (await as(member).get('/api/credits')).json()) as { available: number };
    const second = (await (
      await as(member).send('POST', '/api/generations', {
        prompt: 'x',
        modelId: 'house-flux',
        size: '1024x1024',
        n: 1,
      })
    ).json()) as { id: string };
    const failed = await waitFinished(member, second.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'auth', charged: 0 });
    expect(failed.errorMessage).toContain('temporarily unavailable');
    expect(((await (await as(member).get('/api/credits')).json()) as { available: number }).available).toBe(
      before.available,
    );
    await expectLedgerSound(t.database.db);
  });

  it('refuses a model whose prices do not cover its tiers, or whose route names no provider', async () => {
    const badPrice = await as(admin).send('POST', '/api/admin/models', {
      ...houseModel,
      id: 'house-flux-2',
      pricing: { perImage: { premium: 3 } },
    });
    expect(badPrice.status).toBe(400);
    const badRoute = await as(admin).send('POST', '/api/admin/models', {
      ...houseModel,
      id: 'house-flux-3',
      routes: [{ providerId: 'nobody', providerModelId: 'x' }],
    });
    expect(badRoute.status).toBe(400);
    expect(
      ((await badRoute.json()) as { error: { fields: { field: string }[] } }).error.fields[0]?.field,
    ).toBe('routes.0.providerId');
    const taken = await as(admin).send('POST', '/api/admin/models', houseModel);
    expect(taken.status).toBe(400);
  });

  it('changes prices and switches models off for members at once', async () => {
    const member = (await signUp(t)).cookie;
    const patched = await as(admin).send('PATCH', '/api/admin/models/local-preview', {
      pricing: { perImage: { standard: 2, hd: 4 } },
    });
    expect(patched.status).toBe(200);
    const listed = (await (await as(member).get('/api/models')).json()) as {
      models: { id: string; sizes?: { size: string; credits: number }[] }[];
    };
    const preview = listed.models.find((m) => m.id === 'local-preview');
    const sizes = (
      preview as unknown as { capabilities: { sizes: { size: string; creditsPerImage: number }[] } }
    ).capabilities.sizes;
    expect(sizes.find((s) => s.size === '512x512')?.creditsPerImage).toBe(2);
    expect(sizes.find((s) => s.size === '1024x1024')?.creditsPerImage).toBe(4);
    await as(admin).send('PATCH', '/api/admin/models/local-sketch', { enabled: false });
    const after = (await (await as(member).get('/api/models')).json()) as { models: { id: string }[] };
    expect(after.models.map((m) => m.id)).not.toContain('local-sketch');
    const refused = await as(member).send('POST', '/api/generations', {
      prompt: 'x',
      modelId: 'local-sketch',
      size: '512x512',
      n: 1,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await as(admin).send('PATCH', '/api/admin/models/local-sketch', { enabled: true });
  });
});

describe('audit log', () => {
  it('records every change with who and when, newest first, and no secret', async () => {
    const page = (await (await as(admin).get('/api/admin/audit?limit=100')).json()) as {
      items: { action: string; actorEmail: string; targetId: string; details: unknown; createdAt: string }[];
    };
    const actions = page.items.map((item) => `${item.action}:${item.targetId}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'provider.key_set:openai',
        'provider.update:openai',
        'provider.create:house',
        'model.create:house-flux',
        'model.update:local-preview',
        'model.update:local-sketch',
      ]),
    );
    expect(page.items.every((item) => item.actorEmail === ADMIN_EMAIL)).toBe(true);
    const times = page.items.map((item) => item.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(JSON.stringify(page)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(page)).not.toContain('sk-rotated');
  });

  it('cannot be rewritten, even by SQL', async () => {
    for (const statement of [
      sql`update audit_log set action = 'x'`,
      sql`delete from audit_log`,
      sql`truncate audit_log`,
    ]) {
      const error = await expectDatabaseError(t.database.db.execute(statement));
      expect(error.code).toBe('23001');
      expect(error.message).toContain('append-only');
    }
  });

  it('refuses a cursor it did not make', async () => {
    expect((await as(admin).get('/api/admin/audit?cursor=garbage')).status).toBe(400);
  });
});
