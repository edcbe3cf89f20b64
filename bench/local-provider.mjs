#!/usr/bin/env node
/**
 * Offline provider benchmark: how long one image takes to render, per model
 * and size, on this machine. Run: `node bench/local-provider.mjs` (Node 24).
 *
 * The TypeScript source is loaded directly with Node's own type stripping;
 * the one hook below lets its extensionless imports ("./theme") resolve to
 * ".ts" files, as Vite's resolver does, so no build and no extra tool.
 *
 * Each case renders BENCH_IMAGES images one after another (prompts cycle
 * through every scene and light, seeds change each time), after two warm-up
 * renders, and reports wall-clock ms per image (p50, p99, max) and the CPU
 * ms the process spent per image (libvips and librsvg run on worker threads,
 * so CPU can exceed wall time), and the part of it spent building the SVG in
 * JavaScript, which is the only part that holds the event loop. A last case renders 1024² images four at a
 * time, as a worker doing several generations would, for throughput.
 * Prints one JSON document. Figures, never assertions.
 */
import { registerHooks } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.')) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});

const { localImageSvg, renderLocalImage } = await import('../src/server/providers/local/render.ts');

const IMAGES = Number(process.env.BENCH_IMAGES ?? 50);
const prompts = [
  'a calm ocean on a sunny day',
  'a pine forest at night',
  'city skyline at night with neon signs',
  'desert dunes at sunset',
  'a snowy mountain range',
  'a flower garden in spring',
  'a cat wearing a tiny hat',
  '夜晚的城市',
];
const sizes = [
  [512, 512],
  [1024, 1024],
  [1536, 1024],
  [2048, 2048],
];

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (value) => Math.round(value * 10) / 10;

async function measure(model, width, height) {
  const input = (i) => ({ model, prompt: prompts[i % prompts.length], seed: 1000 + i, width, height });
  for (let i = 0; i < 2; i++) await renderLocalImage(input(i));
  const times = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < IMAGES; i++) {
    const started = performance.now();
    await renderLocalImage(input(i));
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  // Building the SVG is JavaScript on the calling thread (rasterising is not): the event-loop cost.
  const svgStarted = performance.now();
  for (let i = 0; i < IMAGES; i++) localImageSvg(input(i));
  const svgMs = (performance.now() - svgStarted) / IMAGES;
  return {
    model,
    size: `${width}x${height}`,
    images: IMAGES,
    msPerImage: {
      p50: round(percentile(times, 50)),
      p99: round(percentile(times, 99)),
      max: round(times.at(-1)),
    },
    cpuMsPerImage: round((cpu.user + cpu.system) / 1000 / IMAGES),
    svgBuildMsPerImage: round(svgMs),
  };
}

async function throughput(model, concurrency) {
  const total = IMAGES * 2;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await renderLocalImage({
          model,
          prompt: prompts[i % prompts.length],
          seed: i,
          width: 1024,
          height: 1024,
        });
      }
    }),
  );
  return {
    model,
    size: '1024x1024',
    concurrency,
    imagesPerSecond: round(total / ((performance.now() - started) / 1000)),
  };
}

const cases = [];
for (const model of ['preview', 'sketch']) {
  for (const [width, height] of sizes) cases.push(await measure(model, width, height));
}
const parallel = [await throughput('preview', 4), await throughput('sketch', 4)];

console.log(
  JSON.stringify(
    {
      node: process.versions.node,
      cores: availableParallelism(),
      loadAverageAtEnd: loadavg().map(round),
      cases,
      parallel,
    },
    null,
    2,
  ),
);
