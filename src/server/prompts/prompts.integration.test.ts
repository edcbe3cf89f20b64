/**
 * Prompt help on the real app and database (decision 017), with the
 * DeepSeek fake (and the OpenAI fake) as the text model: enhancement and
 * translation, the price held then settled or voided (never lost), the
 * errors a member sees for each provider failure, validation, the per-member
 * limit, sign-in, and the route set up from the environment or by an admin
 * without a restart, while image routes never go through a text provider.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ENHANCE_SUFFIX, FAKE_ENHANCE_SUFFIX_ZH } from '../../../tests/fakes/chat-text';
import { startDeepSeekFake, type DeepSeekFake } from '../../../tests/fakes/deepseek';
import { startOpenAiFake, type OpenAiFake } from '../../../tests/fakes/openai';
import { createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { providerFailure } from '../../../tests/support/provider-contract';
import { revokeCredits } from '../credits';
import { users } from '../db/schema';
import { sweepOnce } from '../generations/sweeper';
import { instructionsFor } from './instructions';

let deepseek: DeepSeekFake;
beforeAll(async () => {
  deepseek = await startDeepSeekFake();
});
afterAll(() => deepseek.close());

const deepseekEnv = () => ({
  PROVIDER_DEEPSEEK_API_KEY: deepseek.apiKey,
  PROVIDER_DEEPSEEK_BASE_URL: deepseek.baseUrl,
  RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
});

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

function client(t: TestApp, cookie: string) {
  return {
    cookie,
    enhance: (json: unknown, headers: Record<string, string> = {}) =>
      t.request('/api/prompts/enhance', { json, headers: { cookie, ...headers } }),
    config: () => t.request('/api/prompts/config', { headers: { cookie } }),
    balance: async () =>
      (await (await t.request('/api/credits', { headers: { cookie } })).json()) as {
        available: number;
        held: number;
      },
  };
}

/** The last request the DeepSeek fake received, parsed. */
const lastSent = () => {
  const request = deepseek.requests.at(-1)!;
  return {
    path: request.path,
    authorization: request.headers.authorization,
    body: JSON.parse(request.body.toString('utf8')) as {
      model: string;
      thinking?: { type: string };
      messages: { role: string; content: string }[];
    },
  };
};

