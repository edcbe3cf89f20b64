/**
 * Contract tests: the Fireworks adapter against the Fireworks fake
 * (tests/fakes/fireworks.ts). FLUX.1 through the AI SDK (ratios, seeds,
 * parallel calls, the Finish-Reason header), Kontext through the native
 * client (the PendingWork protocol: onPending, sleep, resume), moderation,
 * and every injected fault on both paths.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultKind } from '../../../../tests/fakes/fake-server';
import {
  FLUX_DEV,
  FLUX_SCHNELL,
  KONTEXT_MAX,
  KONTEXT_PRO,
  startFireworksFake,
  type FireworksFake,
} from '../../../../tests/fakes/fireworks';
import { providerFailure } from '../../../../tests/support/provider-contract';
import type { ProviderErrorCode } from '../errors';
import type { GenerateContext, GenerateRequest, ImageProvider, PendingWork } from '../types';
import { createFireworksProvider, fireworksMode } from './fireworks-provider';

const CUSTOM_ASYNC = 'accounts/acme/models/kontext-like-edit';

let fake: FireworksFake;
let provider: ImageProvider;
beforeAll(async () => {
  fake = await startFireworksFake({ kontextModels: [KONTEXT_PRO, KONTEXT_MAX, CUSTOM_ASYNC] });
  provider = createFireworksProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, pollIntervalMs: 10 });
});
afterAll(() => fake.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: FLUX_SCHNELL,
  prompt: 'a lighthouse at dawn',
  n: 1,
  referenceId: 'gen-7:0',
  ...overrides,
});

const run = (overrides: Partial<GenerateRequest> = {}, context: Partial<GenerateContext> = {}) =>
  provider.generate(request(overrides), { signal: AbortSignal.timeout(10_000), attempt: 1, ...context });

const since = (before: number) => fake.requests.slice(before);
const bodyOf = (index: number) =>
  JSON.parse(fake.requests[index]!.body.toString('utf8')) as Record<string, unknown>;
const bodies = (before: number) =>
  since(before).map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a7' } })
    .png()
    .toBuffer();

/** A context recording the PendingWork protocol's calls; its sleep resolves at once. */
function recorder() {
  const pending: PendingWork[] = [];
  const sleeps: { ms: number; work: PendingWork; requestsSoFar: number }[] = [];
  const context = {
    onPending: async (work: PendingWork) => {
      pending.push(work);
    },
    sleep: async (ms: number, work: PendingWork) => {
      sleeps.push({ ms, work, requestsSoFar: fake.requests.length });
    },
  };
  return { pending, sleeps, context };
}

describe('Fireworks FLUX.1 (sync, AI SDK): success', () => {
  it('posts to text_to_image with Bearer auth and 1:1 by default, and sniffs the image', async () => {
    const before = fake.requests.length;
    const result = await run();
    const [sent] = since(before);
    expect(sent!.path).toBe(`/inference/v1/workflows/${FLUX_SCHNELL}/text_to_image`);
    expect(sent!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(bodyOf(before)).toMatchObject({ prompt: 'a lighthouse at dawn', aspect_ratio: '1:1' });
    // The SDK asks for */*: the fake answers JPEG bytes, and the media type comes from them.
    expect(result.images[0]!.mediaType).toBe('image/jpeg');
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1024, height: 1024 });
    // No seed asked: the one Fireworks reports in the Seed header.
    expect(result.images[0]!.seed).toBeGreaterThan(0);
    expect(result.warnings).toEqual([]);
  });

  it('makes n parallel calls, one seed each counting up from the asked one, in the asked ratio', async () => {
    const before = fake.requests.length;
    fake.latencyMs = 400;
    let settled = false;
    const pending = run({ model: FLUX_DEV, n: 3, seed: 42, aspectRatio: '16:9' }).finally(() => {
      settled = true;
    });
    try {
      // All three requests arrive while the first still waits out its latency: they run in parallel.
      await vi.waitFor(() => expect(since(before)).toHaveLength(3), { timeout: 300, interval: 10 });
      expect(settled).toBe(false);
    } finally {
      fake.latencyMs = 0;
    }
    const result = await pending;
    expect(bodies(before).map((b) => b.seed)).toEqual(expect.arrayContaining([42, 43, 44]));
    expect(bodies(before).every((b) => b.aspect_ratio === '16:9')).toBe(true);
    expect(result.images.map((image) => image.seed)).toEqual([42, 43, 44]);
    expect(result.seed).toBe(42);
    expect(await sharp(result.images[2]!.bytes).metadata()).toMatchObject({ width: 1360, height: 768 });
    // Different seeds, different pictures.
    expect(Buffer.from(result.images[0]!.bytes).equals(Buffer.from(result.images[1]!.bytes))).toBe(false);
  });

  it('turns a size into a listed ratio, the nearest one with a warning, and warns about the rest', async () => {
    const before = fake.requests.length;
    const exact = await run({ size: { width: 1280, height: 960 } });
    expect(bodyOf(before).aspect_ratio).toBe('4:3');
    expect(exact.warnings).toEqual([]);
    const small = await run({ size: { width: 512, height: 512 } });
    expect(bodyOf(before + 1).aspect_ratio).toBe('1:1');
    expect(small.warnings).toEqual([expect.stringContaining('about 1 MP')]);

    const nearest = await run({
      aspectRatio: '2:1',
      negativePrompt: 'fog',
      referenceImages: [{ bytes: await png(8, 8), mediaType: 'image/png' }],
    });
    expect(bodyOf(fake.requests.length - 1).aspect_ratio).toBe('16:9');
    expect(nearest.warnings).toEqual([
      expect.stringContaining('negativePrompt'),
      expect.stringContaining('referenceImages'),
      expect.stringContaining('2:1: not offered by FLUX.1, sent as 16:9'),
    ]);
  });

  it("passes the route's options through, but never its own `mode`", async () => {
    const before = fake.requests.length;
    const result = await run({
      providerOptions: { mode: 'sync', output_format: 'png', num_inference_steps: 4, guidance_scale: 3.5 },
    });
    const sent = bodyOf(before);
    expect(sent).toMatchObject({ output_format: 'png', num_inference_steps: 4, guidance_scale: 3.5 });
    expect(sent).not.toHaveProperty('mode');
    expect(result.images[0]!.mediaType).toBe('image/png');
  });
});

