/**
 * The fakes `npm run dev:fakes` starts, held to the built-in catalog: every
 * seeded route (src/server/catalog/seed-data.ts) whose provider has a fake
 * is called through the platform's own adapter (adapters.ts), built from the
 * settings the fakes print, with the request the generation job would send
 * (run-generation.ts: the nominal pixels, the ratio for ratio-shaped
 * models, the route's options). It must come back with a real image, first
 * at the model's default shape, then at every size or ratio the catalog
 * offers. Otherwise pointing the platform at the fakes would fail on a
 * model a member can pick, and nobody would notice until they tried.
 */
import { createServer, type AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRequestShape, type ResolvedShape } from '../../src/server/catalog/request-shape';
import { seedModels, type SeedModel, type SeedRoute } from '../../src/server/catalog/seed-data';
import { adapterSpec } from '../../src/server/providers/adapters';
import type { GenerateRequest } from '../../src/server/providers/types';
import {
  providerFakes,
  providerVarPrefix,
  startAllFakes,
  stripeFakePriceEnv,
  type RunningFakes,
} from './all';

/** Generous: async fakes need a few polls, and the machine has 2 shared cores. */
const CALL_TIMEOUT_MS = 20_000;
/** Polls of the async adapters are sped up to this (the real intervals are seconds). */
const POLL_MS = 20;

let running: RunningFakes;
beforeAll(async () => {
  running = await startAllFakes();
});
afterAll(() => running?.close());

const faked = new Set(providerFakes.map((entry) => entry.providerId));
const routes = seedModels.flatMap((model) =>
  model.routes
    .filter((route) => faked.has(route.providerId))
    .map((route) => ({
      model,
      route,
      name: `${model.id} via ${route.providerId} (${route.providerModelId})`,
    })),
);

/** Every shape the catalog offers the model: each size, or each ratio at the first resolution and each resolution at the first ratio. */
function shapesOf(model: SeedModel): ResolvedShape[] {
  const caps = model.capabilities;
  const requests =
    'sizes' in caps
      ? caps.sizes.map((entry) => ({ size: entry.size }))
      : [
          ...caps.aspectRatios.map((aspectRatio) => ({ aspectRatio })),
          ...caps.resolutions.slice(1).map((entry) => ({ resolution: entry.id })),
        ];
  return requests.map((request) => {
    const shape = resolveRequestShape(model, { ...request, n: 1 });
    if (!shape.ok) throw new Error(`${model.id}: ${JSON.stringify(request)} → ${shape.code}`);
    return shape;
  });
}

/** Calls the route's adapter as the generation job does, and checks the image is real. */
async function generateOn(route: SeedRoute, shape: ResolvedShape, tag: string) {
  const settings = running.settings[route.providerId];
  const spec = adapterSpec(route.providerId);
  if (!settings) throw new Error(`no fake for ${route.providerId}`);
  if (!spec?.create) throw new Error(`${route.providerId} has no image adapter`);
  const provider = spec.create(settings);
  const request: GenerateRequest = {
    model: route.providerModelId,
    prompt: 'a paper boat on a pond',
    n: 1,
    size: { width: shape.width, height: shape.height },
    ...(shape.aspectRatio ? { aspectRatio: shape.aspectRatio } : {}),
    referenceId: `all-fakes-${tag}`,
    ...(route.options ? { providerOptions: route.options } : {}),
  };
  const signal = AbortSignal.timeout(CALL_TIMEOUT_MS);
  const result = await provider.generate(request, {
    signal,
    attempt: 1,
    sleep: (_ms, _work) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, POLL_MS);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        });
      }),
  });
  expect(result.images).toHaveLength(1);
  const image = result.images[0]!;
  expect(image.mediaType).toMatch(/^image\/(png|jpeg|webp)$/);
  const meta = await sharp(image.bytes).metadata();
  expect(meta.width).toBeGreaterThan(0);
  expect(meta.height).toBeGreaterThan(0);
  // The shape asked for, give or take the providers' rounding to 16 or 64 px.
  const ratio = (meta.width / meta.height) * (shape.height / shape.width);
  expect(ratio, `${meta.width}x${meta.height} for ${shape.width}x${shape.height}`).toBeCloseTo(1, 1);
}

describe('all provider fakes (npm run dev:fakes)', () => {
  it('prints a key and a base URL on 127.0.0.1 for every fake', () => {
    for (const { providerId } of providerFakes) {
      const prefix = providerVarPrefix(providerId);
      expect(running.env[`${prefix}API_KEY`], providerId).toBeTruthy();
      expect(running.env[`${prefix}BASE_URL`], providerId).toMatch(/^http:\/\/127\.0\.0\.1:\d+(\/|$)/);
    }
    expect(running.env.PROVIDER_OPENAI_COMPATIBLE_BASE_URL).toMatch(/\/v1$/);
  });

  it('adds the Stripe fake, with the catalog prices it sells', async () => {
    expect(running.env.STRIPE_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.env.STRIPE_PRICE_PACK_100).toBe('price_pack_100');
    const prices = await fetch(`${running.env.STRIPE_API_BASE}/v1/prices`, {
      headers: { authorization: `Bearer ${running.env.STRIPE_SECRET_KEY}` },
    });
    expect(prices.status).toBe(200);
    const listed = (await prices.json()) as { data: { id: string }[] };
    for (const id of Object.values(stripeFakePriceEnv)) {
      expect(listed.data.map((p) => p.id)).toContain(id);
    }
  });

  it('listens on fixed ports from --port-base on, in the order of the list', async () => {
    const entries = providerFakes.slice(0, 2);
    // A free port as the base; the one above it is free too unless another process just took it.
    const base = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const fixed = await startAllFakes({ portBase: base, entries });
    try {
      expect(Object.values(fixed.fakes).map((f) => f.origin)).toEqual([
        `http://127.0.0.1:${base}`,
        `http://127.0.0.1:${base + 1}`,
      ]);
      const models = await fetch(`${fixed.settings.openai!.baseUrl}/models`, {
        headers: { authorization: `Bearer ${fixed.settings.openai!.apiKey}` },
      });
      expect(models.status).toBe(200);
    } finally {
      await fixed.close();
    }
    // A port already taken fails the start and leaves nothing running.
    const blocker = createServer().listen(base + 1, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      await expect(startAllFakes({ portBase: base, entries })).rejects.toThrow(/EADDRINUSE/);
      const probe = createServer().listen(base, '127.0.0.1');
      await new Promise((resolve, reject) => probe.once('listening', resolve).once('error', reject));
      await new Promise((resolve) => probe.close(resolve));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('has a fake for every provider the catalog seeds routes for', () => {
    const seeded = new Set(seedModels.flatMap((model) => model.routes.map((route) => route.providerId)));
    seeded.delete('local');
    expect([...seeded].filter((id) => !faked.has(id))).toEqual([]);
  });

  describe.each(routes)('$name', ({ model, route, name }) => {
    it('makes an image at the model’s default shape', async () => {
      const shape = resolveRequestShape(model, { n: 1 });
      if (!shape.ok) throw new Error(shape.code);
      await generateOn(route, shape, `${name}-default`);
    });

    it('makes an image at every size or ratio the catalog offers', async () => {
      const shapes = shapesOf(model);
      const failures: string[] = [];
      await Promise.all(
        shapes.map(async (shape, index) => {
          try {
            await generateOn(route, shape, `${name}-${index}`);
          } catch (error) {
            failures.push(
              `${shape.size ?? `${shape.aspectRatio} ${shape.resolution}`}: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        }),
      );
      expect(failures).toEqual([]);
    });
  });
});