describe('prompt help, free (the default price)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ...deepseekEnv(),
      RATE_LIMIT_PROMPT_ENHANCE_PER_HOUR: '3',
      PROMPT_LLM_TIMEOUT_SECONDS: '1',
    });
  });
  afterAll(() => t.close());

  it('answers 401 to visitors', async () => {
    const enhance = await t.request('/api/prompts/enhance', { json: { prompt: 'a fox', mode: 'enhance' } });
    expect(enhance.status).toBe(401);
    expect(((await enhance.json()) as ErrorBody).error.code).toBe('unauthorized');
    expect((await t.request('/api/prompts/config')).status).toBe(401);
  });

  it('is available once the environment gives DeepSeek a key, and free by default', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const response = await member.config();
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ available: true, cost: 0, maxLength: 2000 });
  });

  it('enhances a prompt through deepseek-flash with thinking off, charging nothing', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const before = await member.balance();
    const response = await member.enhance({ prompt: '  a lighthouse on a cliff  ', mode: 'enhance' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      suggestion: `a lighthouse on a cliff, ${FAKE_ENHANCE_SUFFIX}`,
      cost: 0,
    });
    const sent = lastSent();
    expect(sent.path).toBe('/chat/completions');
    expect(sent.authorization).toBe(`Bearer ${deepseek.apiKey}`);
    expect(sent.body).toMatchObject({
      model: 'deepseek-flash',
      thinking: { type: 'disabled' },
      messages: [
        { role: 'system', content: instructionsFor('enhance') },
        { role: 'user', content: 'a lighthouse on a cliff' },
      ],
    });
    expect(await member.balance()).toEqual(before);
  });

  it('keeps the language when enhancing and translates Chinese into English', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const enhanced = (await (await member.enhance({ prompt: '一只橘猫', mode: 'enhance' })).json()) as {
      suggestion: string;
    };
    expect(enhanced.suggestion).toBe(`一只橘猫，${FAKE_ENHANCE_SUFFIX_ZH}`);
    const translated = await member.enhance({ prompt: '一只橘猫坐在窗台上看日落', mode: 'translate' });
    expect(await translated.json()).toEqual({
      suggestion: 'a ginger cat sitting on the windowsill watching the sunset',
      cost: 0,
    });
    expect(lastSent().body.messages[0]?.content).toBe(instructionsFor('translate'));
  });

  it('refuses an empty, too long or malformed request before calling the model', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const calls = deepseek.requests.length;
    const cases: [unknown, string][] = [
      [{ prompt: '   ', mode: 'enhance' }, 'prompt'],
      [{ prompt: 'x'.repeat(2001), mode: 'enhance' }, 'prompt'],
      [{ prompt: 'a fox', mode: 'summarise' }, 'mode'],
      [{ prompt: 'a fox' }, 'mode'],
      [{ prompt: 'a fox', mode: 'enhance', model: 'other' }, 'model'],
    ];
    for (const [body, field] of cases) {
      const response = await member.enhance(body);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      const error = ((await response.json()) as ErrorBody).error;
      expect(error.code).toBe('validation_failed');
      expect(error.fields?.[0]?.field).toBe(field);
    }
    const tooLong = await member.enhance({ prompt: 'x'.repeat(2001), mode: 'enhance' });
    expect(((await tooLong.json()) as ErrorBody).error.fields?.[0]?.message).toBe(
      'Must be at most 2000 characters.',
    );
    expect(deepseek.requests.length).toBe(calls);
  });

  it('tells the member what went wrong, in their language, for each provider failure', async () => {
    const cases: [Parameters<DeepSeekFake['fail']>[0], number, string][] = [
      [{ kind: 'content_policy' }, 422, 'content_policy'],
      [{ kind: 'server_error' }, 503, 'unavailable'],
      [{ kind: 'unauthorized' }, 503, 'unavailable'],
      [{ kind: 'quota' }, 503, 'unavailable'],
      [{ kind: 'wrong_shape' }, 503, 'unavailable'],
      [{ kind: 'bad_image' }, 503, 'unavailable'],
      [{ kind: 'hang' }, 504, 'upstream_timeout'],
    ];
    for (const [index, [fault, status, code]] of cases.entries()) {
      // Three calls an hour per member in this app: a new member every other case.
      const member = client(t, (await signUp(t)).cookie);
      deepseek.fail(fault);
      const response = await member.enhance(
        { prompt: `a tower ${index}`, mode: 'enhance' },
        { 'accept-language': 'zh' },
      );
      expect(response.status, fault.kind).toBe(status);
      const error = ((await response.json()) as ErrorBody).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    const logged = t.logs.filter((line) => line.includes('prompt help failed'));
    expect(logged.some((line) => line.includes('"code":"content_policy"'))).toBe(true);
    // Keys never reach the log.
    expect(t.logs.join('\n')).not.toContain(deepseek.apiKey);
  });

  it("passes on the provider's rate limit with its Retry-After", async () => {
    const member = client(t, (await signUp(t)).cookie);
    deepseek.fail({ kind: 'rate_limited', variant: '7' });
    const response = await member.enhance({ prompt: 'a tower', mode: 'enhance' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(((await response.json()) as ErrorBody).error.code).toBe('rate_limited');
  });

  it('limits each member per hour, counting from the next window', async () => {
    const first = client(t, (await signUp(t)).cookie);
    for (let i = 0; i < 3; i++) {
      expect((await first.enhance({ prompt: `a boat ${i}`, mode: 'enhance' })).status).toBe(200);
    }
    const over = await first.enhance({ prompt: 'a boat 4', mode: 'enhance' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another member is not affected.
    const second = client(t, (await signUp(t)).cookie);
    expect((await second.enhance({ prompt: 'a boat', mode: 'enhance' })).status).toBe(200);
    t.advance(3_600_000);
    expect((await first.enhance({ prompt: 'a boat 5', mode: 'enhance' })).status).toBe(200);
  });
});

describe('prompt help with a price', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ...deepseekEnv(),
      PROMPT_ENHANCE_CREDITS: '2',
      PROMPT_LLM_TIMEOUT_SECONDS: '2',
    });
  });
  afterAll(() => t.close());

  it('shows the price, holds it during the call and charges it on success', async () => {
    const member = client(t, (await signUp(t)).cookie);
    expect(await (await member.config()).json()).toMatchObject({ available: true, cost: 2 });
    const before = await member.balance();
    deepseek.fail({ kind: 'slow_headers', delayMs: 400 });
    const pending = member.enhance({ prompt: 'a fox', mode: 'enhance' });
    // While the model works, the price is on hold.
    const deadline = Date.now() + 3_000;
    let during = await member.balance();
    while (during.held === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      during = await member.balance();
    }
    expect(during).toEqual({ available: before.available - 2, held: 2 });
    const response = await pending;
    expect(await response.json()).toEqual({ suggestion: `a fox, ${FAKE_ENHANCE_SUFFIX}`, cost: 2 });
    expect(await member.balance()).toEqual({ available: before.available - 2, held: 0 });
    const history = (await (
      await t.request('/api/credits/history', { headers: { cookie: member.cookie } })
    ).json()) as { items: { kind: string; reference: string | null }[] };
    expect(history.items.slice(0, 2).map((item) => item.kind)).toEqual(['settle', 'hold']);
    expect(history.items[0]?.reference).toMatch(/^prompt:[0-9a-f-]{36}$/);
    await expectLedgerSound(t.database.db);
  });

  it('gives the credits back when the model fails or times out', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const before = await member.balance();
    for (const fault of [{ kind: 'server_error' }, { kind: 'hang' }] as const) {
      deepseek.fail(fault);
      const response = await member.enhance({ prompt: 'a fox', mode: 'enhance' });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(await member.balance()).toEqual(before);
    }
    const history = (await (
      await t.request('/api/credits/history', { headers: { cookie: member.cookie } })
    ).json()) as { items: { kind: string }[] };
    expect(history.items.slice(0, 4).map((item) => item.kind)).toEqual(['void', 'hold', 'void', 'hold']);
    await expectLedgerSound(t.database.db);
  });

  it('refuses with 402 when the member cannot pay, without calling the model', async () => {
    const { cookie, email } = await signUp(t);
    const member = client(t, cookie);
    const { available } = await member.balance();
    const [row] = await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
    await revokeCredits(t.database.db, {
      userId: row!.id,
      amount: available - 1,
      reason: 'test: leave one credit',
      actorId: null,
      idempotencyKey: `test-revoke-${row!.id}`,
      allowPartial: false,
      at: new Date(),
    });
    const calls = deepseek.requests.length;
    const response = await member.enhance({ prompt: 'a fox', mode: 'enhance' });
    expect(response.status).toBe(402);
    expect(((await response.json()) as ErrorBody).error.code).toBe('insufficient_credits');
    expect(deepseek.requests.length).toBe(calls);
    expect(await member.balance()).toEqual({ available: 1, held: 0 });
  });

  it('refunds once when the sweeper voided the hold of a call that outlived it', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const before = await member.balance();
    deepseek.fail({ kind: 'hang' });
    const pending = member.enhance({ prompt: 'a fox', mode: 'enhance' });
    const deadline = Date.now() + 3_000;
    while ((await member.balance()).held === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.advance(10 * 60_000);
    const report = await sweepOnce(t.platform.generation);
    expect(report.expiredHolds).toBeGreaterThanOrEqual(1);
    expect(await member.balance()).toEqual(before);
    expect((await pending).status).toBe(504);
    expect(await member.balance()).toEqual(before);
    expect(t.logs.filter((line) => line.includes('void failed'))).toEqual([]);
    await expectLedgerSound(t.database.db);
  });
});