describe('Fireworks: choosing sync or async', () => {
  it('follows providerOptions.mode, else "kontext" in the model id', () => {
    expect(fireworksMode(request({ model: KONTEXT_PRO }))).toBe('async');
    expect(fireworksMode(request({ model: FLUX_DEV }))).toBe('sync');
    expect(fireworksMode(request({ model: CUSTOM_ASYNC, providerOptions: { mode: 'sync' } }))).toBe('sync');
    expect(fireworksMode(request({ model: FLUX_DEV, providerOptions: { mode: 'async' } }))).toBe('async');
    expect(() => fireworksMode(request({ providerOptions: { mode: 'queue' } }))).toThrow(/mode/);
  });

  it('sends a model routed async by its options to the Kontext protocol', async () => {
    const before = fake.requests.length;
    const model = 'accounts/acme/models/custom-async';
    const custom = await startFireworksFake({ apiKey: fake.apiKey, kontextModels: [model] });
    try {
      const adapter = createFireworksProvider({
        apiKey: fake.apiKey,
        baseUrl: custom.baseUrl,
        pollIntervalMs: 5,
      });
      const result = await adapter.generate(request({ model, providerOptions: { mode: 'async' } }), {
        signal: AbortSignal.timeout(5_000),
        attempt: 1,
      });
      expect(result.images).toHaveLength(1);
      expect(custom.requests.map((r) => r.path)).toEqual([
        `/inference/v1/workflows/${model}`,
        `/inference/v1/workflows/${model}/get_result`,
        `/inference/v1/workflows/${model}/get_result`,
        expect.stringMatching(/^\/__files\//),
      ]);
      expect(fake.requests.length).toBe(before);
    } finally {
      await custom.close();
    }
  });
});

describe('Fireworks Kontext (async, native): success and the PendingWork protocol', () => {
  it('submits once, reports the work before polling, waits through context.sleep, downloads the result', async () => {
    const before = fake.requests.length;
    const { pending, sleeps, context } = recorder();
    const result = await run({ model: KONTEXT_PRO, aspectRatio: '3:2', seed: 9 }, context);

    const paths = since(before).map((r) => r.path);
    expect(paths[0]).toBe(`/inference/v1/workflows/${KONTEXT_PRO}`);
    expect(paths.filter((p) => p.endsWith('/get_result'))).toHaveLength(2);
    expect(paths.at(-1)).toMatch(/^\/__files\//);
    expect(bodyOf(before)).toMatchObject({ prompt: 'a lighthouse at dawn', aspect_ratio: '3:2', seed: 9 });
    expect(bodyOf(before + 1)).toEqual({ id: pending[0]!.requestId });

    expect(pending).toEqual([
      {
        providerId: 'fireworks',
        requestId: expect.stringMatching(/^fw-request-\d+$/) as string,
        data: { model: KONTEXT_PRO, requestIds: JSON.stringify([pending[0]!.requestId]) },
      },
    ]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toMatchObject({ ms: 10, work: pending[0] });
    // The one Pending poll came before the sleep; the Ready poll after it.
    expect(sleeps[0]!.requestsSoFar).toBe(before + 2);

    expect(result.images[0]!.mediaType).toBe('image/png');
    expect(result.images[0]!.seed).toBe(9);
    expect(result.metadata?.requestId).toBe(pending[0]!.requestId);
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1248, height: 832 });
  });

  it('sends the first reference image as a data URL, warns about the others, keeps its ratio', async () => {
    const before = fake.requests.length;
    const first = await png(64, 32);
    const result = await run({
      model: KONTEXT_MAX,
      prompt: 'make it snow',
      referenceImages: [
        { bytes: first, mediaType: 'image/png' },
        { bytes: await png(16, 16), mediaType: 'image/png' },
        { bytes: await png(16, 16), mediaType: 'image/png' },
      ],
    });
    const sent = bodyOf(before);
    expect(sent.input_image).toBe(`data:image/png;base64,${first.toString('base64')}`);
    expect(sent).not.toHaveProperty('aspect_ratio');
    expect(result.warnings).toEqual([expect.stringContaining('2 more ignored')]);
    // No context.sleep: the plain timer paced the polls, and the input's 2:1 ratio was kept.
    expect(await sharp(result.images[0]!.bytes).metadata()).toMatchObject({ width: 1456, height: 720 });
  });

  it('submits n tasks with counting seeds and reports them all in one PendingWork', async () => {
    const before = fake.requests.length;
    const { pending, context } = recorder();
    const result = await run({ model: KONTEXT_PRO, n: 2, seed: 7, aspectRatio: '1:1' }, context);
    const submits = since(before).filter((r) => r.path === `/inference/v1/workflows/${KONTEXT_PRO}`);
    const seeds = submits.map((r) => (JSON.parse(r.body.toString('utf8')) as { seed: number }).seed);
    expect(seeds.sort()).toEqual([7, 8]);
    expect(pending).toHaveLength(1);
    const ids = JSON.parse(pending[0]!.data!.requestIds!) as string[];
    expect(ids).toHaveLength(2);
    expect(result.images.map((image) => image.seed)).toEqual([7, 8]);
  });

  it('resumes the reported work after the first attempt ended, without a second submission', async () => {
    const before = fake.requests.length;
    fake.queueKontextOutcome('Ready', { pendingPolls: 3 });
    const controller = new AbortController();
    let reported: PendingWork | undefined;
    const first = await providerFailure(
      run(
        { model: KONTEXT_PRO },
        {
          signal: controller.signal,
          onPending: async (work) => {
            reported = work;
          },
          // The attempt ends while the task is still Pending.
          sleep: async () => controller.abort(new DOMException('attempt timed out', 'TimeoutError')),
        },
      ),
    );
    expect(first.code).toBe('timeout');
    expect(reported).toBeDefined();
    const submitted = since(before).filter((r) => r.path === `/inference/v1/workflows/${KONTEXT_PRO}`);
    expect(submitted).toHaveLength(1);

    const middle = fake.requests.length;
    const { pending, context } = recorder();
    const second = await run({ model: KONTEXT_PRO }, { ...context, attempt: 2, resume: reported! });
    expect(second.images).toHaveLength(1);
    expect(since(middle).some((r) => r.path === `/inference/v1/workflows/${KONTEXT_PRO}`)).toBe(false);
    expect(
      since(middle)
        .filter((r) => r.path.endsWith('/get_result'))
        .map((r) => r.body.toString()),
    ).toContain(JSON.stringify({ id: reported!.requestId }));
    expect(pending).toEqual([]);
    expect(second.metadata?.requestId).toBe(reported!.requestId);
  });

  it('submits again when the resumed task is gone, and reports the new work', async () => {
    const before = fake.requests.length;
    const { pending, context } = recorder();
    const gone: PendingWork = {
      providerId: 'fireworks',
      requestId: 'fw-request-expired',
      data: { model: KONTEXT_PRO, requestIds: JSON.stringify(['fw-request-expired']) },
    };
    const result = await run({ model: KONTEXT_PRO }, { ...context, resume: gone });
    expect(result.images).toHaveLength(1);
    expect(since(before)[0]!.path).toMatch(/\/get_result$/);
    expect(since(before)[1]!.path).toBe(`/inference/v1/workflows/${KONTEXT_PRO}`);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.requestId).not.toBe('fw-request-expired');
  });

  it("ignores another provider's work and submits", async () => {
    const before = fake.requests.length;
    const result = await run(
      { model: KONTEXT_PRO },
      { resume: { providerId: 'replicate', requestId: 'pred-1' } },
    );
    expect(result.images).toHaveLength(1);
    expect(since(before)[0]!.path).toBe(`/inference/v1/workflows/${KONTEXT_PRO}`);
  });

  it('asks Fireworks for a webhook when the platform has one, with the configured secret', async () => {
    const withSecret = createFireworksProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      pollIntervalMs: 5,
      webhookSecret: 'whsec_test',
    });
    const before = fake.requests.length;
    await withSecret.generate(request({ model: KONTEXT_PRO, providerOptions: { safety_tolerance: 2 } }), {
      signal: AbortSignal.timeout(5_000),
      attempt: 1,
      webhookUrl: 'https://example.test/hooks/fireworks/gen-7',
    });
    expect(bodyOf(before)).toMatchObject({
      webhook_url: 'https://example.test/hooks/fireworks/gen-7',
      webhook_secret: 'whsec_test',
      safety_tolerance: 2,
    });
  });
});

