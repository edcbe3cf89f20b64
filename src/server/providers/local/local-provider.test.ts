import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors';
import type { GenerateContext, GenerateRequest } from '../types';
import { createLocalProvider, localMaxImages } from './local-provider';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'preview',
    prompt: 'a lighthouse on a cliff',
    n: 1,
    size: { width: 256, height: 256 },
    seed: 7,
    referenceId: 'gen-1:0',
    ...overrides,
  };
}

function context(overrides: Partial<GenerateContext> = {}): GenerateContext {
  return { signal: new AbortController().signal, attempt: 1, ...overrides };
}

async function imageOf(overrides: Partial<GenerateRequest> = {}, provider = createLocalProvider()) {
  const result = await provider.generate(request(overrides), context());
  return result.images[0]!.bytes;
}

/** Mean red, green and blue (0-255) and mean chroma (max − min channel) of an image. */
async function colourStats(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  let chroma = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    sums[0]! += r;
    sums[1]! += g;
    sums[2]! += b;
    chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  const pixels = data.length / info.channels;
  const [red, green, blue] = sums.map((sum) => sum / pixels) as [number, number, number];
  return {
    red,
    green,
    blue,
    chroma: chroma / pixels,
    luma: (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255,
  };
}

/** Resolves once pending promise callbacks and I/O callbacks queued so far have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await settle();
  return state;
}

async function rejectionOf(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('local provider: images', () => {
  it('renders the same bytes for the same prompt, seed, size and model', async () => {
    const first = await imageOf();
    const again = await imageOf({}, createLocalProvider({ latencyMs: 0 }));
    expect(sha256(again)).toBe(sha256(first));
    const metadata = await sharp(first).metadata();
    expect(metadata.format).toBe('png');
    // Opaque: no alpha channel for the thumbnail resize to premultiply.
    expect(metadata.channels).toBe(3);
    expect(metadata.hasAlpha).toBe(false);
  });

  it('renders different images for different seeds, prompts and models', async () => {
    const hashes = new Set(
      (
        await Promise.all([
          imageOf(),
          imageOf({ seed: 8 }),
          imageOf({ prompt: 'a lighthouse at night' }),
          imageOf({ model: 'sketch' }),
        ])
      ).map(sha256),
    );
    expect(hashes.size).toBe(4);
  });

  it.each([
    [64, 64],
    [512, 512],
    [1024, 1024],
    [1536, 1024],
    [1024, 1536],
    [2048, 512],
  ])('renders exactly %i × %i', async (width, height) => {
    const bytes = await imageOf({ size: { width, height } });
    const { width: actualWidth, height: actualHeight } = await sharp(bytes).metadata();
    expect([actualWidth, actualHeight]).toEqual([width, height]);
  });

  it.each([
    ['1:1', 1024, 1024],
    ['16:9', 1344, 768],
    ['9:16', 768, 1344],
    ['3:2', 1280, 832],
  ])('renders about a megapixel for aspect ratio %s', async (aspectRatio, width, height) => {
    const bytes = await imageOf({ size: undefined, aspectRatio });
    const metadata = await sharp(bytes).metadata();
    expect([metadata.width, metadata.height]).toEqual([width, height]);
  });

  it('renders 1024 × 1024 when given no size at all', async () => {
    const metadata = await sharp(await imageOf({ size: undefined })).metadata();
    expect([metadata.width, metadata.height]).toEqual([1024, 1024]);
  });

  it('draws the sketch as ink on paper and the preview in colour', async () => {
    const prompt = 'a calm ocean on a sunny day';
    const preview = await colourStats(await imageOf({ prompt }));
    const sketch = await colourStats(await imageOf({ prompt, model: 'sketch' }));
    expect(sketch.chroma).toBeLessThan(preview.chroma / 3);
    expect(sketch.luma).toBeGreaterThan(0.75);
    expect(preview.blue).toBeGreaterThan(preview.red + 40);
  });

  it('takes its palette from the prompt: an ocean is blue, a sunset warm', async () => {
    const ocean = await colourStats(await imageOf({ prompt: 'the ocean' }));
    const sunset = await colourStats(await imageOf({ prompt: 'a sunset' }));
    expect(ocean.blue).toBeGreaterThan(ocean.red);
    expect(sunset.red).toBeGreaterThan(sunset.blue);
    const night = await colourStats(await imageOf({ prompt: 'the ocean at night' }));
    expect(night.luma).toBeLessThan(ocean.luma - 0.2);
  });

  it('renders n distinct images, image i with seed + i', async () => {
    const provider = createLocalProvider();
    const result = await provider.generate(request({ n: 3, seed: 41 }), context());
    expect(result.images.map((image) => image.seed)).toEqual([41, 42, 43]);
    expect(result.seed).toBe(41);
    expect(new Set(result.images.map((image) => sha256(image.bytes))).size).toBe(3);
    expect(result.images.every((image) => image.mediaType === 'image/png')).toBe(true);
    expect(sha256(result.images[2]!.bytes)).toBe(sha256(await imageOf({ seed: 43 })));
  });

  it('wraps seeds past 2^32 − 1 back to 0', async () => {
    const result = await createLocalProvider().generate(request({ n: 2, seed: 2 ** 32 - 1 }), context());
    expect(result.images.map((image) => image.seed)).toEqual([2 ** 32 - 1, 0]);
  });

  it('without a seed, derives one from the reference id, the same on every attempt', async () => {
    const provider = createLocalProvider();
    const first = await provider.generate(request({ seed: undefined }), context());
    const retried = await provider.generate(request({ seed: undefined }), context({ attempt: 2 }));
    const other = await provider.generate(request({ seed: undefined, referenceId: 'gen-2:0' }), context());
    expect(first.seed).toBeTypeOf('number');
    expect(retried.seed).toBe(first.seed);
    expect(sha256(retried.images[0]!.bytes)).toBe(sha256(first.images[0]!.bytes));
    expect(other.seed).not.toBe(first.seed);
  });

  it('reports a request id, no cost, and what it did not honour', async () => {
    const result = await createLocalProvider().generate(
      request({
        aspectRatio: '16:9',
        referenceImages: [{ bytes: new Uint8Array([1, 2, 3]), mediaType: 'image/png' }],
      }),
      context(),
    );
    expect(result.metadata?.requestId).toMatch(/^local-[0-9a-f]{8}$/);
    expect(result.metadata?.costUsdMicros).toBe(0);
    expect(result.warnings).toEqual([
      'aspect ratio 16:9 ignored for size 256x256',
      'the local provider ignores reference images',
    ]);
    const plain = await createLocalProvider().generate(request(), context());
    expect(plain.warnings).toBeUndefined();
  });

  it.each([
    ['an unknown model', { model: 'dall-e-3' }, 'model_unavailable'],
    ['n = 0', { n: 0 }, 'invalid_request'],
    ['n above the limit', { n: localMaxImages + 1 }, 'invalid_request'],
    ['a fractional seed', { seed: 1.5 }, 'invalid_request'],
    ['a negative seed', { seed: -1 }, 'invalid_request'],
    ['a size below the limit', { size: { width: 32, height: 256 } }, 'invalid_request'],
    ['a size above the limit', { size: { width: 4096, height: 256 } }, 'invalid_request'],
    ['a malformed aspect ratio', { size: undefined, aspectRatio: 'wide' }, 'invalid_request'],
    ['an extreme aspect ratio', { size: undefined, aspectRatio: '20:1' }, 'invalid_request'],
  ] as const)('refuses %s', async (_label, overrides, code) => {
    const error = await rejectionOf(createLocalProvider().generate(request(overrides), context()));
    expect(error.code).toBe(code);
    expect(error.providerId).toBe('local');
  });
});

describe('local provider: simulated faults', () => {
  it('fails every attempt as a [fail:…] marker says', async () => {
    const provider = createLocalProvider();
    const marked = request({ prompt: 'a cat [fail:content_policy]' });
    for (const attempt of [1, 2, 5]) {
      const error = await rejectionOf(provider.generate(marked, context({ attempt })));
      expect(error).toMatchObject({ code: 'content_policy', status: 400 });
    }
  });

  it('fails only the first N attempts with [fail:kind:N], then renders the prompt without the marker', async () => {
    const provider = createLocalProvider({ retryAfterMs: 2500 });
    const marked = request({ prompt: 'a cat [fail:rate_limited:2]' });
    for (const attempt of [1, 2]) {
      const error = await rejectionOf(provider.generate(marked, context({ attempt })));
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 2500 });
    }
    const result = await provider.generate(marked, context({ attempt: 3 }));
    expect(sha256(result.images[0]!.bytes)).toBe(sha256(await imageOf({ prompt: 'a cat' })));
  });

  it.each([
    ['provider_error', 'provider_error', 500],
    ['malformed', 'provider_error', 200],
    ['invalid_request', 'invalid_request', 400],
  ] as const)('maps the %s fault to %s', async (kind, code, status) => {
    const error = await rejectionOf(
      createLocalProvider().generate(request({ prompt: `[fail:${kind}]` }), context()),
    );
    expect(error).toMatchObject({ code, status });
  });

  it('ignores markers when told to', async () => {
    const provider = createLocalProvider({ failMarkers: 'off' });
    const result = await provider.generate(request({ prompt: 'a cat [fail:provider_error]' }), context());
    expect(result.images).toHaveLength(1);
  });

  it('obeys the hang marker only with failMarkers "all"', async () => {
    const safe = createLocalProvider();
    await expect(
      safe.generate(request({ prompt: '[fail:hang_ignoring_abort]' }), context()),
    ).resolves.toBeDefined();
    const all = createLocalProvider({ failMarkers: 'all' });
    const call = all.generate(request({ prompt: '[fail:hang_ignoring_abort]' }), context());
    expect(await stateOf(call)).toBe('pending');
    expect(all.hangingCount).toBe(1);
    all.releaseHanging();
    await expect(call).resolves.toMatchObject({ images: [expect.anything()] });
  });

  it('draws faults with the configured probabilities, the same way on every run', async () => {
    const faults = { rate_limited: 0.5, provider_error: 0.25 };
    const outcomes = async (provider: ReturnType<typeof createLocalProvider>) => {
      const codes: string[] = [];
      for (let i = 0; i < 200; i++) {
        const call = provider.generate(
          request({ referenceId: `gen-${i}`, size: { width: 64, height: 64 } }),
          context(),
        );
        codes.push(
          await call.then(
            () => 'ok',
            (error: ProviderError) => error.code,
          ),
        );
      }
      return codes;
    };
    const first = await outcomes(createLocalProvider({ faults }));
    const count = (code: string) => first.filter((c) => c === code).length;
    // Expected 100 / 50 / 50; these bounds are ~4 standard deviations wide.
    expect(count('rate_limited')).toBeGreaterThan(70);
    expect(count('rate_limited')).toBeLessThan(130);
    expect(count('provider_error')).toBeGreaterThan(25);
    expect(count('provider_error')).toBeLessThan(75);
    expect(count('ok')).toBeGreaterThan(25);
    expect(count('ok')).toBeLessThan(75);
    expect(await outcomes(createLocalProvider({ faults }))).toEqual(first);
    expect(await outcomes(createLocalProvider({ faults, faultSeed: 1 }))).not.toEqual(first);
  });

  it('draws again for each attempt of the same request', async () => {
    const provider = createLocalProvider({ faults: { provider_error: 0.5 } });
    const codes = [];
    for (let attempt = 1; attempt <= 40; attempt++) {
      const call = provider.generate(request({ size: { width: 64, height: 64 } }), context({ attempt }));
      codes.push(
        await call.then(
          () => 'ok',
          (error: ProviderError) => error.code,
        ),
      );
    }
    expect(new Set(codes)).toEqual(new Set(['ok', 'provider_error']));
  });

  it('never fails with every probability at 0 and always with a probability of 1', async () => {
    const healthy = createLocalProvider({ faults: { rate_limited: 0, timeout: 0 } });
    await expect(healthy.generate(request(), context())).resolves.toBeDefined();
    const broken = createLocalProvider({ faults: { invalid_request: 1 } });
    expect((await rejectionOf(broken.generate(request(), context()))).code).toBe('invalid_request');
  });
});

describe('local provider: time and aborts', () => {
  it('ends a long latency with a timeout as soon as the signal fires', async () => {
    const provider = createLocalProvider({ latencyMs: 600_000 });
    const controller = new AbortController();
    const call = provider.generate(request(), context({ signal: controller.signal }));
    expect(await stateOf(call)).toBe('pending');
    controller.abort();
    const error = await rejectionOf(call);
    expect(error.code).toBe('timeout');
    expect(error.cause).toBe(controller.signal.reason);
  });

  it('refuses to start with an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(
      createLocalProvider().generate(request(), context({ signal: controller.signal })),
    );
    expect(error.code).toBe('timeout');
  });

  it('hangs on a timeout fault until aborted, then rejects with a timeout', async () => {
    const provider = createLocalProvider({ faults: { timeout: 1 } });
    const controller = new AbortController();
    const call = provider.generate(request(), context({ signal: controller.signal }));
    expect(await stateOf(call)).toBe('pending');
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('timeout');
  });

  it('holds a hang_ignoring_abort call through an abort until released, then resolves late', async () => {
    const provider = createLocalProvider({ faults: { hang_ignoring_abort: 1 } });
    const controller = new AbortController();
    const call = provider.generate(request(), context({ signal: controller.signal }));
    expect(await stateOf(call)).toBe('pending');
    expect(provider.hangingCount).toBe(1);
    controller.abort();
    for (let i = 0; i < 5; i++) await settle();
    expect(await stateOf(call)).toBe('pending');
    provider.releaseHanging();
    const result = await call;
    expect(result.images).toHaveLength(1);
    expect(provider.hangingCount).toBe(0);
  });
});