describe('prompt help not set up, then set up by an admin', () => {
  const adminEmail = uniqueEmail('admin');
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAILS: adminEmail, RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' });
    admin = (await signUp(t, { email: adminEmail })).cookie;
  });
  afterAll(() => t.close());

  const patch = (json: unknown) =>
    t.request('/api/admin/providers/deepseek', { method: 'PATCH', json, headers: { cookie: admin } });

  it('says so: the buttons are hidden and a call answers 503 not_configured', async () => {
    const member = client(t, (await signUp(t)).cookie);
    expect(await (await member.config()).json()).toEqual({ available: false, cost: 0, maxLength: 2000 });
    const response = await member.enhance({ prompt: 'a fox', mode: 'enhance' }, { 'accept-language': 'en' });
    expect(response.status).toBe(503);
    expect(((await response.json()) as ErrorBody).error).toEqual({
      code: 'not_configured',
      message: 'This feature is not set up on this site yet.',
    });
  });

  it('works at once when an admin enters the key and switches DeepSeek on, and stops when switched off', async () => {
    const member = client(t, (await signUp(t)).cookie);
    const listed = (await (
      await t.request('/api/admin/providers', { headers: { cookie: admin } })
    ).json()) as { providers: { id: string; defaultBaseUrl: string | null; needsKey: boolean }[] };
    const row = listed.providers.find((p) => p.id === 'deepseek');
    expect(row).toMatchObject({ id: 'deepseek', defaultBaseUrl: 'https://api.deepseek.com', needsKey: true });

    const saved = await patch({ apiKey: deepseek.apiKey, baseUrl: deepseek.baseUrl, enabled: true });
    expect(saved.status).toBe(200);
    const probe = (await (
      await t.request('/api/admin/providers/deepseek/test', { method: 'POST', headers: { cookie: admin } })
    ).json()) as { ok: boolean; code: string; url: string };
    expect(probe).toMatchObject({ ok: true, code: 'ok', url: `${deepseek.baseUrl}/models` });

    expect(await (await member.config()).json()).toMatchObject({ available: true });
    const response = await member.enhance({ prompt: 'a fox', mode: 'enhance' });
    expect(await response.json()).toEqual({ suggestion: `a fox, ${FAKE_ENHANCE_SUFFIX}`, cost: 0 });

    expect((await patch({ enabled: false })).status).toBe(200);
    expect(await (await member.config()).json()).toMatchObject({ available: false });
    expect((await member.enhance({ prompt: 'a fox', mode: 'enhance' })).status).toBe(503);
  });

  it('never serves an image route through the text provider', async () => {
    const error = await providerFailure(
      t.platform.generation.providers.resolve({ id: 'deepseek', adapter: 'deepseek', settings: {} }),
    );
    expect(error).toMatchObject({ code: 'model_unavailable', providerId: 'deepseek' });
    const model = await t.request('/api/admin/models', {
      json: {
        id: 'text-as-image',
        nameEn: 'Text as image',
        nameZh: '文字当图片',
        capabilities: {
          textToImage: true,
          imageToImage: false,
          maxReferenceImages: 0,
          maxImages: 1,
          seed: false,
          negativePrompt: false,
          maxPromptLength: 2000,
          sizes: [{ size: '1024x1024', tier: 'standard' }],
        },
        pricing: { perImage: { standard: 1 } },
        routes: [{ providerId: 'deepseek', providerModelId: 'deepseek-flash' }],
      },
      headers: { cookie: admin },
    });
    expect(model.status).toBe(400);
    expect(((await model.json()) as ErrorBody).error.fields?.[0]?.field).toBe('routes.0.providerId');
  });
});

describe('prompt help through OpenAI chat', () => {
  let openai: OpenAiFake;
  let t: TestApp;
  beforeAll(async () => {
    openai = await startOpenAiFake();
    t = await createTestApp({
      PROMPT_LLM_PROVIDER: 'openai',
      PROVIDER_OPENAI_API_KEY: openai.apiKey,
      PROVIDER_OPENAI_BASE_URL: openai.baseUrl,
    });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it("uses the image provider's key and gpt-5.4-mini by default", async () => {
    const member = client(t, (await signUp(t)).cookie);
    const response = await member.enhance({ prompt: '一只橘猫', mode: 'translate' });
    expect(await response.json()).toEqual({ suggestion: 'a ginger cat', cost: 0 });
    const sent = openai.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(JSON.parse(sent.body.toString('utf8'))).toMatchObject({ model: 'gpt-5.4-mini' });
  });
});