describe('Fireworks Kontext: final statuses other than Ready', () => {
  const cases: [string, ProviderErrorCode][] = [
    ['Request Moderated', 'content_policy'],
    ['Content Moderated', 'content_policy'],
    ['Error', 'provider_error'],
    ['Failed', 'provider_error'],
    ['Task not found', 'provider_error'],
  ];
  it.each(cases)('%s → %s, at once rather than at a polling timeout', async (status, code) => {
    const before = fake.requests.length;
    fake.queueKontextOutcome(status as 'Error', { pendingPolls: 2 });
    const error = await providerFailure(run({ model: KONTEXT_PRO }, recorder().context));
    expect(error.code).toBe(code);
    expect(error.providerId).toBe('fireworks');
    expect(since(before).filter((r) => r.path.endsWith('/get_result'))).toHaveLength(3);
  });

  it('maps the moderation fault at submission and at polling', async () => {
    fake.fail({ kind: 'content_policy', model: KONTEXT_PRO });
    expect((await providerFailure(run({ model: KONTEXT_PRO }))).code).toBe('content_policy');
    fake.fail({
      kind: 'content_policy',
      variant: 'content',
      path: `/inference/v1/workflows/${KONTEXT_PRO}/get_result`,
    });
    expect((await providerFailure(run({ model: KONTEXT_PRO }))).code).toBe('content_policy');
  });
});

type FaultCase = [FaultKind, ProviderErrorCode, { variant?: string; status?: number; retryAfterMs?: number }];
const faultCases: FaultCase[] = [
  ['unauthorized', 'auth', { status: 401 }],
  ['unauthorized', 'auth', { status: 401, variant: 'plain' }],
  ['rate_limited', 'rate_limited', { status: 429, retryAfterMs: 0 }],
  ['rate_limited', 'rate_limited', { status: 429, retryAfterMs: 3_000, variant: '3' }],
  ['quota', 'quota', { status: 402 }],
  ['quota', 'quota', { status: 412, variant: 'suspended' }],
  ['server_error', 'provider_error', { status: 500 }],
  ['overloaded', 'provider_error', { status: 503 }],
  ['retired_model', 'model_unavailable', { status: 404 }],
  ['invalid_json', 'provider_error', {}],
  ['wrong_shape', 'provider_error', {}],
  ['bad_image', 'provider_error', {}],
];

function expectFault(
  error: Awaited<ReturnType<typeof providerFailure>>,
  code: ProviderErrorCode,
  expected: FaultCase[2],
) {
  expect(error.code).toBe(code);
  expect(error.providerId).toBe('fireworks');
  if (expected.status) expect(error.status).toBe(expected.status);
  if (expected.retryAfterMs !== undefined) expect(error.retryAfterMs).toBe(expected.retryAfterMs);
}

describe('Fireworks FLUX.1: every fault', () => {
  it.each(faultCases)('%s → %s %j', async (kind, code, expected) => {
    fake.fail({ kind, model: FLUX_SCHNELL, ...(expected.variant ? { variant: expected.variant } : {}) });
    expectFault(await providerFailure(run()), code, expected);
  });

  it('maps a content-filtered answer (200, Finish-Reason CONTENT_FILTERED) to content_policy', async () => {
    fake.fail({ kind: 'content_policy', model: FLUX_SCHNELL });
    expect(await providerFailure(run())).toMatchObject({ code: 'content_policy' });
  });

  it('reads the raw body the SDK keeps: its message is only the reason phrase', async () => {
    fake.fail({ kind: 'quota', model: FLUX_SCHNELL });
    const error = await providerFailure(run());
    expect((error.cause as { message: string }).message).toBe('Payment Required');
    expect(error.message).toContain('PAYMENT_REQUIRED');
  });

  it('fails one image of n as the whole call, and maps the real 401 and 404', async () => {
    fake.fail({ kind: 'server_error', model: FLUX_SCHNELL });
    expect((await providerFailure(run({ n: 3 }))).code).toBe('provider_error');
    const wrongKey = createFireworksProvider({ apiKey: 'fw_wrong', baseUrl: fake.baseUrl });
    const auth = await providerFailure(
      wrongKey.generate(request(), { signal: AbortSignal.timeout(5_000), attempt: 1 }),
    );
    expect(auth).toMatchObject({ code: 'auth', status: 401 });
    const unknown = await providerFailure(run({ model: 'accounts/fireworks/models/flux-0-gone' }));
    expect(unknown).toMatchObject({ code: 'model_unavailable', status: 404 });
  });

  it('refuses an aspect ratio that is not W:H before calling', async () => {
    const before = fake.requests.length;
    expect((await providerFailure(run({ aspectRatio: 'wide' }))).code).toBe('invalid_request');
    expect(fake.requests.length).toBe(before);
  });

  it('ends a hanging call as a timeout when the signal fires, and waits out slow headers', async () => {
    fake.fail({ kind: 'hang', model: FLUX_SCHNELL });
    const started = Date.now();
    const error = await providerFailure(run({}, { signal: AbortSignal.timeout(300) }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.fail({ kind: 'slow_headers', model: FLUX_SCHNELL, delayMs: 200 });
    expect((await run()).images).toHaveLength(1);
  });
});

describe('Fireworks Kontext: every fault', () => {
  it.each(faultCases)('at submission: %s → %s %j', async (kind, code, expected) => {
    fake.fail({ kind, model: KONTEXT_PRO, ...(expected.variant ? { variant: expected.variant } : {}) });
    expectFault(await providerFailure(run({ model: KONTEXT_PRO })), code, expected);
  });

  it.each(faultCases)('at polling: %s → %s %j', async (kind, code, expected) => {
    fake.fail({
      kind,
      path: `/inference/v1/workflows/${KONTEXT_PRO}/get_result`,
      ...(expected.variant ? { variant: expected.variant } : {}),
    });
    expectFault(await providerFailure(run({ model: KONTEXT_PRO })), code, expected);
  });

  it('ends as a timeout on a hang at submission or at polling', async () => {
    fake.fail({ kind: 'hang', model: KONTEXT_PRO });
    expect(
      (await providerFailure(run({ model: KONTEXT_PRO }, { signal: AbortSignal.timeout(300) }))).code,
    ).toBe('timeout');
    fake.fail({ kind: 'hang', path: `/inference/v1/workflows/${KONTEXT_PRO}/get_result` });
    expect(
      (await providerFailure(run({ model: KONTEXT_PRO }, { signal: AbortSignal.timeout(300) }))).code,
    ).toBe('timeout');
  });

  it('stops at the deadline even when the signal does not fire', async () => {
    fake.queueKontextOutcome('Ready', { pendingPolls: 1_000 });
    const error = await providerFailure(
      run({ model: KONTEXT_PRO }, { deadline: new Date(Date.now() + 200) }),
    );
    expect(error.code).toBe('timeout');
  });

  it('maps an expired result file to provider_error, not to a retired model', async () => {
    const own = await startFireworksFake({ apiKey: fake.apiKey });
    try {
      const adapter = createFireworksProvider({
        apiKey: own.apiKey,
        baseUrl: own.baseUrl,
        pollIntervalMs: 5,
      });
      const error = await providerFailure(
        adapter.generate(request({ model: KONTEXT_PRO }), {
          signal: AbortSignal.timeout(5_000),
          attempt: 1,
          onPending: async () => own.expireFiles(),
        }),
      );
      expect(error).toMatchObject({ code: 'provider_error', status: 404 });
      // The download was credentialed: the result URL is on the API's own origin.
      expect(own.requests.at(-1)!.headers.authorization).toBe(`Bearer ${own.apiKey}`);
    } finally {
      await own.close();
    }
  });
});
